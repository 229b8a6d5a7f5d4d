package servicenow

import "testing"

func TestNormalizeInstance(t *testing.T) {
	good := map[string]string{
		"acme":                                   "https://acme.service-now.com",
		"acme.service-now.com":                   "https://acme.service-now.com",
		"https://ACME.service-now.com/nav_to.do": "https://acme.service-now.com",
		" https://support.acme.com ":             "https://support.acme.com",
	}
	for in, want := range good {
		if got, err := normalizeInstance(in); err != nil || got != want {
			t.Errorf("normalizeInstance(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "http://acme.service-now.com", "https://user@evil.com", "ftp://x"} {
		if got, err := normalizeInstance(in); err == nil {
			t.Errorf("normalizeInstance(%q) = %q, want an error", in, got)
		}
	}
}
