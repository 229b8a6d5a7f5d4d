package shopify

import (
	"errors"
	"strings"
	"testing"
)

func TestChangeCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := &changeCursor{Updates: window{Since: 1719835200, Pass: 1719835140, PageInfo: "eyJhIjoxfQ", Location: 7},
		Deletes: &window{Since: 1719835100}}
	c.Updates.remember(1719835200, 42)
	c.Updates.remember(1719835190, 7)
	s := c.String()
	if !strings.HasPrefix(s, "c1.") {
		t.Fatalf("cursor %q has no version prefix", s)
	}
	got, err := parseChangeCursor(s, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.Updates.Since != c.Updates.Since || got.Updates.Pass != c.Updates.Pass || got.Updates.PageInfo != c.Updates.PageInfo ||
		got.Updates.Location != 7 || got.Deletes == nil || got.Deletes.Since != 1719835100 {
		t.Errorf("round trip: %+v", got)
	}
	if !got.Updates.has(42) || !got.Updates.has(7) || got.Updates.has(8) {
		t.Errorf("seen versions lost: %+v", got.Updates.seen)
	}
	if got.Updates.seen[1].at != 1719835190 {
		t.Errorf("seen time %d", got.Updates.seen[1].at)
	}
	// A collection without a delete feed drops it; one with a feed gets one.
	if c, _ := parseChangeCursor(s, false); c.Deletes != nil {
		t.Error("deletes kept for a collection without a delete feed")
	}
	plain := (&changeCursor{Updates: window{Since: 5}}).String()
	if c, _ := parseChangeCursor(plain, true); c.Deletes == nil || c.Deletes.Since != 5 {
		t.Errorf("no delete window made: %+v", c)
	}
}

func TestCursorGarbage(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "c1.", "c1.!!!", "b1.eyJwIjoiYSJ9", "evt_123", "c1." + encodeJSON(map[string]any{"u": map[string]any{"t": -1}}),
		"c1." + encodeJSON(map[string]any{"u": map[string]any{"t": 1}, "x": 1}),
		"c1." + encodeJSON(map[string]any{"u": map[string]any{"t": 1, "p": "a b"}}),
		"c1." + encodeJSON(map[string]any{"u": map[string]any{"t": 1, "s": "AAAA"}}),
		"c1." + encodeJSON(map[string]any{"u": map[string]any{"t": 300000000000}}),
		"c1." + strings.Repeat("A", maxCursor),
	} {
		if _, err := parseChangeCursor(s, true); !errors.Is(err, errCursor) {
			t.Errorf("parseChangeCursor(%q) = %v, want errCursor", clip(s), err)
		}
	}
	for _, s := range []string{"c1.eyJ1Ijp7InQiOjF9fQ", "b1.", "b1." + encodeJSON(map[string]any{}), "b1." + encodeJSON(map[string]any{"l": -3}),
		"b1." + encodeJSON(map[string]any{"p": "<script>"}), "page_info=abc"} {
		if _, err := parseBackfillCursor(s); !errors.Is(err, errCursor) {
			t.Errorf("parseBackfillCursor(%q) = %v, want errCursor", clip(s), err)
		}
	}
}

func TestBackfillCursorRoundTrip(t *testing.T) {
	t.Parallel()
	if (backfillCursor{}).String() != "" {
		t.Error("the start is not the empty cursor")
	}
	for _, c := range []backfillCursor{{PageInfo: "abc_-"}, {Location: 61400000001}, {PageInfo: "x", Location: 1}} {
		got, err := parseBackfillCursor(c.String())
		if err != nil || got != c {
			t.Errorf("round trip of %+v: %+v, %v", c, got, err)
		}
	}
}

func TestWindowPrune(t *testing.T) {
	t.Parallel()
	w := window{Since: 1000}
	w.remember(1000, 1)
	w.remember(950, 2)
	w.remember(900, 3)
	w.prune(overlap)
	if !w.has(1) || !w.has(2) || w.has(3) {
		t.Errorf("prune kept %+v", w.seen)
	}
	for i := range maxSeen + 10 {
		w.remember(990+int64(i%10), uint64(100+i))
	}
	w.prune(overlap)
	if len(w.seen) != maxSeen {
		t.Errorf("%d seen versions kept, want %d", len(w.seen), maxSeen)
	}
	w.pack()
	if err := w.unpack(); err != nil || len(w.seen) != maxSeen {
		t.Errorf("pack/unpack: %v, %d", err, len(w.seen))
	}
}

func FuzzParseChangeCursor(f *testing.F) {
	c := &changeCursor{Updates: window{Since: 1719835200, PageInfo: "abc"}, Deletes: &window{Since: 3}}
	c.Updates.remember(1719835100, 99)
	f.Add(c.String())
	f.Add("c1.e30")
	f.Add("c1.eyJ1Ijp7InQiOjF9fQ")
	f.Add("b1.eyJwIjoiYSJ9")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseChangeCursor(s, true)
		if err != nil {
			if !errors.Is(err, errCursor) {
				t.Fatalf("error %v does not wrap errCursor", err)
			}
			return
		}
		// What parses re-encodes to something that parses to the same position.
		again, err := parseChangeCursor(got.String(), true)
		if err != nil {
			t.Fatalf("re-encoded cursor does not parse: %v", err)
		}
		if again.Updates.Since != got.Updates.Since || again.Updates.PageInfo != got.Updates.PageInfo || len(again.Updates.seen) != len(got.Updates.seen) {
			t.Fatalf("re-encoding changed the cursor: %+v vs %+v", got.Updates, again.Updates)
		}
	})
}

func FuzzParseBackfillCursor(f *testing.F) {
	f.Add(backfillCursor{PageInfo: "eyJsYXN0X2lkIjo1fQ"}.String())
	f.Add(backfillCursor{Location: 5}.String())
	f.Add("b1.e30")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseBackfillCursor(s)
		if err != nil {
			if !errors.Is(err, errCursor) {
				t.Fatalf("error %v does not wrap errCursor", err)
			}
			return
		}
		if s != "" && (c.String() == "" || (c.PageInfo != "" && !validPageInfo(c.PageInfo))) {
			t.Fatalf("accepted %q as %+v", s, c)
		}
	})
}
