package salesforce

import (
	"errors"
	"strings"
	"testing"
)

func TestBackfillCursor(t *testing.T) {
	t.Parallel()
	c := backfillCursor{Next: "/services/data/v60.0/query/01g5g000000001AAA-200", After: "0015g0000000abcAAA"}
	got, err := parseBackfillCursor(c.String())
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if got, err := parseBackfillCursor(""); err != nil || got != (backfillCursor{}) {
		t.Errorf("empty cursor: %+v, %v", got, err)
	}
	for _, bad := range []string{
		"b1.", "x1.e30", "b1.e30", "b1.!!",
		backfillCursor{Next: "https://evil.example/services/data/v60.0/query/x"}.String(),
		backfillCursor{Next: "/services/data/v60.0/../../x"}.String(),
		backfillCursor{After: "0015g' OR Name != '"}.String(),
		"b1." + encodeJSON(map[string]any{"n": "/services/data/v60.0/query/a-1", "z": 1}),
	} {
		if _, err := parseBackfillCursor(bad); !errors.Is(err, errCursor) {
			t.Errorf("parseBackfillCursor(%q) = %v, want a cursor error", bad, err)
		}
	}
}

func TestChangeCursor(t *testing.T) {
	t.Parallel()
	c := &changeCursor{Since: 1719835200123, Next: "/services/data/v60.0/query/01g5g000000001AAA-2000"}
	c.remember(1719835200123, 42)
	c.remember(1719835100000, 7)
	s := c.String()
	if !strings.HasPrefix(s, "c1.") {
		t.Fatalf("cursor %q has no version prefix", s)
	}
	got, err := parseChangeCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	if got.Since != c.Since || got.Next != c.Next || !got.has(42) || !got.has(7) || got.has(8) || got.seen[1].at != 1719835100000 {
		t.Errorf("round trip: %+v", got)
	}
	got.Since += 200000 // more than the overlap later
	got.prune(overlap.Milliseconds())
	if got.has(7) || got.has(42) {
		t.Errorf("versions before the overlap kept: %+v", got.seen)
	}
	for _, bad := range []string{
		"", "c1.", "b1.e30", "c1." + encodeJSON(map[string]any{"t": -1}),
		"c1." + encodeJSON(map[string]any{"t": 1, "s": "AAAA"}),
		"c1." + encodeJSON(map[string]any{"t": 1, "n": "/elsewhere"}),
		"c1." + encodeJSON(map[string]any{"t": 1, "x": 1}),
		"c1." + strings.Repeat("A", maxCursor),
	} {
		if _, err := parseChangeCursor(bad); !errors.Is(err, errCursor) {
			t.Errorf("parseChangeCursor(%q) = %v, want a cursor error", bad, err)
		}
	}
}

func TestChangeCursorBoundsSeen(t *testing.T) {
	t.Parallel()
	c := &changeCursor{Since: 1_000_000}
	for i := range maxSeen + 100 {
		c.remember(1_000_000-int64(i), uint64(i))
	}
	c.prune(overlap.Milliseconds())
	if len(c.seen) != maxSeen || !c.has(0) || c.has(maxSeen+50) {
		t.Fatalf("kept %d versions", len(c.seen))
	}
	if _, err := parseChangeCursor(c.String()); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseCursors(f *testing.F) {
	f.Add(backfillCursor{Next: "/services/data/v60.0/query/a-1", After: "001000000000001"}.String())
	f.Add((&changeCursor{Since: 5}).String())
	f.Add("c1.e30")
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := parseBackfillCursor(s); err == nil && s != "" && c.String() == "" {
			t.Fatal("accepted an empty position")
		}
		if c, err := parseChangeCursor(s); err == nil {
			if _, err := parseChangeCursor(c.String()); err != nil {
				t.Fatalf("re-encoding %q: %v", s, err)
			}
		}
	})
}
