package emulator

import (
	"testing"
	"time"
)

func TestSuiteQL(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	row := map[string]any{"id": "12", "type": "SalesOrd", "lastmodifieddate": at, "memo": "it's"}
	cases := map[string]bool{
		"SELECT * FROM transaction":                                                                                         true,
		"select transaction.* from transaction where id > 9":                                                                true, // numbers compare as numbers
		"SELECT id FROM transaction WHERE type = 'SalesOrd' AND id <= 12":                                                   true,
		"SELECT id FROM transaction WHERE type = 'CustInvc'":                                                                false,
		"SELECT id FROM transaction WHERE memo = 'it''s'":                                                                   true,
		"SELECT id FROM transaction WHERE lastmodifieddate >= TO_TIMESTAMP('2024-05-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')": true,
		"SELECT id FROM transaction WHERE lastmodifieddate > TO_TIMESTAMP('2024-05-01 10:00:00', 'YYYY-MM-DD HH24:MI:SS')":  false,
		"SELECT id FROM transaction WHERE externalid = 'x'":                                                                 false, // NULL matches nothing
	}
	for q, want := range cases {
		st, err := parseSuiteQL(q)
		if err != nil {
			t.Errorf("parseSuiteQL(%q): %v", q, err)
			continue
		}
		if got := st.matches(row); got != want {
			t.Errorf("%q matches = %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"DELETE FROM customer", "SELECT id FROM customer WHERE id > 1 OR id < 0", "SELECT customer.* FROM item",
		"SELECT TO_CHAR(lastmodifieddate, 'DD/MM') AS x FROM customer", "SELECT id FROM customer WHERE name = 'open"} {
		if _, err := parseSuiteQL(q); err == nil {
			t.Errorf("parseSuiteQL(%q) accepted an unsupported query", q)
		}
	}
}

func TestQueryRendersDates(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 11, 12, 0, time.UTC)
	s := New(Config{Seed: 2, Now: func() time.Time { return now }})
	rows, total, err := s.Query("SELECT customer.*, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM customer ORDER BY id", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(rows) != 1 {
		t.Fatalf("got %d rows of %d, want 1 of 2", len(rows), total)
	}
	if d, _ := rows[0]["datecreated"].(string); d != "4/1/2024" {
		t.Errorf("datecreated rendered %q, want the account's date format 4/1/2024", d)
	}
	if m, _ := rows[0]["m"].(string); m == "" || m[:4] != "2024" {
		t.Errorf("TO_CHAR rendered %q", m)
	}
	rows, _, err = s.Query("SELECT TO_CHAR(CURRENT_TIMESTAMP, 'YYYY-MM-DD HH24:MI:SS') AS now FROM dual", 0, 1)
	if err != nil || len(rows) != 1 || rows[0]["now"] != "2024-05-01 10:11:12" {
		t.Errorf("current time: %v, %v", rows, err)
	}
}
