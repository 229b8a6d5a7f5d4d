package airtable

import (
	"encoding/json"
	"testing"

	"github.com/sequinsync/sequin/providers"
)

func TestSnake(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Name":               "name",
		"Due Date":           "due_date",
		"  Amount ($)  ":     "amount",
		"dueDate":            "due_date",
		"HTTPStatus":         "httpstatus",
		"Größe":              "grosse",
		"Café Owner":         "cafe_owner",
		"# of items":         "of_items",
		"2024 Budget":        "2024_budget",
		"日本語":                "",
		"a--b__c":            "a_b_c",
		"Project/Team: Lead": "project_team_lead",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableNames(t *testing.T) {
	t.Parallel()
	tables := []tableSchema{
		{ID: "tbl00000000000001", Name: "Tasks"}, {ID: "tbl00000000000002", Name: "tasks"},
		{ID: "tbl00000000000003", Name: "Table"}, {ID: "tbl00000000000004", Name: "Base"},
		{ID: "tbl00000000000005", Name: "2024 Sales"}, {ID: "tbl00000000000006", Name: "看板"},
		{ID: "tbl00000000000007", Name: "Sales Leads"},
	}
	got := tableNames(tables)
	want := map[string]string{
		"tbl00000000000001": "tasks", "tbl00000000000002": "tasks_2", "tbl00000000000003": "table_2",
		"tbl00000000000004": "base_2", "tbl00000000000005": "t_2024_sales", "tbl00000000000006": "table_3",
		"tbl00000000000007": "sales_leads",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("table %s is named %q, want %q", id, got[id], w)
		}
		if !providers.ValidCollectionName(got[id]) {
			t.Errorf("%q is no collection name", got[id])
		}
	}
}

func TestColumns(t *testing.T) {
	t.Parallel()
	opts := func(s string) json.RawMessage { return json.RawMessage(s) }
	tbl := tableSchema{ID: "tbl00000000000001", Name: "T", Fields: []fieldSchema{
		{Name: "Name", Type: "singleLineText"},
		{Name: "ID", Type: "autoNumber"},
		{Name: "Created Time", Type: "createdTime"},
		{Name: "Amount", Type: "currency"},
		{Name: "Stars", Type: "rating"},
		{Name: "Paid", Type: "checkbox"},
		{Name: "Due", Type: "date"},
		{Name: "At", Type: "dateTime"},
		{Name: "Tags", Type: "multipleSelects"},
		{Name: "Links", Type: "multipleRecordLinks"},
		{Name: "Owner", Type: "singleCollaborator"},
		{Name: "Files", Type: "multipleAttachments"},
		{Name: "Total", Type: "formula", Options: opts(`{"result":{"type":"currency","options":{"precision":2}}}`)},
		{Name: "Flag", Type: "formula", Options: opts(`{"result":{"type":"checkbox"}}`)},
		{Name: "Sum", Type: "rollup", Options: opts(`{"result":null}`)},
		{Name: "v1.2", Type: "singleLineText"},
		{Name: "name", Type: "multilineText"},
		{Name: "Brand new type", Type: "somethingNew"},
	}}
	got := map[string]providers.Field{}
	for _, f := range columns(tbl) {
		got[f.Name] = f
	}
	want := map[string]struct {
		typ, path string
		mutable   bool
	}{
		"created_time":   {"timestamptz", "createdTime", false},
		"name":           {"text", "fields.Name", true},
		"id_2":           {"bigint", "fields.ID", false},
		"created_time_2": {"timestamptz", "fields.Created Time", false},
		"amount":         {"numeric", "fields.Amount", true},
		"stars":          {"integer", "fields.Stars", true},
		"paid":           {"boolean", "fields.Paid", true},
		"due":            {"date", "fields.Due", true},
		"at":             {"timestamptz", "fields.At", true},
		"tags":           {"text[]", "fields.Tags", true},
		"links":          {"text[]", "fields.Links", true},
		"owner":          {"jsonb", "fields.Owner", true},
		"files":          {"jsonb", "fields.Files", true},
		"total":          {"numeric", "fields.Total", false},
		"flag":           {"boolean", "fields.Flag", false},
		"sum":            {"jsonb", "fields.Sum", false},
		"name_2":         {"text", "fields.name", true},
		"brand_new_type": {"jsonb", "fields.Brand new type", true},
	}
	for name, w := range want {
		f, ok := got[name]
		if !ok || f.Type != w.typ || f.Path != w.path || f.Mutable != w.mutable {
			t.Errorf("column %s = %+v (present %v), want %+v", name, f, ok, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d columns, want %d (a field named with a dot gets none): %v", len(got), len(want), got)
	}
	c := (&Provider{}).recordCollection(tbl, "t", false)
	if err := providers.ValidateCollection(Name, c); err != nil {
		t.Errorf("the columns do not make a valid collection: %v", err)
	}
}
