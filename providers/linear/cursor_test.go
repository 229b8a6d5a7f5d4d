package linear

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestBackfillCursor(t *testing.T) {
	t.Parallel()
	for _, after := range []string{"8618e5f7-91e3-48ef-91a4-c62027b1b227", "YXJyYXljb25uZWN0aW9uOjQ5"} {
		got, err := parseBackfillCursor(backfillCursor(after))
		if err != nil || got != after {
			t.Errorf("round trip of %q = %q, %v", after, got, err)
		}
	}
	if got, err := parseBackfillCursor(""); err != nil || got != "" {
		t.Errorf("empty cursor = %q, %v", got, err)
	}
	for _, bad := range []string{"b1.", "8618e5f7", "b2.x", "b1.a b", "b1." + strings.Repeat("a", maxID+1), "c1.{}"} {
		if _, err := parseBackfillCursor(bad); !errors.Is(err, errCursor) {
			t.Errorf("parseBackfillCursor(%q) = %v, want errCursor", bad, err)
		}
	}
}

func TestChangeCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := &changeState{Floor: 1_700_000_000_000, Since: 1_700_000_100_000, From: 1_700_000_070_000,
		After: "8618e5f7-91e3-48ef-91a4-c62027b1b227", High: 1_700_000_200_000,
		Seen: []seenEntry{{ID: "a2303318-4f39-41e6-a5f7-dade89aa4aab", At: 1_700_000_150_000, Hash: 42},
			{ID: "ec8b647b-78bd-473f-84ac-9069ca160c82", At: 1_700_000_160_000, Hash: 7, Deleted: true}}}
	s := c.String()
	if !strings.HasPrefix(s, changesPrefix) {
		t.Fatalf("cursor %s lacks its prefix", s)
	}
	got, err := parseChangeCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != s {
		t.Errorf("round trip:\n got %s\nwant %s", got.String(), s)
	}
	if !got.Seen[1].Deleted || got.Seen[0].Deleted || got.Seen[0].Hash != 42 {
		t.Errorf("seen entries %+v", got.Seen)
	}
}

func TestChangeCursorRejects(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]string{
		"empty":             "",
		"backfill":          "b1.x",
		"not json":          "c1.{",
		"unknown field":     `c1.{"f":1,"s":1,"z":1}`,
		"no floor":          `c1.{"f":0,"s":0}`,
		"since before":      `c1.{"f":10,"s":5}`,
		"pass before floor": `c1.{"f":10,"s":10,"k":5}`,
		"cursor no pass":    `c1.{"f":10,"s":10,"a":"x"}`,
		"high no pass":      `c1.{"f":10,"s":10,"h":11}`,
		"bad after":         `c1.{"f":10,"s":10,"k":10,"a":"a b"}`,
		"negative":          `c1.{"f":10,"s":-1}`,
		"far future":        `c1.{"f":10,"s":253402300800000}`,
		"bad seen":          `c1.{"f":10,"s":10,"r":[["a b",10,1]]}`,
		"seen short":        `c1.{"f":10,"s":10,"r":[["a",10]]}`,
		"seen mark":         `c1.{"f":10,"s":10,"r":[["a",10,1,2]]}`,
		"trailing":          `c1.{"f":10,"s":10}{}`,
	} {
		if _, err := parseChangeCursor(bad); !errors.Is(err, errCursor) {
			t.Errorf("%s: parseChangeCursor(%q) = %v, want errCursor", name, bad, err)
		}
	}
}

func TestSeenSetIsBounded(t *testing.T) {
	t.Parallel()
	c := &changeState{Floor: 1, Since: 1}
	for i := range maxSeen + 50 {
		if !c.remember(seenEntry{ID: "id-" + strconv.Itoa(i), At: int64(1000 + i)}) {
			t.Fatalf("entry %d reported as seen", i)
		}
	}
	got, err := parseChangeCursor(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Seen) != maxSeen || got.Seen[0].At != 1050 {
		t.Errorf("kept %d entries starting at %d, want the newest %d", len(got.Seen), got.Seen[0].At, maxSeen)
	}
	// The same entity at the same time and content is not new; a new version is.
	e := got.Seen[len(got.Seen)-1]
	if got.remember(e) {
		t.Error("an entity seen unchanged was new")
	}
	e.Hash++
	if !got.remember(e) {
		t.Error("an entity with new content was not new")
	}
}

func FuzzParseChangeCursor(f *testing.F) {
	f.Add((&changeState{Floor: 5, Since: 9, From: 6, After: "x", High: 9, Seen: []seenEntry{{ID: "a", At: 7, Hash: 3}}}).String())
	f.Add(`c1.{"f":1,"s":1}`)
	f.Add("c1.")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseChangeCursor(s)
		if err != nil {
			if !errors.Is(err, errCursor) {
				t.Fatalf("error %v does not wrap errCursor", err)
			}
			return
		}
		again, err := parseChangeCursor(c.String())
		if err != nil {
			t.Fatalf("a parsed cursor does not parse again: %v", err)
		}
		if again.String() != c.String() {
			t.Fatalf("re-encoding changed the cursor: %s vs %s", again.String(), c.String())
		}
	})
}

func FuzzParseBackfillCursor(f *testing.F) {
	f.Add("b1.8618e5f7-91e3-48ef-91a4-c62027b1b227")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		after, err := parseBackfillCursor(s)
		if err != nil {
			if !errors.Is(err, errCursor) {
				t.Fatalf("error %v does not wrap errCursor", err)
			}
			return
		}
		if s != "" && backfillCursor(after) != s {
			t.Fatalf("%q does not round trip", s)
		}
	})
}
