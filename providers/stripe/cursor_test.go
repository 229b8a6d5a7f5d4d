package stripe

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCursor(t *testing.T) {
	good := map[string]cursor{
		"evt:evt_1NG8Du2eZvKYlo2CUI79vXWy": {EventID: "evt_1NG8Du2eZvKYlo2CUI79vXWy"},
		"evt:a":                            {EventID: "a"},
		"created:0":                        {Created: 0},
		"created:1700000000":               {Created: 1700000000},
	}
	for s, want := range good {
		got, err := parseCursor(s)
		if err != nil || got != want {
			t.Errorf("parseCursor(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("%q round-trips to %q", s, got.String())
		}
	}
	bad := []string{
		"", "evt:", "evt", "evt_123", "cus_123", "created:", "created:-1", "created:01", "created:+5",
		"created:1.5", "created:99999999999999999999", "created:253402300800", "evt:a b", "evt:a/b",
		"evt:" + strings.Repeat("x", 256), "EVT:evt_1", "created: 1", "evt:evt_1\n", "v2:whatever",
	}
	for _, s := range bad {
		if c, err := parseCursor(s); err == nil {
			t.Errorf("parseCursor(%q) = %+v, want an error", s, c)
		} else if !errors.Is(err, errCursor) {
			t.Errorf("parseCursor(%q): %v does not wrap errCursor", s, err)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"evt:evt_1NG8Du2eZvKYlo2CUI79vXWy", "created:1700000000", "created:0", "", "evt:", "created:-1", "evt:a\x00b", "created:1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			if !errors.Is(err, errCursor) {
				t.Fatalf("error %v does not wrap errCursor", err)
			}
			return
		}
		if c.String() != s {
			t.Fatalf("accepted %q but it encodes back as %q", s, c.String())
		}
		if (c.EventID == "") == strings.HasPrefix(s, eventPrefix) {
			t.Fatalf("%q parsed as %+v", s, c)
		}
		again, err := parseCursor(c.String())
		if err != nil || again != c {
			t.Fatalf("re-parse of %q: %+v, %v", c.String(), again, err)
		}
	})
}
