package workday

import (
	"fmt"
	"testing"
)

func TestPageCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := pageCursor{Offset: 90, Tail: []string{"a", "b"}}
	got, err := parsePageCursor(c.String())
	if err != nil || got.Offset != 90 || len(got.Tail) != 2 || got.Tail[1] != "b" {
		t.Fatalf("parsePageCursor(%s) = %+v, %v", c, got, err)
	}
	for _, bad := range []string{"x", `{"o":-1}`, `{"o":1,"k":["a","b"]}`, `{"o":100,"k":["1","2","3","4","5","6","7","8","9","10","11"]}`} {
		if _, err := parsePageCursor(bad); err == nil {
			t.Errorf("parsePageCursor(%s) accepted a bad cursor", bad)
		}
	}
}

func TestChangeCursorParse(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "{}", `{"m":"report","f":0,"t":0}`, `{"m":"report","f":10,"t":5}`, `{"m":"other","f":1,"t":1}`,
		`{"m":"relist","f":1,"t":1,"p":{"o":-3}}`} {
		if _, err := parseChangeCursor(bad); err == nil {
			t.Errorf("parseChangeCursor(%s) accepted a bad cursor", bad)
		}
	}
	c := &changeCursor{Mode: modeReport, Floor: 1000, At: 1000}
	c.advance("w1", 2000)
	got, err := parseChangeCursor(c.String())
	if err != nil || !got.seen("w1", 2000) || got.seen("w1", 2001) || got.At != 2000 {
		t.Fatalf("round trip of %s: %+v, %v", c, got, err)
	}
}

func TestChangeCursorWindow(t *testing.T) {
	t.Parallel()
	overlap := reportOverlap.Milliseconds()
	c := &changeCursor{Mode: modeReport, Floor: 1000, At: 1000}
	if c.from() != 1000 {
		t.Errorf("from = %d, want the checkpoint 1000", c.from())
	}
	c.advance("old", 2000)
	c.advance("new", 2000+overlap+1)
	if c.from() != 2001 {
		t.Errorf("from = %d, want %d (the overlap before the last change)", c.from(), 2001)
	}
	if _, ok := c.Seen["old"]; ok {
		t.Error("a change before the window is still remembered")
	}
	if !c.seen("new", 2000+overlap+1) {
		t.Error("the last change is forgotten")
	}
}

func TestChangeCursorBounded(t *testing.T) {
	t.Parallel()
	c := &changeCursor{Mode: modeReport, Floor: 1, At: 1}
	for i := range maxSeen + 5 {
		c.advance(fmt.Sprint("w", i), int64(10+i/2))
	}
	if len(c.Seen) > maxSeen {
		t.Fatalf("cursor remembers %d changes, more than %d", len(c.Seen), maxSeen)
	}
	if c.Floor <= 10 || c.At < c.Floor {
		t.Errorf("floor %d, at %d: the floor must rise above what was forgotten and stay at or below at", c.Floor, c.At)
	}
	if _, err := parseChangeCursor(c.String()); err != nil {
		t.Errorf("a bounded cursor does not parse: %v", err)
	}
}

func FuzzParseCursors(f *testing.F) {
	f.Add(`{"o":90,"k":["a"]}`)
	f.Add(`{"m":"report","f":1,"t":2,"s":{"a":2}}`)
	f.Add(`{"m":"relist","f":1,"t":1,"p":{"o":3}}`)
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := parsePageCursor(s); err == nil {
			if _, err := parsePageCursor(c.String()); err != nil {
				t.Errorf("page cursor %q does not survive a round trip: %v", s, err)
			}
		}
		if c, err := parseChangeCursor(s); err == nil {
			if _, err := parseChangeCursor(c.String()); err != nil {
				t.Errorf("change cursor %q does not survive a round trip: %v", s, err)
			}
		}
	})
}
