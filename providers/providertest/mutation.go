package providertest

import (
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

var mutationSeq atomic.Int64

// newMutation returns a mutation with a fresh id.
func newMutation(kind providers.MutationKind, upstreamID string, data map[string]any) *providers.Mutation {
	return &providers.Mutation{ID: fmt.Sprintf("suite-%d", mutationSeq.Add(1)), Kind: kind, UpstreamID: upstreamID, Data: data}
}

// testMutation creates, reads, updates and deletes an object, and retries a create whose response was
// lost.
func (s *suite) testMutation(t *testing.T) {
	t.Parallel()
	if s.MutationCollection == "" {
		t.Skip("no MutationCollection")
	}
	c := s.colls[s.MutationCollection]
	if c == nil {
		t.Fatalf("MutationCollection %s is not declared", s.MutationCollection)
	}
	for _, k := range []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete} {
		if !c.Mutable(k) {
			t.Fatalf("%s does not accept %s mutations", c.ID, k)
		}
	}
	if c.Get == nil {
		t.Fatalf("%s has no Get", c.ID)
	}
	t.Run("round_trip", func(t *testing.T) {
		t.Parallel()
		sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 2})
		ctx := t.Context()
		created, err := c.Mutate(ctx, sess, newMutation(providers.MutationCreate, "", s.SampleCreate))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if created.ID == "" || created.Deleted || !contains(decode(t, created.Data), s.SampleCreate) {
			t.Fatalf("create returned {ID %q, Deleted %v, Data %s}, want an object holding %v", created.ID, created.Deleted, short(created.Data), s.SampleCreate)
		}
		got, err := c.Get(ctx, sess, created.ID)
		if err != nil {
			t.Fatalf("Get after create: %v", err)
		}
		if !contains(decode(t, got.Data), s.SampleCreate) {
			t.Errorf("Get after create: %s, want it to hold %v", short(got.Data), s.SampleCreate)
		}
		if up, ok := u.Object(c.ID, created.ID); !ok || !jsonEqual(up, got.Data) {
			t.Errorf("upstream copy %s differs from Get's %s", short(up), short(got.Data))
		}

		updated, err := c.Mutate(ctx, sess, newMutation(providers.MutationUpdate, created.ID, s.SampleUpdate))
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		if updated.ID != created.ID || !contains(decode(t, updated.Data), s.SampleUpdate) {
			t.Errorf("update returned {ID %q, Data %s}, want %s holding %v", updated.ID, short(updated.Data), created.ID, s.SampleUpdate)
		}
		got, err = c.Get(ctx, sess, created.ID)
		if err != nil {
			t.Fatalf("Get after update: %v", err)
		}
		if !contains(decode(t, got.Data), s.SampleUpdate) {
			t.Errorf("Get after update: %s, want it to hold %v", short(got.Data), s.SampleUpdate)
		}

		del, err := c.Mutate(ctx, sess, newMutation(providers.MutationDelete, created.ID, nil))
		if err != nil {
			t.Fatalf("delete: %v", err)
		}
		if del.ID != created.ID || !del.Deleted {
			t.Errorf("delete returned {ID %q, Deleted %v}, want %s deleted", del.ID, del.Deleted, created.ID)
		}
		if got, err := c.Get(ctx, sess, created.ID); !providers.IsNotFound(err) && (err != nil || !got.Deleted) {
			t.Errorf("Get after delete: %v (record %+v), want not found", err, got)
		}
		if slices.Contains(u.IDs(c.ID), created.ID) {
			t.Errorf("%s still exists upstream after delete", created.ID)
		}
		// A delete run again (the engine retrying after a crash) succeeds.
		if again, err := c.Mutate(ctx, sess, newMutation(providers.MutationDelete, created.ID, nil)); err != nil || !again.Deleted {
			t.Errorf("repeated delete: %v, %+v", err, again)
		}
	})
	t.Run("lost_response", func(t *testing.T) {
		t.Parallel()
		sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 2})
		n := len(u.IDs(c.ID))
		m := newMutation(providers.MutationCreate, "", s.SampleCreate)
		u.Fail(Fault{Method: http.MethodPost, Status: http.StatusInternalServerError, AfterApply: true, Count: 1})
		sent := u.Requests()
		first, err := c.Mutate(t.Context(), sess, m)
		if err != nil {
			t.Fatalf("create after a lost response: %v", err)
		}
		if u.Requests()-sent < 2 {
			t.Fatalf("the lost response was not retried (%d requests)", u.Requests()-sent)
		}
		// The engine re-runs a mutation whose outcome it did not record; it must not create twice.
		second, err := c.Mutate(t.Context(), newSession(sess), m)
		if err != nil {
			t.Fatalf("create run again: %v", err)
		}
		if first.ID != second.ID {
			t.Errorf("the same mutation created %s and %s", first.ID, second.ID)
		}
		if got := len(u.IDs(c.ID)); got != n+1 {
			t.Errorf("upstream has %d objects after one create, want %d", got, n+1)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		t.Parallel()
		sess, _ := s.NewUpstream(t, UpstreamOptions{Seed: 1})
		_, err := c.Mutate(t.Context(), sess, newMutation(providers.MutationUpdate, "sequin_missing_0000", s.SampleUpdate))
		if !providers.IsNotFound(err) && !providers.IsInvalidRequest(err) {
			t.Errorf("update of a missing object: %v, want not found or invalid request", err)
		}
	})
}
