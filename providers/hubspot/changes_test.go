package hubspot

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/hubspot/emulator"
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

// unpaced lifts the search pacing of a test session.
func unpaced(b *testBundle) *testBundle {
	b.sess.Options["search_requests_per_second"] = 0
	return b
}

// drain calls Changes from cursor until it says no More and returns the records and the last cursor.
func drain(t *testing.T, c *providers.Collection, sess *providers.Session, cursor string) ([]providers.Record, string) {
	t.Helper()
	var all []providers.Record
	for range 5000 {
		ch, err := c.Changes(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		all = append(all, ch.Records...)
		cursor = ch.NextCursor
		if !ch.More {
			return all, cursor
		}
	}
	t.Fatal("Changes never finished")
	return nil, ""
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

// searches returns the bodies of the search requests the emulator received.
func searches(srv *emulator.Server) []map[string]any {
	var out []map[string]any
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/search") {
			var m map[string]any
			_ = json.Unmarshal(r.Body, &m)
			out = append(out, m)
		}
	}
	return out
}

// createMany creates n contacts and returns their ids.
func createMany(t *testing.T, srv *emulator.Server, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := srv.Create("contacts", map[string]any{"email": "bulk" + strconv.Itoa(i) + "@example.com", "firstname": "Bulk"})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

// reportedOnce checks that recs report each of ids exactly once and nothing else.
func reportedOnce(t *testing.T, recs []providers.Record, ids []string) {
	t.Helper()
	count := map[string]int{}
	for _, r := range recs {
		count[r.ID]++
	}
	for _, id := range ids {
		if count[id] != 1 {
			t.Fatalf("%s reported %d times", id, count[id])
		}
	}
	if len(count) != len(ids) {
		t.Fatalf("reported %d objects, want %d", len(count), len(ids))
	}
}

// smallWindow shrinks the search window to 1,000 results, in the provider and in the emulator
// config it returns, for the rest of the test. Tests using it do not run in parallel: no other test
// runs while the window is small.
func smallWindow(t *testing.T) emulator.Config {
	t.Helper()
	saved := searchWindow
	searchWindow = 1_000
	t.Cleanup(func() { searchWindow = saved })
	return emulator.Config{SearchWindow: searchWindow}
}

func TestChangesSplitsTheSearchWindow(t *testing.T) {
	b := unpaced(setup(t, smallWindow(t)))
	c := collection(t, "contacts")
	cp := checkpoint(t, c, b.sess)
	ids := createMany(t, b.srv, 1_450)
	recs, next := drain(t, c, b.sess, cp)
	reportedOnce(t, recs, ids)
	for i := 1; i < len(recs); i++ {
		if recs[i].UpdatedAt.Before(recs[i-1].UpdatedAt) {
			t.Fatalf("records are not oldest first at %d", i)
		}
	}
	for _, r := range b.srv.Requests() {
		if r.Status == http.StatusBadRequest {
			t.Fatalf("a search was refused: %s %s", r.Path, r.Body)
		}
	}
	for _, s := range searches(b.srv) {
		a, _ := s["after"].(string)
		if after, _ := strconv.Atoi(a); after >= searchWindow {
			t.Fatalf("a search paged to %v", s["after"])
		}
	}
	// More objects changed within the overlap than a cursor remembers: some are read and reported
	// again, unchanged, which the engine records no event for.
	again, _ := drain(t, c, b.sess, next)
	created := map[string]bool{}
	for _, id := range ids {
		created[id] = true
	}
	for _, r := range again {
		if !created[r.ID] || r.Deleted {
			t.Fatalf("reported %s (deleted %v) again", r.ID, r.Deleted)
		}
	}
}

// fixedClock is an emulator clock that stands still until moved.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func TestChangesPagesThroughOneMillisecond(t *testing.T) {
	t.Parallel()
	clock := &fixedClock{t: time.Now().Truncate(time.Second).Add(500 * time.Millisecond)}
	b := unpaced(setup(t, emulator.Config{Now: clock.now}))
	c := collection(t, "contacts")
	cp := checkpoint(t, c, b.sess)
	ids := createMany(t, b.srv, 450) // all modified within the same millisecond
	recs, _ := drain(t, c, b.sess, cp)
	reportedOnce(t, recs, ids)
	var offsets []string
	for _, s := range searches(b.srv) {
		if a, ok := s["after"].(string); ok {
			offsets = append(offsets, a)
		}
	}
	if strings.Join(offsets, ",") != "200,400" {
		t.Errorf("search offsets %v, want 200,400 within the millisecond", offsets)
	}
}

