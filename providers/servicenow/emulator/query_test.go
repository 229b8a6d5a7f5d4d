package emulator

import "testing"

func TestQuery(t *testing.T) {
	rec := map[string]string{"sys_id": "b", "state": "2", "priority": "10", "sys_updated_on": "2024-05-01 10:00:00", "short_description": "Printer jammed", "tablename": "incident"}
	cases := map[string]bool{
		"":                                    true,
		"state=2":                             true,
		"state=3":                             false,
		"priority>9":                          true, // numbers compare as numbers, not text
		"state=3^ORpriority=10":               true,
		"state=3^ORpriority=11^state=2":       false,
		"state=3^NQpriority=10":               true,
		"sys_updated_on>=2024-05-01 10:00:00": true,
		"sys_updated_on>2024-05-01 10:00:00":  false,
		"sys_updated_on>=javascript:gs.dateGenerate('2024-05-01','09:59:59')": true,
		"short_descriptionLIKEjam":        true,
		"short_descriptionSTARTSWITHScan": false,
		"stateIN1,2,3":                    true,
		"assigned_toISEMPTY":              true,
		"sys_id>a^ORDERBYsys_id":          true,
		"tablename=incident^sys_id!=b":    false,
	}
	for q, want := range cases {
		p, err := parseQuery(q)
		if err != nil {
			t.Errorf("parseQuery(%q): %v", q, err)
			continue
		}
		if got := p.match(rec); got != want {
			t.Errorf("%q matches = %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"state", "State=1", "state~1"} {
		if _, err := parseQuery(q); err == nil {
			t.Errorf("parseQuery(%q) accepted a bad condition", q)
		}
	}
}

func TestQuerySort(t *testing.T) {
	recs := []map[string]string{
		{"sys_id": "c", "sys_updated_on": "2024-05-01 10:00:00"},
		{"sys_id": "a", "sys_updated_on": "2024-05-01 10:00:01"},
		{"sys_id": "b", "sys_updated_on": "2024-05-01 10:00:00"},
	}
	q, err := parseQuery("ORDERBYsys_updated_on")
	if err != nil {
		t.Fatal(err)
	}
	q.sort(recs)
	if recs[0]["sys_id"] != "b" || recs[1]["sys_id"] != "c" || recs[2]["sys_id"] != "a" {
		t.Errorf("sorted %v, want b c a (ties by sys_id)", recs)
	}
	q, _ = parseQuery("ORDERBYDESCsys_updated_on")
	q.sort(recs)
	if recs[0]["sys_id"] != "a" {
		t.Errorf("descending sort put %s first", recs[0]["sys_id"])
	}
}
