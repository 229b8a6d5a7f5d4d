package linear

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/linear/emulator"
)

// collection returns the provider's collection with this name.
func collection(t *testing.T, name string) *providers.Collection {
	t.Helper()
	for _, c := range New().Collections() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no collection %s", name)
	return nil
}

// drain calls Changes from cursor until it says no More and returns the records, the last cursor and
// the number of calls.
func drain(t *testing.T, c *providers.Collection, sess *providers.Session, cursor string) ([]providers.Record, string, int) {
	t.Helper()
	var all []providers.Record
	for calls := 1; calls < 1000; calls++ {
		ch, err := c.Changes(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		all = append(all, ch.Records...)
		cursor = ch.NextCursor
		if !ch.More {
			return all, cursor, calls
		}
	}
	t.Fatal("Changes never finished")
	return nil, "", 0
}

// checkpoint takes a change cursor.
func checkpoint(t *testing.T, c *providers.Collection, sess *providers.Session) string {
	t.Helper()
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	return cp
}

// reported returns the ids of recs, failing on one reported twice.
func reported(t *testing.T, recs []providers.Record) []string {
	t.Helper()
	var ids []string
	for _, r := range recs {
		if slices.Contains(ids, r.ID) {
			t.Errorf("%s reported twice", r.ID)
		}
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids []string) []string { return slices.Sorted(slices.Values(ids)) }

func TestChangesPassSpansPages(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	c := collection(t, "issues")
	cp := checkpoint(t, c, b.sess)
	var made []string
	for range 120 {
		id, err := b.srv.Create("issues", nil)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, id)
	}
	recs, next, calls := drain(t, c, b.sess, cp)
	if calls != 3 {
		t.Errorf("a pass over 120 changes took %d calls, want 3 pages of 50", calls)
	}
	if got := reported(t, recs); !slices.Equal(got, sorted(made)) {
		t.Errorf("reported %d issues, want the %d made", len(got), len(made))
	}
	for i := 1; i < len(recs) && i < 50; i++ {
		if recs[i].UpdatedAt.Before(recs[i-1].UpdatedAt) {
			t.Fatalf("records of a page are not oldest first: %s before %s", recs[i-1].UpdatedAt, recs[i].UpdatedAt)
		}
	}
	// Nothing changed since: the next pass re-reads the overlap and reports nothing.
	if again, _, _ := drain(t, c, b.sess, next); len(again) != 0 {
		t.Errorf("reported %d again", len(again))
	}
}

func TestChangesReportArchivedAsDeleted(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 10})
	c := collection(t, "issues")
	cp := checkpoint(t, c, b.sess)
	ids := b.srv.IDs("issues")
	if err := b.srv.Archive(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Delete("issues", ids[1]); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := drain(t, c, b.sess, cp)
	if got := reported(t, recs); !slices.Equal(got, sorted(ids[:2])) {
		t.Fatalf("reported %v, want %v", got, ids[:2])
	}
	for _, r := range recs {
		var v struct {
			ArchivedAt *string `json:"archivedAt"`
			Trashed    *bool   `json:"trashed"`
		}
		if err := json.Unmarshal(r.Data, &v); err != nil || !r.Deleted || v.ArchivedAt == nil {
			t.Errorf("%s: deleted %v, data %s; want a delete with its last copy", r.ID, r.Deleted, r.Data)
		}
	}
	got, err := c.Get(t.Context(), b.sess, ids[0])
	if err != nil || !got.Deleted {
		t.Errorf("Get of an archived issue = %+v, %v; want it deleted", got, err)
	}
}

func TestChangesSuspendedUserIsAnUpdate(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 5})
	c := collection(t, "users")
	cp := checkpoint(t, c, b.sess)
	id := b.srv.IDs("users")[0]
	if err := b.srv.Suspend(id); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := drain(t, c, b.sess, cp)
	if len(recs) != 1 || recs[0].ID != id || recs[0].Deleted || !strings.Contains(string(recs[0].Data), `"active":false`) {
		t.Fatalf("reported %+v, want the suspended user, live with active false", recs)
	}
}

