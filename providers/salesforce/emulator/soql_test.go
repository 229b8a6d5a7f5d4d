package emulator

import (
	"testing"
	"time"
)

// match parses a statement against Account and returns which of recs match its WHERE clause.
func match(t *testing.T, soql string, recs ...*record) []bool {
	t.Helper()
	q, err := parseQuery(soql)
	if err != nil {
		t.Fatalf("parseQuery(%q): %v", soql, err)
	}
	out := make([]bool, len(recs))
	for i, r := range recs {
		out[i] = q.where == nil || q.where.match(r)
	}
	return out
}

func account(id int, v map[string]any) *record {
	return &record{id: makeID("001", id), values: v}
}

func TestSOQLWhere(t *testing.T) {
	t.Parallel()
	a := account(1, map[string]any{"Name": "Acme O'Brien", "AnnualRevenue": 500.0, "NumberOfEmployees": 10.0,
		"SystemModstamp": "2024-07-01T12:00:00.000+0000", "IsDeleted": false, "Industry": "Retail"})
	b := account(2, map[string]any{"Name": "Globex", "AnnualRevenue": 1500.5, "NumberOfEmployees": nil,
		"SystemModstamp": "2024-07-01T12:00:01.500+0000", "IsDeleted": true, "Industry": nil})
	for _, tc := range []struct {
		soql string
		want [2]bool
	}{
		{"SELECT Id FROM Account", [2]bool{true, true}},
		{"SELECT Id FROM Account WHERE Name = 'acme o\\'brien'", [2]bool{true, false}},
		{"select id from account where name like 'GLO%'", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE AnnualRevenue > 1000", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE AnnualRevenue <= 500 OR IsDeleted = true", [2]bool{true, true}},
		{"SELECT Id FROM Account WHERE NOT (AnnualRevenue <= 500 OR IsDeleted = true)", [2]bool{false, false}},
		{"SELECT Id FROM Account WHERE SystemModstamp >= 2024-07-01T12:00:01Z", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE SystemModstamp >= 2024-07-01T12:00:00Z AND IsDeleted = false", [2]bool{true, false}},
		{"SELECT Id FROM Account WHERE SystemModstamp > 2024-07-01T14:00:00+02:00", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE NumberOfEmployees = null", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE Industry != null", [2]bool{true, false}},
		{"SELECT Id FROM Account WHERE Industry != 'Retail'", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE Industry IN ('Retail', 'Energy')", [2]bool{true, false}},
		{"SELECT Id FROM Account WHERE Industry NOT IN ('Retail')", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE Id > '" + makeID("001", 1) + "'", [2]bool{false, true}},
		{"SELECT Id FROM Account WHERE Id = '" + makeID("001", 2)[:15] + "'", [2]bool{false, true}},
	} {
		got := match(t, tc.soql, a, b)
		if got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("%s: matched %v, want %v", tc.soql, got, tc.want)
		}
	}
}

func TestSOQLErrors(t *testing.T) {
	t.Parallel()
	for soql, code := range map[string]string{
		"":                             "MALFORMED_QUERY",
		"SELECT FROM Account":          "MALFORMED_QUERY",
		"SELECT Id FROM":               "MALFORMED_QUERY",
		"SELECT Id FROM Nope__c":       "INVALID_TYPE",
		"SELECT Id FROM AccountFeed":   "INVALID_TYPE",
		"SELECT Id, Nope FROM Account": "INVALID_FIELD",
		"SELECT Id FROM Account WHERE Nope = 'x'":                     "INVALID_FIELD",
		"SELECT Id FROM Account WHERE Name = 'x":                      "MALFORMED_QUERY",
		"SELECT Id FROM Account WHERE (Name = 'x'":                    "MALFORMED_QUERY",
		"SELECT Id FROM Account ORDER BY":                             "INVALID_FIELD",
		"SELECT Id FROM Account LIMIT -1":                             "MALFORMED_QUERY",
		"SELECT Id FROM Account extra":                                "MALFORMED_QUERY",
		"SELECT Id FROM Account WHERE Name ! 'x'":                     "MALFORMED_QUERY",
		"SELECT Id FROM Account WHERE BillingAddress = 'x'":           "INVALID_FIELD",
		"SELECT Id FROM Account WHERE SystemModstamp >= '2024-07-01'": "INVALID_FIELD",
		"SELECT Id FROM Account WHERE AnnualRevenue > 'x'":            "INVALID_FIELD",
		"SELECT Id FROM Account WHERE IsDeleted = 1":                  "INVALID_FIELD",
		"SELECT Id FROM Account WHERE Name = 5":                       "INVALID_FIELD",
	} {
		if _, err := parseQuery(soql); err == nil || err.code != code {
			t.Errorf("parseQuery(%q) = %v, want %s", soql, err, code)
		}
	}
}

func TestSOQLOrderLimitOffset(t *testing.T) {
	t.Parallel()
	q, err := parseQuery("SELECT Id, Name FROM Account ORDER BY SystemModstamp DESC NULLS LAST, Id ASC LIMIT 2 OFFSET 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.fields) != 2 || q.limit != 2 || q.offset != 1 || len(q.order) != 2 || !q.order[0].desc || q.order[0].nullsFirst {
		t.Fatalf("parsed %+v", q)
	}
	at := func(s string) map[string]any { return map[string]any{"SystemModstamp": s} }
	recs := []*record{account(3, at("2024-07-01T12:00:00.000+0000")), account(1, at("2024-07-02T12:00:00.000+0000")),
		account(2, at("2024-07-01T12:00:00.000+0000")), account(4, map[string]any{})}
	got := append([]*record(nil), recs...)
	sortRecords(q, got)
	want := []int{1, 2, 3, 4} // newest first, then Id ascending, nulls last
	for i, n := range want {
		if got[i].id != makeID("001", n) {
			t.Fatalf("order: got %s at %d, want %s", got[i].id, i, makeID("001", n))
		}
	}
	if q, _ := parseQuery("SELECT COUNT() FROM Account"); q == nil || !q.count {
		t.Error("COUNT() not parsed")
	}
}

func sortRecords(q *query, recs []*record) {
	for i := 1; i < len(recs); i++ {
		for j := i; j > 0 && q.less(recs[j], recs[j-1]) < 0; j-- {
			recs[j], recs[j-1] = recs[j-1], recs[j]
		}
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	prev := ""
	for _, n := range []int{1, 61, 62, 3843, 3844, 99999} {
		id := makeID("001", n)
		if len(id) != 18 || !validID(id) || !validID(id[:15]) {
			t.Fatalf("makeID(%d) = %q is not a valid id", n, id)
		}
		if id <= prev {
			t.Fatalf("ids do not sort in creation order: %s after %s", id, prev)
		}
		prev = id
	}
	// The case-safe suffix of a known id.
	if got := idSuffix("001D000000IRFma"); got != "IAH" {
		t.Errorf("suffix of 001D000000IRFma = %s, want IAH (001D000000IRFmaIAH, the documented example)", got)
	}
	for _, bad := range []string{"", "001", "001D000000IRFmaIAQ", "001D000000IRFm!", "001D000000IRFmaIAHx"} {
		if validID(bad) {
			t.Errorf("validID(%q) = true", bad)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"SELECT Id FROM Account", "SELECT Id, Name FROM Contact WHERE (Name = 'x' OR Email LIKE '%y') AND IsDeleted = false ORDER BY Id LIMIT 5",
		"SELECT Id FROM Account WHERE SystemModstamp >= 2024-07-01T12:00:00Z", "SELECT COUNT() FROM Lead", "'", "SELECT Id FROM Account WHERE Id IN ('a','b')",
	} {
		f.Add(s)
	}
	rec := account(1, map[string]any{"Name": "x", "SystemModstamp": formatTime(time.Unix(0, 0))})
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQuery(s)
		if err == nil && q.where != nil {
			q.where.match(rec)
		}
	})
}
