package stripe

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
)

// startEmulator starts an emulator with cfg (the test key added) and returns it with a session.
func startEmulator(t *testing.T, cfg emulator.Config) (*emulator.Server, *providers.Session) {
	t.Helper()
	cfg.APIKeys = []string{testKey}
	srv := emulator.New(cfg)
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, testSession(t, base, providers.Credential{Kind: KindKey, Properties: map[string]any{"secret": testKey}})
}

// collection returns the provider's collection named name.
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

// fixedClock is a settable clock for the emulator.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestChangesArePagedAndBounded(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 5})
	c := collection(t, "customer")
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil || !strings.HasPrefix(cp, "evt:") {
		t.Fatalf("Checkpoint = %q, %v; want an event cursor", cp, err)
	}
	ids := []string{srv.List("customer")[0]["id"].(string), srv.List("customer")[1]["id"].(string)}
	const updates = maxChangePages*pageSize + 5
	for i := range updates {
		if _, err := srv.Update("customer", ids[i%2], map[string]any{"metadata": map[string]any{"rev": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := c.Changes(t.Context(), sess, cp)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Records) != maxChangePages*pageSize || !first.More {
		t.Fatalf("first call: %d records, More %v; want %d and More", len(first.Records), first.More, maxChangePages*pageSize)
	}
	second, err := c.Changes(t.Context(), sess, first.NextCursor)
	if err != nil {
		t.Fatal(err)
	}
	if second.More {
		t.Error("second call still has More")
	}
	all := slices.Concat(first.Records, second.Records)
	if len(all) != updates {
		t.Fatalf("got %d records, want %d", len(all), updates)
	}
	for i, r := range all {
		if want := fmt.Sprintf(`"rev":"%d"`, i); !strings.Contains(string(r.Data), want) || r.ID != ids[i%2] {
			t.Fatalf("record %d is %s %s, want %s of %s: changes are not oldest first", i, r.ID, short(r.Data), want, ids[i%2])
		}
		if i > 0 && r.UpdatedAt.Before(all[i-1].UpdatedAt) {
			t.Fatalf("record %d is older than the one before", i)
		}
	}
	last := all[len(all)-1]
	if got, _ := srv.Get("customer", last.ID); !strings.Contains(fmt.Sprint(got["metadata"]), fmt.Sprint(updates-1)) {
		t.Errorf("last record is not the latest version")
	}
	third, err := c.Changes(t.Context(), sess, second.NextCursor)
	if err != nil || len(third.Records) != 0 || third.More || third.NextCursor != second.NextCursor {
		t.Errorf("third call: %+v, %v; want nothing and the same cursor", third, err)
	}
}

func short(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func TestChangesFromCreatedCursor(t *testing.T) {
	t.Parallel()
	clock := &fixedClock{t: time.Now().Truncate(time.Second)}
	srv, sess := startEmulator(t, emulator.Config{Seed: 10, SkipSeedEvents: true, Now: clock.now})
	c := collection(t, "product")
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cp, "created:") {
		t.Fatalf("Checkpoint without events = %q, want a created cursor", cp)
	}
	ch, err := c.Changes(t.Context(), sess, cp)
	if err != nil || len(ch.Records) != 0 || ch.More || ch.NextCursor != cp {
		t.Fatalf("Changes with no events: %+v, %v", ch, err)
	}
	clock.add(2 * time.Second)
	var created []string
	for i := range 3 {
		o, err := srv.Create("product", map[string]any{"name": fmt.Sprint("p", i)})
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, o["id"].(string))
	}
	ch, err = c.Changes(t.Context(), sess, cp)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ch.Records {
		got = append(got, r.ID)
	}
	if !slices.Equal(got, created) || ch.More {
		t.Errorf("Changes = %v (More %v), want %v", got, ch.More, created)
	}
	if !strings.HasPrefix(ch.NextCursor, "evt:") {
		t.Errorf("next cursor %q, want an event cursor", ch.NextCursor)
	}
	if _, err := srv.Update("product", created[0], map[string]any{"name": "renamed"}); err != nil {
		t.Fatal(err)
	}
	ch, err = c.Changes(t.Context(), sess, ch.NextCursor)
	if err != nil || len(ch.Records) != 1 || ch.Records[0].ID != created[0] || !strings.Contains(string(ch.Records[0].Data), "renamed") {
		t.Errorf("Changes after the switch to events: %+v, %v", ch, err)
	}
}

// Many events created since a created cursor do not fit in one page: the window is narrowed so that
// the oldest come first.
func TestChangesCreatedCursorNarrowsWindow(t *testing.T) {
	t.Parallel()
	clock := &fixedClock{t: time.Now().Truncate(time.Second)}
	srv, sess := startEmulator(t, emulator.Config{Seed: 2, SkipSeedEvents: true, Now: clock.now})
	c := collection(t, "coupon")
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 330 {
		if i%7 == 0 {
			clock.add(time.Second)
		}
		o, err := srv.Create("coupon", map[string]any{"percent_off": 5, "name": fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, o["id"].(string))
	}
	got, _ := drain(t, c, sess, cp)
	if !slices.Equal(ids(got), want) {
		t.Fatalf("got %d records in order %v..., want %d", len(got), ids(got)[:min(5, len(got))], len(want))
	}
}

func ids(recs []providers.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

// drain calls Changes while More.
func drain(t *testing.T, c *providers.Collection, sess *providers.Session, cur string) ([]providers.Record, string) {
	t.Helper()
	var all []providers.Record
	for calls := 0; ; calls++ {
		if calls > 200 {
			t.Fatal("Changes never finishes")
		}
		ch, err := c.Changes(t.Context(), sess, cur)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ch.Records...)
		cur = ch.NextCursor
		if !ch.More {
			return all, cur
		}
	}
}

func TestBalanceTransactionsPolledByCreation(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 250})
	c := collection(t, "balance_transaction")
	if c.Deletes != providers.DeletesNone {
		t.Errorf("Deletes = %s", c.Deletes)
	}
	// From the beginning of time: the seeded ledger spans months and needs narrowed windows.
	got, next := drain(t, c, sess, "created:0")
	upstream := srv.List("balance_transaction")
	if len(got) != len(upstream) {
		t.Fatalf("got %d records, want %d", len(got), len(upstream))
	}
	seen := map[string]bool{}
	for i, r := range got {
		if seen[r.ID] {
			t.Fatalf("%s reported twice", r.ID)
		}
		seen[r.ID] = true
		if want := upstream[len(upstream)-1-i]["id"]; r.ID != want {
			t.Fatalf("record %d is %s, want %s (oldest first)", i, r.ID, want)
		}
	}
	cur, err := parseCursor(next)
	if err != nil || cur.EventID != "" || time.Since(cur.Time()) > 2*time.Minute || time.Since(cur.Time()) < createdOverlap*time.Second-5*time.Second {
		t.Errorf("next cursor %q, %v: want about now minus the overlap", next, err)
	}
	o, err := srv.Create("balance_transaction", map[string]any{"amount": 123, "currency": "usd", "type": "adjustment"})
	if err != nil {
		t.Fatal(err)
	}
	again, next2 := drain(t, c, sess, next)
	if len(again) == 0 || again[len(again)-1].ID != o["id"] {
		t.Errorf("a new transaction was not reported: %v", ids(again))
	}
	if c2, _ := parseCursor(next2); c2.Created < cur.Created {
		t.Errorf("cursor moved back from %s to %s", next, next2)
	}
}

