package sqlapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/sequinsync/sequin/providers"
)

// CatalogCollection is a collection as published to sequin.providers_catalog.
type CatalogCollection struct {
	ID            string                    `json:"id"`
	Name          string                    `json:"name"`
	Description   string                    `json:"description,omitempty"`
	Fields        []providers.Field         `json:"fields"`
	Incremental   bool                      `json:"incremental"`
	Deletes       providers.DeleteDetection `json:"deletes"`
	MutationKinds []providers.MutationKind  `json:"mutation_kinds"`
}

// CatalogEntry describes one provider for SQL validation and the HTTP API.
type CatalogEntry struct {
	providers.Spec
	Collections []CatalogCollection `json:"collections"`
}

// Catalog describes every provider of reg.
func Catalog(reg *providers.Registry) []CatalogEntry {
	var out []CatalogEntry
	for _, p := range reg.Providers() {
		e := CatalogEntry{Spec: p.Spec(), Collections: []CatalogCollection{}}
		for _, c := range p.Collections() {
			kinds := c.MutationKinds
			if kinds == nil {
				kinds = []providers.MutationKind{}
			}
			e.Collections = append(e.Collections, CatalogCollection{
				ID: c.ID, Name: c.Name, Description: c.Description, Fields: c.Fields,
				Incremental: c.Incremental(), Deletes: c.Deletes, MutationKinds: kinds,
			})
		}
		out = append(out, e)
	}
	return out
}

// PublishCatalog replaces sequin.providers_catalog with the providers of reg, so SQL functions can
// validate provider names, credential properties and collection ids.
func PublishCatalog(ctx context.Context, q Querier, reg *providers.Registry) error {
	names := reg.Names()
	for _, e := range Catalog(reg) {
		kinds, _ := json.Marshal(e.CredentialKinds)
		cols, _ := json.Marshal(e.Collections)
		def, _ := json.Marshal(e.DefaultRateLimit)
		var test []byte
		if e.TestRateLimit != nil {
			test, _ = json.Marshal(e.TestRateLimit)
		}
		_, err := q.Exec(ctx, `
			INSERT INTO sequin.providers_catalog (provider, display_name, default_base_url, credential_kinds, collections,
				default_rate_limit, test_rate_limit, dynamic_collections)
			VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, ''))
			ON CONFLICT (provider) DO UPDATE SET display_name = excluded.display_name, default_base_url = excluded.default_base_url,
				credential_kinds = excluded.credential_kinds, collections = excluded.collections,
				default_rate_limit = excluded.default_rate_limit, test_rate_limit = excluded.test_rate_limit,
				dynamic_collections = excluded.dynamic_collections, refreshed_at = now()`,
			e.Name, e.DisplayName, e.DefaultBaseURL, kinds, cols, def, test, e.DynamicCollections)
		if err != nil {
			return fmt.Errorf("publishing provider %s: %w", e.Name, err)
		}
	}
	if _, err := q.Exec(ctx, `DELETE FROM sequin.providers_catalog WHERE NOT provider = ANY($1)`, names); err != nil {
		return fmt.Errorf("pruning provider catalogue: %w", err)
	}
	return nil
}