// clock is a settable clock for the emulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestChangesFindLateCommittedUpdates(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	b := setup(t, emulator.Config{Seed: 5, Now: clk.now})
	c := collection(t, "comments")
	cp := checkpoint(t, c, b.sess)
	clk.add(time.Minute)
	first, err := b.srv.Create("comments", nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, next, _ := drain(t, c, b.sess, cp)
	if got := reported(t, recs); !slices.Equal(got, []string{first}) {
		t.Fatalf("reported %v, want %s", got, first)
	}
	// An update stamped before the one already read (its transaction committed later), within the
	// overlap, is still found.
	clk.add(time.Second)
	late := b.srv.IDs("comments")[3]
	if err := b.srv.Update("comments", late, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.srv.Backdate("comments", late, Overlap/2); err != nil {
		t.Fatal(err)
	}
	recs, _, _ = drain(t, c, b.sess, next)
	if got := reported(t, recs); !slices.Equal(got, []string{late}) {
		t.Errorf("reported %v, want the late update of %s", got, late)
	}
}

func TestChangesRestartAPassWhoseCursorVanished(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	c := collection(t, "issues")
	cp := checkpoint(t, c, b.sess)
	var made []string
	for range 60 {
		id, err := b.srv.Create("issues", nil)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, id)
	}
	ch, err := c.Changes(t.Context(), b.sess, cp)
	if err != nil || !ch.More || len(ch.Records) != 50 {
		t.Fatalf("first page: %d records, more %v, %v", len(ch.Records), ch.More, err)
	}
	// The issue the pass's cursor names is deleted for good.
	st, _ := parseChangeCursor(ch.NextCursor)
	if _, err := b.srv.Query(`mutation($id: String!) { issueDelete(id: $id, permanentlyDelete: true) { success } }`, map[string]any{"id": st.After}); err != nil {
		t.Fatal(err)
	}
	b.srv.ResetRequests()
	rest, _, _ := drain(t, c, b.sess, ch.NextCursor)
	// The first page had reported the vanished issue; the restarted pass reports the rest once.
	if got := reported(t, append(ch.Records, rest...)); !slices.Equal(got, sorted(made)) {
		t.Errorf("reported %d issues after the restart, want the %d made", len(got), len(made))
	}
	reqs := b.srv.Requests()
	if len(reqs) < 2 || reqs[0].Status != 400 || reqs[1].Status != 200 {
		t.Errorf("requests %+v: want the refused cursor and a restarted pass", reqs)
	}
}

func TestChangesRefuseGarbage(t *testing.T) {
	t.Parallel()
	c := collection(t, "issues")
	for _, cur := range []string{"", "b1.x", "c1.notacursor"} {
		if _, err := c.Changes(t.Context(), &providers.Session{}, cur); !providers.IsInvalidRequest(err) {
			t.Errorf("Changes(%q) = %v, want an invalid request", cur, err)
		}
	}
	if _, err := c.Backfill(t.Context(), &providers.Session{}, "c1.{}"); !providers.IsInvalidRequest(err) {
		t.Errorf("Backfill of a change cursor = %v, want an invalid request", err)
	}
}

func TestQueriesStayWithinTheComplexityBudget(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 120})
	for _, c := range New().Collections() {
		cp := checkpoint(t, c, b.sess)
		p, err := c.Backfill(t.Context(), b.sess, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(t.Context(), b.sess, p.Records[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Changes(t.Context(), b.sess, cp); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range b.srv.Requests() {
		// A page costs about a thousand points; a query may cost 10,000, an API key 3,000,000 an hour.
		if r.Status != 200 || r.Complexity <= 0 || r.Complexity > 1_500 {
			t.Errorf("%s: HTTP %d, complexity %d", r.Operation, r.Status, r.Complexity)
		}
	}
}

func TestCallAcceptsNestedErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 1})
	c := collection(t, "comments")
	// An entity the key may not see leaves a nested null and an error at its path: the page is good.
	partial := `{"data":{"comments":{"nodes":[{"id":"c1","body":"hi","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-02T00:00:00.000Z","archivedAt":null,"issue":null}],"pageInfo":{"hasNextPage":false,"endCursor":"c1"}}},` +
		`"errors":[{"message":"Entity not found: Issue","path":["comments","nodes",0,"issue"],"extensions":{"code":"INPUT_ERROR"}}]}`
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: partial})
	p, err := c.Backfill(t.Context(), b.sess, "")
	if err != nil || len(p.Records) != 1 || !p.Done {
		t.Fatalf("Backfill of a partial answer = %+v, %v", p, err)
	}
	// An error about the root field itself fails the call, with its own classification.
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: `{"data":null,"errors":[{"message":"Rate limit exceeded","extensions":{"code":"RATELIMITED"}}]}`,
		Header: map[string][]string{"X-RateLimit-Requests-Remaining": {"0"}, "X-RateLimit-Requests-Reset": {"1"}}})
	if _, err := c.Backfill(t.Context(), b.sess, ""); !providers.IsRateLimited(err) {
		t.Errorf("Backfill of a rate limit sent with HTTP 200 = %v, want a rate limit", err)
	}
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: `{"data":{"comments":null}}`})
	if _, err := c.Backfill(t.Context(), b.sess, ""); !providers.IsMalformed(err) {
		t.Errorf("Backfill of a null connection = %v, want malformed", err)
	}
	b.srv.InjectFault(emulator.Fault{Status: 200, Body: `{"data":{"comments":{"nodes":[],"pageInfo":{"hasNextPage":true,"endCursor":null}}}}`})
	if _, err := c.Backfill(t.Context(), b.sess, ""); !providers.IsMalformed(err) {
		t.Errorf("Backfill of a page promising more without a cursor = %v, want malformed", err)
	}
}

func TestCheckpointReadsLinearsClock(t *testing.T) {
	t.Parallel()
	at := time.Now().Add(3 * time.Hour).Truncate(time.Second).UTC()
	b := setup(t, emulator.Config{Seed: 1, Now: func() time.Time { return at }})
	cp := checkpoint(t, collection(t, "teams"), b.sess)
	st, err := parseChangeCursor(cp)
	if err != nil {
		t.Fatal(err)
	}
	if st.Floor != at.UnixMilli() || st.Since != st.Floor {
		t.Errorf("checkpoint at %s, want %s", time.UnixMilli(st.Floor).UTC(), at)
	}
}
