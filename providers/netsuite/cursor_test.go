package netsuite

import "testing"

func TestCursor(t *testing.T) {
	c := &changeCursor{Updates: watermark{At: "2024-05-01 10:00:00"}, Deletes: watermark{At: "2024-05-01 10:00:00"}}
	c.Updates.advance("2024-05-01 10:00:00", "7", contentHash([]byte(`{"id":"7","a":1}`)))
	got, err := parseCursor(c.String())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Updates.seen("2024-05-01 10:00:00", "7", contentHash([]byte(`{"id":"7","a":1}`))) {
		t.Error("the reported row is not seen after a round trip")
	}
	if got.Updates.seen("2024-05-01 10:00:00", "7", contentHash([]byte(`{"id":"7","a":2}`))) {
		t.Error("a changed row within the same second counts as seen")
	}
	got.Updates.advance("2024-05-01 10:00:02", "8", "x")
	if len(got.Updates.Seen) != 1 {
		t.Errorf("a later second kept %v", got.Updates.Seen)
	}
	for _, bad := range []string{"", "{}", `{"u":{"t":"5/1/2024"},"d":{"t":"2024-05-01 10:00:00"}}`} {
		if _, err := parseCursor(bad); err == nil {
			t.Errorf("parseCursor(%q) accepted a bad cursor", bad)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	f.Add(`{"u":{"t":"2024-05-01 10:00:00","seen":{"1":"a"}},"d":{"t":"2024-05-01 10:00:00"}}`)
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
