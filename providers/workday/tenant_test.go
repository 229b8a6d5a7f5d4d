package workday

import "testing"

func TestParseTenantURL(t *testing.T) {
	t.Parallel()
	good := map[string]tenant{
		"https://wd2-impl-services1.workday.com/ccx/api/v1/acme":          {origin: "https://wd2-impl-services1.workday.com", name: "acme"},
		" https://WD5-Services1.myworkday.com/ccx/api/v1/acme_prod/ ":     {origin: "https://wd5-services1.myworkday.com", name: "acme_prod"},
		"https://wd2-impl-services1.workday.com/ccx/oauth2/acme2/token":   {origin: "https://wd2-impl-services1.workday.com", name: "acme2"},
		"https://wd2-impl-services1.workday.com/ccx/service/acme3/Human":  {origin: "https://wd2-impl-services1.workday.com", name: "acme3"},
		"https://wd2.workday.com/ccx/service/customreport2/acme4/ISU/Rpt": {origin: "https://wd2.workday.com", name: "acme4"},
	}
	for in, want := range good {
		got, err := parseTenantURL(in)
		if err != nil || got != want {
			t.Errorf("parseTenantURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "acme", "http://wd2-impl-services1.workday.com/ccx/api/v1/acme", "https://wd2-impl-services1.workday.com",
		"https://wd2-impl-services1.workday.com/ccx/api/v1", "https://localhost/ccx/api/v1/acme",
		"https://user:pw@wd2.workday.com/ccx/api/v1/acme", "https://wd2.workday.com/ccx/api/v1/ac%20me",
	} {
		if got, err := parseTenantURL(in); err == nil {
			t.Errorf("parseTenantURL(%q) = %+v, want an error", in, got)
		}
	}
}

func TestReportPath(t *testing.T) {
	t.Parallel()
	tn := tenant{origin: "https://wd2.workday.com", name: "acme"}
	got, err := tn.reportPath("ISU_Sequin/Workers Changed")
	if want := "https://wd2.workday.com/ccx/service/customreport2/acme/ISU_Sequin/Workers%20Changed"; err != nil || got != want {
		t.Errorf("reportPath = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"", "Workers_Changed", "/Workers", "ISU/", "ISU/a/b"} {
		if _, err := tn.reportPath(bad); err == nil {
			t.Errorf("reportPath(%q) accepted a bad report name", bad)
		}
	}
}
