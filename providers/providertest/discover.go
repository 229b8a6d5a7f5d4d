package providertest

import (
	"context"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

// discover resolves the harness's Discovered names through the provider's CollectionDiscoverer,
// checks what it finds like a declared collection, and returns their ids. It also checks that a name
// the account does not have is reported as not found.
func (s *suite) discover(t *testing.T) []string {
	t.Helper()
	d, ok := s.Provider.(providers.CollectionDiscoverer)
	if !ok {
		t.Fatal("providertest: Discovered is set but the provider is no CollectionDiscoverer")
	}
	sess, _ := s.NewUpstream(t, UpstreamOptions{Seed: 1})
	name := s.Provider.Spec().Name
	ctx := context.Background()
	var ids []string
	for _, n := range s.Discovered {
		c, err := d.DiscoverCollection(ctx, sess, n)
		if err != nil {
			t.Fatalf("providertest: discovering %s: %v", n, err)
		}
		if err := providers.ValidateCollection(name, c); err != nil {
			t.Fatalf("providertest: discovered collection %s: %v", n, err)
		}
		if c.Name != n {
			t.Fatalf("providertest: discovering %s found %s", n, c.Name)
		}
		s.colls[c.ID] = c
		ids = append(ids, c.ID)
	}
	if _, err := d.DiscoverCollection(ctx, sess, "no_such_collection_here"); !providers.IsNotFound(err) {
		t.Fatalf("providertest: discovering a name the account lacks: got %v, want a not-found error", err)
	}
	return ids
}
