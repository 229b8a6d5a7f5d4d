package hubspot

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/sequinsync/sequin/providers"
)

// ownersPath lists the account's owners: the users who can own CRM records.
const ownersPath = "/crm/v3/owners"

// ownersCollection is the owners collection. Owners have no change feed and are few, so polling lists
// them again and an owner no longer listed (deactivated, hence archived) is deleted by the sweep.
func ownersCollection() *providers.Collection {
	return &providers.Collection{
		ID:          Name + ":owners",
		Name:        "owners",
		Description: "Owners: the account's users who can own records.",
		Fields: []providers.Field{
			{Name: "email", Type: "text"},
			{Name: "first_name", Type: "text", Path: "firstName"},
			{Name: "last_name", Type: "text", Path: "lastName"},
			{Name: "user_id", Type: "bigint", Path: "userId"},
			{Name: "type", Type: "text"},
			{Name: "teams", Type: "jsonb"},
			{Name: "created_at", Type: "timestamptz", Path: "createdAt"},
			{Name: "updated_at", Type: "timestamptz", Path: "updatedAt"},
			{Name: "archived", Type: "boolean"},
		},
		Deletes:  providers.DeletesBySweep,
		Backfill: backfillOwners,
		Get:      getOwner,
	}
}

// backfillOwners lists one page of live owners.
func backfillOwners(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	after, err := parseBackfillCursor(cur)
	if err != nil {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: err.Error(), Err: err}
	}
	q := url.Values{"limit": {strconv.Itoa(pageSize)}, "archived": {"false"}}
	if after != "" {
		q.Set("after", after)
	}
	resp, err := getJSON(ctx, s, ownersPath, q)
	if err != nil {
		return nil, fmt.Errorf("hubspot: listing owners: %w", err)
	}
	p, objs, err := decodePage(resp, "GET "+ownersPath)
	if err != nil {
		return nil, err
	}
	if after != "" && p.next() == after {
		return nil, providers.Malformed(nil, "hubspot: GET %s: the next page's after token %q did not move", ownersPath, clip(after))
	}
	return toPage(p, objs), nil
}

// getOwner fetches one live owner.
func getOwner(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if !validObjectID(id) {
		return nil, notFound(fmt.Sprintf("owner %q does not exist: ids are numbers", clip(id)))
	}
	resp, err := getJSON(ctx, s, ownersPath+"/"+url.PathEscape(id), url.Values{"archived": {"false"}})
	if err != nil {
		return nil, fmt.Errorf("hubspot: reading owner %s: %w", id, err)
	}
	o, err := decodeObject(resp.Body, "GET "+ownersPath)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: o.id, UpdatedAt: o.updated, Data: o.raw}, nil
}
