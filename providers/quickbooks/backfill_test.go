package quickbooks

import (
	"testing"

	"github.com/sequinsync/sequin/providers/quickbooks/emulator"
)

// TestBackfillSurvivesDeletesBehindTheCursor deletes invoices already paged past while a backfill
// runs; the rows that shift onto lower positions must still be reported.
func TestBackfillSurvivesDeletesBehindTheCursor(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{RealmID: testRealm, Seed: 300})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sess := testSession(t, base, credential(testRefresh), map[string]any{"page_size": 100})
	inv := entities[1]
	want := map[string]bool{}
	for _, id := range srv.IDs("Invoice") {
		want[id] = true
	}
	got := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := inv.backfill(t.Context(), sess, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			if got[r.ID] {
				t.Fatalf("invoice %s reported twice", r.ID)
			}
			got[r.ID] = true
		}
		if pages == 0 {
			for _, id := range []string{"1", "2", "3", "4", "5"} {
				if err := srv.Delete("Invoice", id); err != nil {
					t.Fatal(err)
				}
				delete(want, id)
			}
		}
		if p.Done {
			break
		}
		cursor = p.NextCursor
	}
	for id := range want {
		if !got[id] {
			t.Errorf("invoice %s was skipped", id)
		}
	}
}

func TestBackfillRejectsGarbageCursor(t *testing.T) {
	t.Parallel()
	sess := testSession(t, "http://127.0.0.1:1", credential(testRefresh), nil)
	if _, err := entities[0].backfill(t.Context(), sess, "{nope"); err == nil {
		t.Error("a garbage cursor was accepted")
	}
	if _, err := entities[0].changes(t.Context(), sess, `{"t":"0001-01-01T00:00:00Z"}`); err == nil {
		t.Error("a cursor without a time was accepted")
	}
}
