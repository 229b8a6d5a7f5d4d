package providertest

import (
	"errors"
	"slices"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

// maxChangeCalls bounds a Changes loop so a provider that always says More fails instead of hanging.
const maxChangeCalls = 1000

// drainChanges calls Changes from cursor while More and returns the records and the final cursor.
func drainChanges(t *testing.T, c *providers.Collection, sess *providers.Session, cursor string) ([]providers.Record, string) {
	t.Helper()
	var all []providers.Record
	for range maxChangeCalls {
		ch, err := c.Changes(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("Changes(%q): %v", cursor, err)
		}
		if ch.NextCursor == "" {
			t.Fatalf("Changes(%q) returned no cursor", cursor)
		}
		for _, r := range ch.Records {
			if r.ID == "" {
				t.Fatalf("Changes(%q): record without ID: %s", cursor, short(r.Data))
			}
			if r.UpdatedAt.IsZero() {
				t.Errorf("Changes(%q): record %s has no UpdatedAt", cursor, r.ID)
			}
			if !r.Deleted && len(r.Data) == 0 {
				t.Errorf("Changes(%q): record %s has no data", cursor, r.ID)
			}
		}
		all = append(all, ch.Records...)
		if !ch.More {
			return all, ch.NextCursor
		}
		if ch.NextCursor == cursor && len(ch.Records) == 0 {
			t.Fatalf("Changes(%q): More without progress", cursor)
		}
		cursor = ch.NextCursor
	}
	t.Fatalf("Changes: still More after %d calls", maxChangeCalls)
	return nil, ""
}

// lastByID keeps the last record of each id, as the engine's merge does.
func lastByID(recs []providers.Record) map[string]providers.Record {
	m := make(map[string]providers.Record, len(recs))
	for _, r := range recs {
		m[r.ID] = r
	}
	return m
}

// testChanges checkpoints, backfills, changes objects upstream and expects Changes to report exactly
// those changes, then nothing more.
func (s *suite) testChanges(t *testing.T, c *providers.Collection) {
	if c.Changes == nil {
		t.Skip("no change feed; the engine re-lists")
	}
	polled := s.creationPolled(c.ID)
	sess, u := s.NewUpstream(t, UpstreamOptions{Seed: 20})
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if cp == "" {
		t.Fatal("Checkpoint returned an empty cursor")
	}
	seeded, _ := backfillAll(t, c, sess, "")
	before := map[string]providers.Record{}
	for _, r := range seeded {
		before[r.ID] = r
	}
	if len(before) < 4 {
		t.Fatalf("seeded %d objects, want at least 4", len(before))
	}
	ids := u.IDs(c.ID)

	touched := map[string]bool{}
	deleted := map[string]bool{}
	var created []string
	for range 2 {
		id, err := u.Create(c.ID, nil)
		if err != nil {
			t.Fatalf("creating upstream: %v", err)
		}
		touched[id] = true
		created = append(created, id)
	}
	if !polled && !slices.Contains(s.SilentUpdates, c.ID) {
		// Update one object twice (the last version must win) and a second one once.
		for _, id := range []string{ids[0], ids[0], ids[1]} {
			if err := u.Update(c.ID, id, nil); err != nil {
				t.Fatalf("updating %s upstream: %v", id, err)
			}
			touched[id] = true
		}
	}
	if !polled && c.Deletes == providers.DeletesInChanges {
		// Delete the first object upstream agrees to delete (some, such as paid invoices, cannot be),
		// preferring one that existed before the checkpoint.
		var err error
		for _, id := range slices.Concat(ids[2:min(len(ids), 12)], created[1:]) {
			if err = u.Delete(c.ID, id); err == nil {
				touched[id], deleted[id] = true, true
				break
			}
			if errors.Is(err, errors.ErrUnsupported) {
				break
			}
		}
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			t.Logf("%s: upstream cannot delete; deletes not exercised", c.ID)
		case err != nil:
			t.Fatalf("deleting upstream: %v", err)
		}
	}

	recs, next := drainChanges(t, c, newSession(sess), cp)
	got := lastByID(recs)
	for id := range touched {
		r, ok := got[id]
		switch {
		case !ok:
			t.Errorf("change of %s was not reported", id)
		case deleted[id]:
			if !r.Deleted {
				t.Errorf("delete of %s was reported as %s", id, short(r.Data))
			}
		default:
			up, _ := u.Object(c.ID, id)
			if r.Deleted || !jsonEqual(r.Data, up) {
				t.Errorf("change of %s: last reported copy (deleted %v) %s, want the upstream object %s", id, r.Deleted, short(r.Data), short(up))
			}
		}
	}
	for id, r := range got {
		if touched[id] {
			continue
		}
		if !polled {
			t.Errorf("untouched object %s was reported: %s", id, short(r.Data))
			continue
		}
		if b, ok := before[id]; !ok || r.Deleted || !jsonEqual(r.Data, b.Data) {
			t.Errorf("untouched object %s was reported with different content: %s", id, short(r.Data))
		}
	}

	again, _ := drainChanges(t, c, newSession(sess), next)
	for _, r := range again {
		up, ok := u.Object(c.ID, r.ID)
		if !polled || r.Deleted || !ok || !jsonEqual(r.Data, up) {
			t.Errorf("Changes from the returned cursor reported %s again (deleted %v): %s", r.ID, r.Deleted, short(r.Data))
		}
	}
}
