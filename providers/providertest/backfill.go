package providertest

import (
	"slices"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

// maxPages bounds a backfill loop so a provider that never says Done fails instead of hanging.
const maxPages = 1000

// backfillAll pages through a collection from cursor until Done and returns the records and the
// number of pages.
func backfillAll(t *testing.T, c *providers.Collection, sess *providers.Session, cursor string) ([]providers.Record, int) {
	t.Helper()
	var all []providers.Record
	for pages := 1; pages <= maxPages; pages++ {
		p, err := c.Backfill(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("Backfill(%q), page %d: %v", cursor, pages, err)
		}
		all = append(all, p.Records...)
		if p.Done {
			return all, pages
		}
		if p.NextCursor == "" || p.NextCursor == cursor {
			t.Fatalf("Backfill(%q), page %d: not done but the cursor did not move (%q)", cursor, pages, p.NextCursor)
		}
		cursor = p.NextCursor
	}
	t.Fatalf("Backfill: not done after %d pages", maxPages)
	return nil, 0
}

// checkRecords asserts that recs hold every upstream object exactly once, equal to the upstream copy.
func checkRecords(t *testing.T, c *providers.Collection, u Upstream, recs []providers.Record) {
	t.Helper()
	want := u.IDs(c.ID)
	seen := map[string]bool{}
	for _, r := range recs {
		if r.ID == "" {
			t.Fatalf("record without ID: %s", short(r.Data))
		}
		if seen[r.ID] {
			t.Errorf("record %s reported twice", r.ID)
		}
		seen[r.ID] = true
		if r.UpdatedAt.IsZero() {
			t.Errorf("record %s has no UpdatedAt", r.ID)
		}
		if r.Deleted {
			t.Errorf("backfill reported %s as deleted", r.ID)
		}
		up, ok := u.Object(c.ID, r.ID)
		if !ok {
			t.Errorf("record %s does not exist upstream", r.ID)
			continue
		}
		if !jsonEqual(r.Data, up) {
			t.Errorf("record %s differs from upstream:\n got %s\nwant %s", r.ID, short(r.Data), short(up))
		}
	}
	for _, id := range want {
		if !seen[id] {
			t.Errorf("upstream object %s was not reported", id)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("reported %d distinct objects, upstream has %d", len(seen), len(want))
	}
}

// testBackfill pages through a seeded collection and compares what it got with upstream.
func (s *suite) testBackfill(t *testing.T, c *providers.Collection) {
	sess, u := s.NewUpstream(t, UpstreamOptions{Seed: s.BackfillSeed})
	if n := len(u.IDs(c.ID)); n < s.BackfillSeed {
		t.Fatalf("upstream was seeded with %d objects of %s, want at least %d", n, c.ID, s.BackfillSeed)
	}
	recs, pages := backfillAll(t, c, sess, "")
	if pages < 3 {
		t.Errorf("backfill took %d pages; seed more objects so that pagination is exercised", pages)
	}
	checkRecords(t, c, u, recs)
}

// testResume takes the cursor after the first page and finishes the backfill in a new session.
func (s *suite) testResume(t *testing.T, c *providers.Collection) {
	sess, u := s.NewUpstream(t, UpstreamOptions{Seed: s.BackfillSeed})
	p, err := c.Backfill(t.Context(), sess, "")
	if err != nil {
		t.Fatalf("first page: %v", err)
	}
	if p.Done {
		t.Fatalf("the first page of %d objects is the last", s.BackfillSeed)
	}
	rest, _ := backfillAll(t, c, newSession(sess), p.NextCursor)
	checkRecords(t, c, u, slices.Concat(p.Records, rest))
}

// testGet fetches existing objects one by one and a missing one.
func (s *suite) testGet(t *testing.T, c *providers.Collection) {
	if c.Get == nil {
		t.Skip("no Get")
	}
	sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 5})
	ids := u.IDs(c.ID)
	if len(ids) == 0 {
		t.Fatal("nothing seeded")
	}
	for _, id := range ids[:min(len(ids), 3)] {
		r, err := c.Get(t.Context(), sess, id)
		if err != nil {
			t.Fatalf("Get(%s): %v", id, err)
		}
		up, _ := u.Object(c.ID, id)
		if r.ID != id || r.Deleted || r.UpdatedAt.IsZero() || !jsonEqual(r.Data, up) {
			t.Errorf("Get(%s) = {ID %s, Deleted %v, UpdatedAt %v, Data %s}, want the upstream object %s", id, r.ID, r.Deleted, r.UpdatedAt, short(r.Data), short(up))
		}
	}
	_, err := c.Get(t.Context(), sess, "sequin_missing_0000")
	if !providers.IsNotFound(err) {
		t.Errorf("Get of a missing object: %v, want a not-found error", err)
	}
}
