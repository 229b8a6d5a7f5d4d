package salesforce

import (
	"strings"
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
)

func TestBackfillAfterLocatorExpired(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 450})
	u := up.(*upstream)
	c := collectionNamed(t, "contact")
	first, err := c.Backfill(t.Context(), sess, "")
	if err != nil {
		t.Fatal(err)
	}
	if first.Total != 450 || len(first.Records) != 200 || first.Done {
		t.Fatalf("first page: total %d, %d records, done %v", first.Total, len(first.Records), first.Done)
	}
	u.srv.ExpireQueryLocators() // fifteen idle minutes
	seen := map[string]bool{}
	for _, r := range first.Records {
		seen[r.ID] = true
	}
	cur := first.NextCursor
	for pages := 0; cur != ""; pages++ {
		if pages > 5 {
			t.Fatal("backfill does not end")
		}
		p, err := c.Backfill(t.Context(), sess, cur)
		if err != nil {
			t.Fatalf("after the locator expired: %v", err)
		}
		if p.Total != -1 {
			t.Errorf("a later page claims a total of %d", p.Total)
		}
		for _, r := range p.Records {
			if seen[r.ID] {
				t.Fatalf("%s reported twice", r.ID)
			}
			seen[r.ID] = true
		}
		cur = p.NextCursor
		if p.Done {
			break
		}
	}
	if len(seen) != 450 {
		t.Errorf("backfill reported %d records, want 450", len(seen))
	}
	resumed := false
	for _, r := range u.srv.Requests() {
		resumed = resumed || strings.Contains(r.Query, "Id+%3E+")
	}
	if !resumed {
		t.Error("the backfill did not start again after the last Id")
	}
}

func TestChangesAfterLocatorExpired(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 1})
	u := up.(*upstream)
	c := collectionNamed(t, "task")
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1200 // more than maxChangePages pages of 200
	want := map[string]bool{}
	for range n {
		id, err := u.Create("salesforce:task", nil)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = true
	}
	ch, err := c.Changes(t.Context(), sess, cp)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.More || len(ch.Records) != maxChangePages*200 {
		t.Fatalf("first call: %d records, More %v", len(ch.Records), ch.More)
	}
	got := map[string]int{}
	for _, r := range ch.Records {
		got[r.ID]++
	}
	u.srv.ExpireQueryLocators()
	cur := ch.NextCursor
	for calls := 0; ; calls++ {
		if calls > 5 {
			t.Fatal("changes do not end")
		}
		ch, err = c.Changes(t.Context(), sess, cur)
		if err != nil {
			t.Fatalf("after the locator expired: %v", err)
		}
		for _, r := range ch.Records {
			got[r.ID]++
		}
		cur = ch.NextCursor
		if !ch.More {
			break
		}
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("%s reported %d times", id, got[id])
		}
	}
	if len(got) != n {
		t.Errorf("%d records reported, want %d", len(got), n)
	}
}

func TestUserChangesWithoutDeletes(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 3})
	u := up.(*upstream)
	c := collectionNamed(t, "user")
	if c.Deletes != providers.DeletesNone {
		t.Fatalf("users declare deletes %s", c.Deletes)
	}
	cp, err := c.Checkpoint(t.Context(), sess)
	if err != nil {
		t.Fatal(err)
	}
	id := u.srv.IDs("User")[2]
	if err := u.srv.Update("User", id, map[string]any{"IsActive": false}); err != nil {
		t.Fatal(err)
	}
	ch, err := c.Changes(t.Context(), sess, cp)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Records) != 1 || ch.Records[0].ID != id || ch.Records[0].Deleted || !strings.Contains(string(ch.Records[0].Data), `"IsActive":false`) {
		t.Errorf("changes %+v", ch.Records)
	}
	for _, r := range u.srv.Requests() {
		if strings.HasSuffix(r.Path, "/queryAll") {
			t.Error("users were read through queryAll although they have no IsDeleted")
		}
	}
}

func TestMalformedQueryAnswers(t *testing.T) {
	t.Parallel()
	sess, up := newUpstream(t, providertest.UpstreamOptions{Seed: 3})
	c := collectionNamed(t, "account")
	if _, err := c.Backfill(t.Context(), sess, ""); err != nil { // describe is cached from here on
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"totalSize": 1, "done": true}`,
		`{"records": [], "done": false, "totalSize": 5}`,
		`{"records": [{"Id": "not an id"}], "done": true, "totalSize": 1}`,
		`{"records": [{"Id": "001000000000001AAA"}], "done": true, "totalSize": 1}`,
		`{"records": [{"Id": "001000000000001AAA", "SystemModstamp": "yesterday"}], "done": true, "totalSize": 1}`,
		`{"records": [], "done": false, "totalSize": 5, "nextRecordsUrl": "https://evil.example/x"}`,
		`[]`,
	} {
		up.Fail(providertest.Fault{Status: 200, Body: []byte(body)})
		if _, err := c.Backfill(t.Context(), sess, ""); !providers.IsMalformed(err) {
			t.Errorf("answer %s: %v, want malformed", body, err)
		}
	}
}
