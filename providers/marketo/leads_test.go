package marketo

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/marketo/emulator"
)

func TestLastRowEnd(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{
		"a,b\n1,2\n3,":          8,
		"a,b\n1,\"x\ny\"\n2,":   12,
		"a,b\n1,\"unfinished\n": 4,
		"no newline":            0,
	} {
		if got := lastRowEnd([]byte(in)); got != want {
			t.Errorf("lastRowEnd(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestRowRecord(t *testing.T) {
	t.Parallel()
	rec, err := rowRecord([]string{"id", "email", "title", "updatedAt"}, []string{"42", "a@example.com", "", "2024-01-02T03:04:05Z"})
	if err != nil || rec.ID != "42" || string(rec.Data) != `{"email":"a@example.com","id":42,"title":null,"updatedAt":"2024-01-02T03:04:05Z"}` {
		t.Errorf("rowRecord = %+v, %v (%s)", rec, err, rec.Data)
	}
	if _, err := rowRecord([]string{"id"}, []string{"x"}); err == nil {
		t.Error("a non-numeric id was accepted")
	}
	if _, err := rowRecord([]string{"id", "email"}, []string{"1"}); err == nil {
		t.Error("a short row was accepted")
	}
}

// TestBackfillAcrossWindows backfills leads created over three months: several 31-day bulk extract
// windows, each read in chunks.
func TestBackfillAcrossWindows(t *testing.T) {
	t.Parallel()
	now := time.Now()
	var at atomic.Int64 // the emulator's clock, read by its handlers
	at.Store(now.AddDate(0, -3, 0).UnixNano())
	b := setup(t, emulator.Config{Now: func() time.Time { return time.Unix(0, at.Load()) }})
	for i := range 90 {
		at.Store(now.AddDate(0, -3, i).UnixNano())
		if _, err := b.srv.Create("leads", nil); err != nil {
			t.Fatal(err)
		}
	}
	at.Store(now.UnixNano())
	b.sess.Options = map[string]any{"backfill_since": now.AddDate(0, -4, 0).Format(time.RFC3339), "bulk_chunk_bytes": 2048}
	c := leadCollection()
	seen, cursor := map[string]bool{}, ""
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatal("backfill does not finish")
		}
		p, err := c.Backfill(t.Context(), b.sess, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			if seen[r.ID] {
				t.Fatalf("lead %s reported twice", r.ID)
			}
			seen[r.ID] = true
		}
		if p.Done {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 90 {
		t.Errorf("backfill found %d leads, want 90", len(seen))
	}
}
