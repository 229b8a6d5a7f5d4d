package hubspot

import (
	"slices"
	"sort"

	"github.com/sequinsync/sequin/providers"
)

// crmType describes one synced CRM object type as data; collection() turns it into a
// providers.Collection.
type crmType struct {
	// name is the collection (and table) name and the API's path segment, e.g. "contacts".
	name string
	// singular is the prefix of its webhook subscription types, e.g. "contact".
	singular string
	// typeID is HubSpot's object type id, e.g. "0-1", used by newer webhook events.
	typeID string
	// modified is the last-modified property the search filters and sorts on: "lastmodifieddate"
	// for contacts, "hs_lastmodifieddate" for the other types.
	modified    string
	description string
	// fields are the typed columns; those under "properties." name the properties requested.
	fields []providers.Field
	// extra are further properties requested and kept in _data without a column.
	extra []string
	// mutations are the accepted mutation kinds.
	mutations []providers.MutationKind
}

// collectionID is "hubspot:<name>".
func (t *crmType) collectionID() string { return Name + ":" + t.name }

// path is the object type's base path.
func (t *crmType) path() string { return "/crm/v3/objects/" + t.name }

// properties lists the properties requested for t: those of its columns and its extras, sorted.
func (t *crmType) properties() []string {
	var out []string
	for _, f := range t.fields {
		if p, ok := propertyOf(f); ok {
			out = append(out, p)
		}
	}
	out = append(out, t.extra...)
	sort.Strings(out)
	return slices.Compact(out)
}

// propertyOf returns the HubSpot property a field reads, if it reads one.
func propertyOf(f providers.Field) (string, bool) {
	const prefix = "properties."
	p := f.SourcePath()
	if len(p) > len(prefix) && p[:len(prefix)] == prefix {
		return p[len(prefix):], true
	}
	return "", false
}

// Field constructors keep the catalogue readable. CRM property values are strings in the API
// ("1500.00", "true", "2024-01-17T19:55:04.281Z"); the typed columns parse them.
func prop(name, typ string) providers.Field {
	return providers.Field{Name: name, Type: typ, Path: "properties." + name}
}
func text(name string) providers.Field    { return prop(name, "text") }
func number(name string) providers.Field  { return prop(name, "numeric") }
func integer(name string) providers.Field { return prop(name, "bigint") }
func stamp(name string) providers.Field   { return prop(name, "timestamptz") }
func flag(name string) providers.Field    { return prop(name, "boolean") }

// mut marks a field writable by mutations.
func mut(fs ...providers.Field) []providers.Field {
	for i := range fs {
		fs[i].Mutable = true
	}
	return fs
}

// crmFields adds the columns every CRM object has: its creation and update times and whether it is
// archived, read from the object itself rather than its properties.
func crmFields(groups ...[]providers.Field) []providers.Field {
	var out []providers.Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return append(out,
		providers.Field{Name: "created_at", Type: "timestamptz", Path: "createdAt"},
		providers.Field{Name: "updated_at", Type: "timestamptz", Path: "updatedAt"},
		providers.Field{Name: "archived", Type: "boolean"},
	)
}

// crmExtra are the properties every CRM object type requests beyond its columns.
func crmExtra(modified string, more ...string) []string {
	return append([]string{"hs_object_id", "createdate", modified, "hs_unique_creation_key"}, more...)
}

var createUpdateDelete = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}

// crmTypes is the catalogue of synced CRM object types.
var crmTypes = []*crmType{
	{
		name: "contacts", singular: "contact", typeID: "0-1", modified: "lastmodifieddate",
		description: "Contacts: the people the account does business with.",
		fields: crmFields(mut(
			text("email"), text("firstname"), text("lastname"), text("phone"), text("mobilephone"), text("company"),
			text("jobtitle"), text("website"), text("address"), text("city"), text("state"), text("zip"), text("country"),
			text("lifecyclestage"), text("hs_lead_status"), text("hubspot_owner_id"),
		), []providers.Field{integer("associatedcompanyid")}),
		extra:     crmExtra("lastmodifieddate", "notes_last_updated"),
		mutations: createUpdateDelete,
	},
	{
		name: "companies", singular: "company", typeID: "0-2", modified: "hs_lastmodifieddate",
		description: "Companies: the organisations the account does business with.",
		fields: crmFields(mut(
			text("name"), text("domain"), text("industry"), text("type"), text("phone"), text("address"), text("city"),
			text("state"), text("zip"), text("country"), text("website"), integer("numberofemployees"),
			number("annualrevenue"), text("description"), text("lifecyclestage"), text("hubspot_owner_id"),
		)),
		extra:     crmExtra("hs_lastmodifieddate"),
		mutations: createUpdateDelete,
	},
	{
		name: "deals", singular: "deal", typeID: "0-3", modified: "hs_lastmodifieddate",
		description: "Deals: sales opportunities moving through a pipeline's stages.",
		fields: crmFields(mut(
			text("dealname"), number("amount"), text("pipeline"), text("dealstage"), stamp("closedate"), text("dealtype"),
			text("description"), text("hs_priority"), text("hubspot_owner_id"),
		), []providers.Field{flag("hs_is_closed")}),
		extra:     crmExtra("hs_lastmodifieddate"),
		mutations: createUpdateDelete,
	},
	{
		name: "tickets", singular: "ticket", typeID: "0-5", modified: "hs_lastmodifieddate",
		description: "Tickets: customer service requests moving through a pipeline's stages.",
		fields: crmFields(mut(
			text("subject"), text("content"), text("hs_pipeline"), text("hs_pipeline_stage"), text("hs_ticket_priority"),
			text("hs_ticket_category"), text("source_type"), stamp("closed_date"), text("hubspot_owner_id"),
		)),
		extra:     crmExtra("hs_lastmodifieddate"),
		mutations: createUpdateDelete,
	},
	{
		name: "line_items", singular: "line_item", typeID: "0-8", modified: "hs_lastmodifieddate",
		description: "Line items: products sold in deals and quotes, with quantity and price.",
		fields: crmFields([]providers.Field{
			text("name"), number("quantity"), number("price"), number("amount"), text("hs_product_id"), text("hs_sku"),
			text("description"), number("discount"), text("hs_recurring_billing_period"),
		}),
		extra: crmExtra("hs_lastmodifieddate"),
	},
}

// crmByName finds a CRM type by collection name, webhook prefix or object type id.
func crmByName(name string) *crmType {
	for _, t := range crmTypes {
		if t.name == name || t.singular == name || t.typeID == name {
			return t
		}
	}
	return nil
}

// collection builds the providers.Collection for t.
func (t *crmType) collection() *providers.Collection {
	c := &providers.Collection{
		ID:          t.collectionID(),
		Name:        t.name,
		Description: t.description,
		Fields:      t.fields,
		Deletes:     providers.DeletesInChanges,
		Backfill:    t.backfill,
		Checkpoint:  t.checkpoint,
		Changes:     t.changes,
		Get:         t.get,
	}
	if len(t.mutations) > 0 {
		c.MutationKinds = t.mutations
		c.Mutate = t.mutate
	}
	return c
}

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, 0, len(crmTypes)+2)
	for _, t := range crmTypes {
		out = append(out, t.collection())
	}
	return append(out, ownersCollection(), pipelinesCollection())
}
