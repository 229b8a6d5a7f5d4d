package servicenow

import (
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	c := &changeCursor{Updates: watermark{At: "2024-05-01 10:00:00"}, Deletes: watermark{At: "2024-05-01 09:00:00"}}
	c.Updates.advance("2024-05-01 10:00:00", "a", "3")
	c.Updates.advance("2024-05-01 10:00:00", "b", "0")
	got, err := parseCursor(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Updates.seen("2024-05-01 10:00:00", "a", "3") || !got.Updates.seen("2024-05-01 10:00:00", "b", "0") {
		t.Errorf("round trip lost the seen records: %s", got)
	}
	if got.Updates.seen("2024-05-01 10:00:00", "a", "4") {
		t.Error("a newer version of a seen record counts as seen")
	}
	if got.Updates.seen("2024-05-01 10:00:01", "a", "3") {
		t.Error("a record at a later second counts as seen")
	}
	got.Updates.advance("2024-05-01 10:00:01", "c", "1")
	if len(got.Updates.Seen) != 1 || got.Updates.At != "2024-05-01 10:00:01" {
		t.Errorf("advancing to a later second kept %v at %s", got.Updates.Seen, got.Updates.At)
	}
}

func TestParseCursorRejects(t *testing.T) {
	for _, s := range []string{"", "{", `{"u":{"t":"yesterday"},"d":{"t":"2024-05-01 10:00:00"}}`, `{"u":{"t":"2024-05-01 10:00:00"}}`, "2024-05-01"} {
		if _, err := parseCursor(s); err == nil {
			t.Errorf("parseCursor(%q) accepted a bad cursor", s)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	f.Add(`{"u":{"t":"2024-05-01 10:00:00","seen":{"a":"1"}},"d":{"t":"2024-05-01 10:00:00"}}`)
	f.Add("{}")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		if _, err := parseCursor(c.String()); err != nil {
			t.Errorf("a parsed cursor does not parse again: %v", err)
		}
	})
}
