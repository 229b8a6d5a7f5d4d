package github

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestBackfillCursorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []backfillCursor{
		{},
		{Repo: "acme/api", Next: "/repositories/7/issues?page=2&per_page=100"},
		{Index: 40},
	} {
		got, err := parseBackfillCursor(c.String())
		if err != nil {
			t.Fatalf("parsing %+v: %v", c, err)
		}
		c.T = "b"
		if got != c {
			t.Errorf("round trip of %+v gave %+v", c, got)
		}
	}
	if c, err := parseBackfillCursor(""); err != nil || c != (backfillCursor{}) {
		t.Errorf(`parseBackfillCursor("") = %+v, %v; want the start`, c, err)
	}
}

func TestChangeCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := &changeCursor{Since: 1_700_000_000, Repo: "acme/web", Marks: map[string]*mark{
		"acme/api": {Since: 1_700_000_100, Query: 1_700_000_200, Page: 3, Top: 1_700_000_300, Seen: map[string][2]int64{"12": {1_700_000_250, -42}}},
	}}
	got, err := parseChangeCursor(c.String())
	if err != nil {
		t.Fatal(err)
	}
	m := got.Marks["acme/api"]
	if got.Since != c.Since || got.Repo != c.Repo || m == nil || m.Page != 3 || m.Seen["12"] != [2]int64{1_700_000_250, -42} {
		t.Errorf("round trip gave %+v (mark %+v)", got, m)
	}
}

func encodeRaw(json string) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(json))
}

func TestCursorsRefuseGarbage(t *testing.T) {
	t.Parallel()
	backfill := map[string]string{
		"no prefix":           "abc",
		"bad base64":          cursorPrefix + "!!!",
		"not JSON":            encodeRaw(`nope`),
		"change cursor":       (&changeCursor{Since: 1}).String(),
		"unknown field":       encodeRaw(`{"t":"b","x":1}`),
		"trailing data":       encodeRaw(`{"t":"b"}{"t":"b"}`),
		"upper-case repo":     encodeRaw(`{"t":"b","r":"Acme/API"}`),
		"not a repo":          encodeRaw(`{"t":"b","r":"acme"}`),
		"next to other host":  encodeRaw(`{"t":"b","n":"//evil.example/x?y=1"}`),
		"next with dot-dot":   encodeRaw(`{"t":"b","n":"/repos/../user?y=1"}`),
		"next not a path":     encodeRaw(`{"t":"b","n":"https://evil.example/x"}`),
		"negative index":      encodeRaw(`{"t":"b","i":-1}`),
		"huge index":          encodeRaw(`{"t":"b","i":99999999999}`),
		"too long":            cursorPrefix + strings.Repeat("A", maxCursor),
		"next with a newline": encodeRaw(`{"t":"b","n":"/repos/a/b/issues?x=1\nHost: evil"}`),
	}
	for name, s := range backfill {
		if _, err := parseBackfillCursor(s); !errors.Is(err, errCursor) {
			t.Errorf("backfill cursor (%s): %v, want an invalid-cursor error", name, err)
		}
	}
	change := map[string]string{
		"empty":            "",
		"backfill cursor":  backfillCursor{}.String(),
		"negative since":   encodeRaw(`{"t":"c","s":-5}`),
		"since past 9999":  encodeRaw(`{"t":"c","s":253402300800}`),
		"null mark":        encodeRaw(`{"t":"c","s":1,"m":{"acme/api":null}}`),
		"bad mark name":    encodeRaw(`{"t":"c","s":1,"m":{"acme":{"s":1}}}`),
		"mark page range":  encodeRaw(`{"t":"c","s":1,"m":{"acme/api":{"s":1,"p":-2}}}`),
		"seen key too big": encodeRaw(`{"t":"c","s":1,"m":{"acme/api":{"s":1,"h":{"` + strings.Repeat("x", 65) + `":[1,2]}}}}`),
	}
	for name, s := range change {
		if _, err := parseChangeCursor(s); !errors.Is(err, errCursor) {
			t.Errorf("change cursor (%s): %v, want an invalid-cursor error", name, err)
		}
	}
}

func TestMarkPrune(t *testing.T) {
	t.Parallel()
	m := &mark{Seen: map[string][2]int64{}}
	for i := range maxSeen + 10 {
		m.Seen[strings.Repeat("k", 1+i%50)+string(rune('a'+i%26))+string(rune('a'+i/26%26))] = [2]int64{int64(100 + i), 1}
	}
	m.prune(105)
	if len(m.Seen) != maxSeen {
		t.Fatalf("kept %d seen objects, want %d", len(m.Seen), maxSeen)
	}
	for k, v := range m.Seen {
		if v[0] < 110 {
			t.Errorf("kept %s updated at %d; the oldest beyond the bound go first", k, v[0])
		}
	}
	m.prune(1 << 40)
	if m.Seen != nil {
		t.Errorf("prune past every object left %v", m.Seen)
	}
}

func TestMarkFresh(t *testing.T) {
	t.Parallel()
	m := &mark{}
	if !m.fresh("1", 100, []byte(`{"a":1}`)) {
		t.Error("a first sighting is not fresh")
	}
	if m.fresh("1", 100, []byte(`{"a":1}`)) {
		t.Error("the same content seen again is fresh")
	}
	if !m.fresh("1", 100, []byte(`{"a":2}`)) {
		t.Error("changed content within the same second is not fresh")
	}
}

func FuzzParseChangeCursor(f *testing.F) {
	f.Add((&changeCursor{Since: 5, Marks: map[string]*mark{"a/b": {Since: 6, Page: 2}}}).String())
	f.Add(backfillCursor{Repo: "a/b", Next: "/x?y=1"}.String())
	f.Add(encodeRaw(`{"t":"c","s":1,"m":{"a/b":{"h":{"1":[1,2]}}}}`))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseChangeCursor(s)
		if err == nil {
			again, err := parseChangeCursor(c.String())
			if err != nil {
				t.Fatalf("a parsed cursor does not parse again: %v", err)
			}
			if again.Since != c.Since || len(again.Marks) != len(c.Marks) {
				t.Fatalf("re-encoding changed the cursor: %+v vs %+v", c, again)
			}
		}
		if b, err := parseBackfillCursor(s); err == nil && b.Next != "" && !validNext(b.Next) {
			t.Fatalf("accepted next page %q", b.Next)
		}
	})
}
