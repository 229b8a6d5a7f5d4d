package sendgrid

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/sendgrid/emulator"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		status int
		header http.Header
		body   string
		kind   providers.ErrorKind
		msg    string
	}{
		{401, nil, `{"errors":[{"field":null,"message":"The provided authorization grant is invalid, expired, or revoked"}]}`, providers.ErrUnauthorized, "The provided authorization grant is invalid, expired, or revoked"},
		{403, nil, `{"errors":[{"field":null,"message":"access forbidden"}]}`, providers.ErrUnauthorized, "access forbidden"},
		{404, nil, `{"errors":[{"field":null,"message":"resource not found"}]}`, providers.ErrNotFound, "resource not found"},
		{400, nil, `{"errors":[{"field":"name","message":"list name already exists"}]}`, providers.ErrInvalidRequest, "name: list name already exists"},
		{429, http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+3, 10)}}, `{"errors":[{"field":null,"message":"too many requests"}]}`, providers.ErrRateLimited, "too many requests"},
		{502, nil, `<html>bad gateway</html>`, providers.ErrRetryable, "<html>bad gateway</html>"},
	}
	for _, c := range cases {
		e := classify(c.status, c.header, []byte(c.body), now)
		if e.Kind != c.kind || e.Message != c.msg {
			t.Errorf("%d %s: %+v, want %s %q", c.status, c.body, e, c.kind, c.msg)
		}
	}
	if e := classify(429, http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Unix()+3, 10)}}, nil, now); e.RetryAfter != 3*time.Second {
		t.Errorf("reset header: wait %s, want 3s", e.RetryAfter)
	}
}

func TestAuthenticateValidates(t *testing.T) {
	t.Parallel()
	p := New()
	for key, ok := range map[string]bool{"SG.abc.def": true, "": false, "sk_live_123": false} {
		_, err := p.Authenticate(t.Context(), providers.Credential{Kind: KindAPIKey, Properties: map[string]any{"api_key": key}}, nil, nil)
		if (err == nil) != ok {
			t.Errorf("api_key %q: %v", key, err)
		}
	}
}

// TestSegmentsInOnePage checks the one-answer segment listing and its Get.
func TestSegmentsInOnePage(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{APIKeys: []string{testKey}, Seed: 7})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sess := testSession(t, base, testKey)
	c := segmentCollection()
	p, err := c.Backfill(t.Context(), sess, "")
	if err != nil || !p.Done || len(p.Records) != 7 || p.Total != 7 {
		t.Fatalf("segments: %v, %+v", err, p)
	}
	r, err := c.Get(t.Context(), sess, p.Records[3].ID)
	if err != nil || r.ID != p.Records[3].ID {
		t.Errorf("Get: %v %+v", err, r)
	}
	if _, err := c.Get(t.Context(), sess, "missing"); !providers.IsNotFound(err) {
		t.Errorf("Get of a missing segment: %v", err)
	}
}

// TestContactExportFiles pages through an export of several files.
func TestContactExportFiles(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{APIKeys: []string{testKey}, Seed: 25, ExportFileSize: 10})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sess := testSession(t, base, testKey)
	seen, cursor, pages := map[string]bool{}, "", 0
	for {
		p, err := backfillContacts(t.Context(), sess, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range p.Records {
			seen[r.ID] = true
		}
		if p.Done {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 25 || pages != 3 {
		t.Errorf("%d contacts in %d pages, want 25 in 3", len(seen), pages)
	}
	if _, err := backfillContacts(t.Context(), sess, `{"export":""}`); !providers.IsInvalidRequest(err) {
		t.Errorf("a cursor without export: %v", err)
	}
}

// TestContactChangesSplitWindows changes more contacts than one search answers; the feed splits the
// window and reports every change exactly once.
func TestContactChangesSplitWindows(t *testing.T) {
	t.Parallel()
	srv := emulator.New(emulator.Config{APIKeys: []string{testKey}, Seed: 130})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sess := testSession(t, base, testKey)
	c := contactCollection()
	cursor, _ := json.Marshal(map[string]any{"from": time.Now().Add(-4 * time.Hour).UTC().Format(time.RFC3339)})
	got := map[string]int{}
	next := string(cursor)
	for calls := 0; ; calls++ {
		if calls > 50 {
			t.Fatal("the change feed does not finish")
		}
		ch, err := c.Changes(t.Context(), sess, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ch.Records {
			got[r.ID]++
		}
		next = ch.NextCursor
		if !ch.More {
			break
		}
	}
	if len(got) != 130 {
		t.Errorf("reported %d contacts, want 130", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("contact %s reported %d times", id, n)
		}
	}
	again, err := c.Changes(t.Context(), sess, next)
	if err != nil || len(again.Records) != 0 {
		t.Errorf("polling again: %v, %d records", err, len(again.Records))
	}
}
