package salesforce

import (
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/providertest"
)

func TestColumnName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Name": "name", "SystemModstamp": "system_modstamp", "CreatedById": "created_by_id",
		"BillingPostalCode": "billing_postal_code", "SLAExpirationDate__c": "sla_expiration_date__c",
		"Amount__c": "amount__c", "Billing_Location__Latitude__s": "billing_location__latitude__s",
		"NumberOfEmployees": "number_of_employees", "IsDeleted": "is_deleted", "Address2__c": "address2__c",
		"npe01__One2OneContact__c": "npe01__one2_one_contact__c", "ID": "id",
	} {
		if got := columnName(in); got != want {
			t.Errorf("columnName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColumns(t *testing.T) {
	t.Parallel()
	fields := []describeField{
		{Name: "Id", Type: "id"}, {Name: "Name", Type: "string", Createable: true}, {Name: "Amount__c", Type: "currency"},
		{Name: "Paid__c", Type: "boolean"}, {Name: "Count__c", Type: "int"}, {Name: "Due__c", Type: "date"},
		{Name: "At__c", Type: "datetime"}, {Name: "BillingAddress", Type: "address"}, {Name: "Where__c", Type: "location"},
		{Name: "Body", Type: "base64"}, {Name: "Pct__c", Type: "percent"}, {Name: "Tags__c", Type: "multipicklist"},
		{Name: "Odd__c", Type: "somethingnew"}, {Name: "Foo_Bar__c", Type: "string"}, {Name: "FooBar__c", Type: "string"},
	}
	got := map[string]providers.Field{}
	for _, f := range columns(fields) {
		got[f.Name] = f
	}
	want := map[string]string{
		"name": "text", "amount__c": "numeric", "paid__c": "boolean", "count__c": "bigint", "due__c": "date",
		"at__c": "timestamptz", "billing_address": "jsonb", "where__c": "jsonb", "pct__c": "numeric", "tags__c": "text",
		"odd__c": "jsonb", "foo_bar__c": "text", "foo_bar__c_2": "text",
	}
	if len(got) != len(want) {
		t.Errorf("columns %v, want %v", got, want)
	}
	for name, typ := range want {
		if got[name].Type != typ {
			t.Errorf("column %s: %+v, want type %s", name, got[name], typ)
		}
	}
	if got["name"].Path != "Name" || !got["name"].Mutable || got["amount__c"].Mutable {
		t.Errorf("paths and mutability: %+v %+v", got["name"], got["amount__c"])
	}
	if _, ok := got["id"]; ok {
		t.Error("Id became a column")
	}
}

func TestDeclaredColumnsAreValid(t *testing.T) {
	t.Parallel()
	if err := providers.Validate(New()); err != nil {
		t.Fatal(err)
	}
	for _, c := range New().Collections() {
		if len(c.Fields) < 8 {
			t.Errorf("%s declares only %d columns", c.ID, len(c.Fields))
		}
	}
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	sess, _ := newUpstream(t, providertest.UpstreamOptions{Seed: 1})
	p := New().(*Provider)
	c, err := p.DiscoverCollection(t.Context(), sess, "invoice__c")
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, f := range c.Fields {
		types[f.Name] = f.Type
	}
	for name, typ := range map[string]string{
		"name": "text", "account__c": "text", "amount__c": "numeric", "status__c": "text", "due_date__c": "date",
		"paid__c": "boolean", "issued_at__c": "timestamptz", "line_count__c": "bigint", "discount__c": "numeric",
		"billing_location__c": "jsonb", "system_modstamp": "timestamptz", "is_deleted": "boolean",
	} {
		if types[name] != typ {
			t.Errorf("column %s: %q, want %q", name, types[name], typ)
		}
	}
	if c.ID != "salesforce:invoice__c" || c.Deletes != providers.DeletesInChanges || c.Changes == nil ||
		!c.Mutable(providers.MutationCreate) || !c.Mutable(providers.MutationDelete) {
		t.Errorf("discovered %+v", c)
	}
	if d, err := p.DiscoverCollection(t.Context(), sess, "account"); err != nil || d != p.byName["account"] {
		t.Errorf("a declared name: %v, %v", d, err)
	}
	for _, missing := range []string{"accountfeed", "nope__c", "Invoice__c", "invoice__c; drop"} {
		if _, err := p.DiscoverCollection(t.Context(), sess, missing); !providers.IsNotFound(err) {
			t.Errorf("DiscoverCollection(%q) = %v, want not found", missing, err)
		}
	}
}