// More objects in one second than a page are walked page by page; beyond the bound it is an error.
func TestCreatedWindowDenseSecond(t *testing.T) {
	t.Parallel()
	clock := &fixedClock{t: time.Now().Truncate(time.Second)}
	srv, sess := startEmulator(t, emulator.Config{Seed: 0, Now: clock.now})
	c := collection(t, "balance_transaction")
	from := clock.now().Unix()
	for range 250 {
		if _, err := srv.Create("balance_transaction", map[string]any{"amount": 1, "currency": "usd"}); err != nil {
			t.Fatal(err)
		}
	}
	clock.add(time.Second)
	late, err := srv.Create("balance_transaction", map[string]any{"amount": 2, "currency": "usd"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := drain(t, c, sess, fmt.Sprintf("created:%d", from))
	if len(got) != 251 || got[250].ID != late["id"] {
		t.Fatalf("got %d records (last %s), want 251 ending with %s", len(got), got[len(got)-1].ID, late["id"])
	}
	want := srv.List("balance_transaction")
	for i, r := range got {
		if r.ID != want[len(want)-1-i]["id"] {
			t.Fatalf("record %d out of order", i)
		}
	}

	for range maxChangePages * pageSize {
		if _, err := srv.Create("balance_transaction", map[string]any{"amount": 1, "currency": "usd"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.Changes(t.Context(), sess, fmt.Sprintf("created:%d", clock.now().Unix()))
	if !errors.Is(err, errDenseSecond) {
		t.Errorf("more than %d objects in one second: %v, want errDenseSecond", maxChangePages*pageSize, err)
	}
}

func TestSubscriptionCancelIsAnUpdate(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 5})
	c := collection(t, "subscription")
	if c.Deletes != providers.DeletesNone {
		t.Errorf("Deletes = %s, want none: canceled subscriptions stay", c.Deletes)
	}
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, s := range srv.List("subscription") {
		if s["status"] != "canceled" {
			id = s["id"].(string)
			break
		}
	}
	if id == "" {
		t.Fatal("no live subscription seeded")
	}
	rec, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "m1", Kind: providers.MutationDelete, UpstreamID: id})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Deleted || rec.ID != id || !strings.Contains(string(rec.Data), `"status":"canceled"`) {
		t.Errorf("cancel returned %+v", rec)
	}
	// Cancelling again (a retried mutation) returns the canceled subscription.
	again, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "m1", Kind: providers.MutationDelete, UpstreamID: id})
	if err != nil || again.Deleted || !strings.Contains(string(again.Data), `"status":"canceled"`) {
		t.Errorf("repeated cancel: %+v, %v", again, err)
	}
	got, _ := drain(t, c, sess, cp)
	last := got[len(got)-1]
	if last.ID != id || last.Deleted || !strings.Contains(string(last.Data), `"status":"canceled"`) {
		t.Errorf("customer.subscription.deleted reported as %s deleted=%v %s", last.ID, last.Deleted, short(last.Data))
	}
	if r, err := c.Get(t.Context(), sess, id); err != nil || r.Deleted {
		t.Errorf("Get of a canceled subscription: %+v, %v", r, err)
	}
}