func TestChangesGivesUpOnAMillisecondBeyondTheWindow(t *testing.T) {
	clock := &fixedClock{t: time.Now().Truncate(time.Second).Add(500 * time.Millisecond)}
	cfg := smallWindow(t)
	cfg.Now = clock.now
	b := unpaced(setup(t, cfg))
	c := collection(t, "contacts")
	cp := checkpoint(t, c, b.sess)
	createMany(t, b.srv, 1_050)
	recs, _ := drain(t, c, b.sess, cp)
	// The search endpoints cannot reach past the window's worth of objects modified within one
	// millisecond; the feed moves on instead of failing or looping.
	if len(recs) != searchWindow {
		t.Errorf("reported %d, want the %d the search window reaches", len(recs), searchWindow)
	}
}

func TestChangesFindsLateIndexedObjects(t *testing.T) {
	t.Parallel()
	b := unpaced(setup(t, emulator.Config{Seed: 3}))
	c := collection(t, "contacts")
	cp := checkpoint(t, c, b.sess)
	late, err := b.srv.Create("contacts", nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	early, err := b.srv.Create("contacts", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.srv.DelaySearch("contacts", late, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	recs, next := drain(t, c, b.sess, cp)
	reportedOnce(t, recs, []string{early})
	time.Sleep(350 * time.Millisecond)
	recs, _ = drain(t, c, b.sess, next)
	reportedOnce(t, recs, []string{late})
}

func TestChangesReportsEveryArchivedObjectAndPacesScans(t *testing.T) {
	t.Parallel()
	b := unpaced(setup(t, emulator.Config{Seed: 300}))
	c := collection(t, "deals")
	cp := checkpoint(t, c, b.sess)
	ids := b.srv.List("deals")[:250]
	for _, id := range ids {
		if err := b.srv.Delete("deals", id); err != nil {
			t.Fatal(err)
		}
	}
	recs, next := drain(t, c, b.sess, cp)
	reportedOnce(t, recs, ids)
	for _, r := range recs {
		if !r.Deleted || len(r.Data) == 0 {
			t.Fatalf("%s: deleted %v, data %s", r.ID, r.Deleted, r.Data)
		}
	}
	archivedPages := func() int {
		n := 0
		for _, r := range b.srv.Requests() {
			if strings.Contains(r.Query, "archived=true") {
				n++
			}
		}
		return n
	}
	if got := archivedPages(); got != 3 {
		t.Errorf("the scan read %d pages, want 3", got)
	}
	// After a three-page scan the next waits (2 x scanPacing): polling right away only searches.
	if again, _ := drain(t, c, b.sess, next); len(again) != 0 {
		t.Errorf("reported %d again", len(again))
	}
	if got := archivedPages(); got != 3 {
		t.Errorf("a scan followed a three-page scan at once (%d pages read)", got)
	}
}

func TestChangesUpdateAfterArchiveScan(t *testing.T) {
	t.Parallel()
	b := unpaced(setup(t, emulator.Config{Seed: 5}))
	c := collection(t, "tickets")
	cp := checkpoint(t, c, b.sess)
	ids := b.srv.List("tickets")
	if err := b.srv.Update("tickets", ids[0], nil); err != nil {
		t.Fatal(err)
	}
	recs, next := drain(t, c, b.sess, cp)
	reportedOnce(t, recs, ids[:1])
	// A second change of the same object is reported again, with its new content.
	if err := b.srv.Update("tickets", ids[0], map[string]any{"subject": "Changed again"}); err != nil {
		t.Fatal(err)
	}
	recs, _ = drain(t, c, b.sess, next)
	reportedOnce(t, recs, ids[:1])
	if !strings.Contains(string(recs[0].Data), "Changed again") {
		t.Errorf("reported %s", recs[0].Data)
	}
}

func TestChangesSearchRateLimit(t *testing.T) {
	t.Parallel()
	b := unpaced(setup(t, emulator.Config{Seed: 2, SearchRateLimit: 1}))
	c := collection(t, "companies")
	cp := checkpoint(t, c, b.sess)
	for range 2 {
		if _, err := c.Changes(t.Context(), b.sess, cp); err != nil {
			t.Fatalf("Changes after a secondly limit: %v", err)
		}
	}
	// The second search came within the second: refused with HubSpot's SECONDLY 429, then retried.
	var statuses []int
	for _, r := range b.srv.Requests() {
		if strings.HasSuffix(r.Path, "/search") {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) < 3 || statuses[0] != http.StatusOK || statuses[len(statuses)-1] != http.StatusOK || !slices.Contains(statuses, http.StatusTooManyRequests) {
		t.Errorf("search statuses %v, want 200, then 429s waited out, then 200", statuses)
	}
}

func TestSearchPacing(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2})
	b.sess.Credential.ID = "cred-" + t.Name()
	c := collection(t, "companies")
	cp := checkpoint(t, c, b.sess)
	limiter := func(perSecond float64) *rate.Limiter {
		l, ok := searchLimiters.Load(b.sess.Client.BaseURL + "|" + b.sess.Credential.ID + "|" + strconv.FormatFloat(perSecond, 'g', -1, 64))
		if !ok {
			return nil
		}
		return l.(*rate.Limiter)
	}
	for _, opt := range []any{nil, 20.0, "7", 0} {
		if opt == nil {
			delete(b.sess.Options, "search_requests_per_second")
		} else {
			b.sess.Options["search_requests_per_second"] = opt
		}
		if _, err := c.Changes(t.Context(), b.sess, cp); err != nil {
			t.Fatal(err)
		}
	}
	for _, perSecond := range []float64{SearchRate, 20, 7} {
		if l := limiter(perSecond); l == nil || l.Limit() != rate.Limit(perSecond) || l.Burst() != 1 {
			t.Errorf("no search limiter of %g/s with a burst of 1 for the account", perSecond)
		}
	}
	if limiter(0) != nil {
		t.Error("a rate of 0 made a limiter; it should turn pacing off")
	}
}

func TestChangesRejectsGarbage(t *testing.T) {
	t.Parallel()
	c := collection(t, "contacts")
	for _, cur := range []string{"", "b1.51", "c1.notacursor"} {
		if _, err := c.Changes(t.Context(), &providers.Session{}, cur); !providers.IsInvalidRequest(err) {
			t.Errorf("Changes(%q) = %v, want an invalid request", cur, err)
		}
	}
}

func TestScanDue(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1_000_000)
	for _, tc := range []struct {
		lastAt int64
		pages  int
		want   bool
	}{
		{0, 0, true},
		{1_000_000, 1, true},
		{1_000_000, 2, false},
		{1_000_000 - scanPacing.Milliseconds(), 2, true},
		{1_000_000 - 5*scanPacing.Milliseconds(), 7, false},
	} {
		c := &changeState{LastScanAt: tc.lastAt, LastScanPages: tc.pages}
		if got := c.scanDue(at); got != tc.want {
			t.Errorf("scanDue after %d pages %dms ago = %v", tc.pages, at.UnixMilli()-tc.lastAt, got)
		}
	}
}

func TestRememberForgetsTheOldest(t *testing.T) {
	t.Parallel()
	c := &changeState{}
	for i := range maxSeen + 10 {
		if !c.remember(seenEntry{ID: strconv.Itoa(i + 1), At: int64(i)}) {
			t.Fatalf("entry %d was seen already", i)
		}
	}
	_ = c.String()
	if len(c.Seen) != maxSeen {
		t.Fatalf("%d entries, want %d", len(c.Seen), maxSeen)
	}
	if c.remember(seenEntry{ID: strconv.Itoa(maxSeen + 10), At: int64(maxSeen + 9)}) {
		t.Error("the newest entry was forgotten")
	}
	if !c.remember(seenEntry{ID: "1", At: 0}) {
		t.Error("the oldest entry was kept")
	}
	if c.remember(seenEntry{ID: "5", At: 4, Deleted: true}) != true {
		t.Error("a delete is distinct from an update")
	}
}
