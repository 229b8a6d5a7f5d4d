package checkoutchamp

import "testing"

func TestCursorWindow(t *testing.T) {
	c, err := parseCursor(`{"t":"2024-05-01 10:00:00"}`)
	if err != nil {
		t.Fatal(err)
	}
	c.note("2024-05-01 10:00:05", "1", "a")
	c.note("2024-05-01 10:00:03", "2", "b")
	c.note("2024-05-01 10:00:05", "3", "c")
	c.finish()
	if c.At != "2024-05-01 10:00:05" || len(c.Seen) != 2 || c.Seen["1"] != "a" || c.Seen["3"] != "c" || c.Page != 0 {
		t.Errorf("after a window: %s", c)
	}
	c.note("2024-05-01 10:00:05", "4", "d")
	c.finish()
	if c.At != "2024-05-01 10:00:05" || len(c.Seen) != 3 {
		t.Errorf("a window ending at the same second must keep what it saw before: %s", c)
	}
	again, err := parseCursor(c.String())
	if err != nil || again.String() != c.String() {
		t.Errorf("round trip: %v, %s", err, again)
	}
	for _, bad := range []string{"", "{}", `{"t":"05/01/2024"}`, `{"t":"2024-05-01 10:00:00","page":-1}`} {
		if _, err := parseCursor(bad); err == nil {
			t.Errorf("parseCursor(%q) accepted a bad cursor", bad)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	f.Add(`{"t":"2024-05-01 10:00:00","seen":{"1":"a"},"page":2,"hi":"2024-05-01 10:00:01"}`)
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