func TestBackfillIncludesCanceledSubscriptions(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 30})
	for _, s := range srv.List("subscription")[:3] {
		if err := srv.Delete("subscription", s["id"].(string)); err != nil {
			t.Fatal(err)
		}
	}
	c := collection(t, "subscription")
	var n int
	for cur := ""; ; {
		p, err := c.Backfill(t.Context(), sess, cur)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Records)
		if p.Done {
			break
		}
		cur = p.NextCursor
	}
	if want := len(srv.List("subscription")); n != want {
		t.Errorf("backfill saw %d subscriptions, want %d (canceled included)", n, want)
	}
}

func TestChangesRejectsBadCursors(t *testing.T) {
	t.Parallel()
	_, sess := startEmulator(t, emulator.Config{Seed: 1})
	for _, name := range []string{"customer", "balance_transaction"} {
		c := collection(t, name)
		for _, cur := range []string{"", "garbage", "evt:", "created:x"} {
			if _, err := c.Changes(t.Context(), sess, cur); !providers.IsInvalidRequest(err) || !errors.Is(err, errCursor) {
				t.Errorf("%s: Changes(%q) = %v, want an invalid cursor error", name, cur, err)
			}
		}
	}
	if _, err := collection(t, "balance_transaction").Changes(t.Context(), sess, "evt:evt_1"); !providers.IsInvalidRequest(err) {
		t.Errorf("event cursor on a collection without events: %v", err)
	}
	_, err := collection(t, "customer").Changes(t.Context(), sess, "evt:evt_gone")
	if !providers.IsInvalidRequest(err) || !strings.Contains(err.Error(), "30 days") {
		t.Errorf("unknown event cursor: %v, want an invalid request explaining event retention", err)
	}
	if _, err := collection(t, "customer").Backfill(t.Context(), sess, "not an id"); !providers.IsInvalidRequest(err) {
		t.Errorf("bad backfill cursor: %v", err)
	}
}
