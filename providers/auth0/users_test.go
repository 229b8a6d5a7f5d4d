package auth0

import (
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers/auth0/emulator"
)

// TestBackfillUsersSharingTimestamps pages through more users than one page holds at a single
// updated_at, and past the 1,000 results page/per_page could reach.
func TestBackfillUsersSharingTimestamps(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	srv := emulator.New(emulator.Config{Domain: testDomain, Clients: map[string]string{testClientID: testSecret}, Now: func() time.Time { return at }})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	for i := range 1150 { // clusters of 250 users share one updated_at
		if _, err := srv.Create("users", nil); err != nil {
			t.Fatal(err)
		}
		if i%250 == 249 {
			at = at.Add(time.Millisecond)
		}
	}
	sess := testSession(t, base, credential(testSecret))
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 40 {
			t.Fatal("backfill does not finish")
		}
		p, err := backfillUsers(t.Context(), sess, cursor)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range p.Records {
			if seen[r.ID] {
				t.Fatalf("user %s reported twice", r.ID)
			}
			seen[r.ID] = true
		}
		if p.Done {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 1150 {
		t.Errorf("backfill reported %d users, want 1150", len(seen))
	}
}

func TestDeletedUserFromLog(t *testing.T) {
	t.Parallel()
	var l logEntry
	l.Type = "sapi"
	l.Details.Request.Method = "delete"
	l.Details.Request.Path = "/api/v2/users/auth0%7C56a78fcd"
	if id, ok := l.deletedUser(); !ok || id != "auth0|56a78fcd" {
		t.Errorf("sapi delete = %q, %v", id, ok)
	}
	l.Details.Request.Method = "patch"
	if _, ok := l.deletedUser(); ok {
		t.Error("a PATCH counted as a delete")
	}
	l.Details.Request.Method, l.Details.Request.Path = "delete", "/api/v2/users/auth0%7C1/roles"
	if _, ok := l.deletedUser(); ok {
		t.Error("removing roles counted as deleting the user")
	}
	if id, ok := (&logEntry{Type: "sdu", UserID: "auth0|9"}).deletedUser(); !ok || id != "auth0|9" {
		t.Errorf("sdu = %q, %v", id, ok)
	}
}

func TestDecodeCursorRejectsGarbage(t *testing.T) {
	t.Parallel()
	sess := testSession(t, "http://127.0.0.1:1", credential(testSecret))
	if _, err := backfillUsers(t.Context(), sess, "{not json"); err == nil {
		t.Error("a garbage cursor was accepted")
	}
	if _, err := userChanges(t.Context(), sess, `{"t":"yesterday"}`); err == nil {
		t.Error("a cursor without a time was accepted")
	}
}
