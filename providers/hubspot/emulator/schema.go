package emulator

import (
	"slices"
	"sort"
)

// propType is the type of a HubSpot property, which decides how values are validated, normalised
// and compared by search filters.
type propType int

const (
	tString propType = iota
	tNumber
	tDatetime
	tBool
	tEnum
)

// propDef is one property of an object type.
type propDef struct {
	name     string
	typ      propType
	readOnly bool
	unique   bool
	options  []string // allowed values of an enumeration
}

// objectType is one CRM object type the emulator serves at /crm/v3/objects/<name>.
type objectType struct {
	// name is the path segment and collection name, e.g. "contacts".
	name string
	// singular is the webhook subscription prefix, e.g. "contact".
	singular string
	// typeID is HubSpot's object type id, e.g. "0-1".
	typeID string
	// modified is the last-modified property: "lastmodifieddate" for contacts, "hs_lastmodifieddate"
	// for the others.
	modified string
	// defaults are the properties returned when a request names none.
	defaults []string
	props    map[string]*propDef
	// firstID is the first id handed out.
	firstID int64
}

// prop looks up a property definition.
func (t *objectType) prop(name string) *propDef { return t.props[name] }

// uniqueProps lists the properties with unique values, in a stable order.
func (t *objectType) uniqueProps() []string {
	var out []string
	for n, p := range t.props {
		if p.unique {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// propertyNames lists every property name, sorted.
func (t *objectType) propertyNames() []string {
	out := make([]string, 0, len(t.props))
	for n := range t.props {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func str(name string) *propDef      { return &propDef{name: name, typ: tString} }
func num(name string) *propDef      { return &propDef{name: name, typ: tNumber} }
func datetime(name string) *propDef { return &propDef{name: name, typ: tDatetime} }
func boolean(name string) *propDef  { return &propDef{name: name, typ: tBool} }
func enum(name string, options ...string) *propDef {
	return &propDef{name: name, typ: tEnum, options: options}
}

// Enumeration options, shared with the seeder.
var (
	lifecycleStages = []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"}
	leadStatuses    = []string{"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"}
	industries      = []string{"COMPUTER_SOFTWARE", "INFORMATION_TECHNOLOGY_AND_SERVICES", "MARKETING_AND_ADVERTISING", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "RETAIL", "HIGHER_EDUCATION", "CONSTRUCTION"}
	companyTypes    = []string{"PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"}
	dealStages      = []string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}
	dealTypes       = []string{"newbusiness", "existingbusiness"}
	priorities      = []string{"low", "medium", "high"}
	ticketPriority  = []string{"LOW", "MEDIUM", "HIGH", "URGENT"}
	ticketCategory  = []string{"PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY"}
	ticketStages    = []string{"1", "2", "3", "4"}
	ticketSources   = []string{"EMAIL", "CHAT", "PHONE", "FORM"}
	billingPeriods  = []string{"P1M", "P3M", "P6M", "P12M"}
)

// common adds the properties every object type has: its id, creation and modification times and the
// unique creation key used for idempotent creates.
func common(modified string, defs ...*propDef) map[string]*propDef {
	m := map[string]*propDef{
		"hs_object_id":           {name: "hs_object_id", typ: tNumber, readOnly: true},
		"createdate":             {name: "createdate", typ: tDatetime, readOnly: true},
		modified:                 {name: modified, typ: tDatetime, readOnly: true},
		"hs_unique_creation_key": {name: "hs_unique_creation_key", typ: tString, unique: true},
		"hubspot_owner_id":       {name: "hubspot_owner_id", typ: tEnum}, // options are the owners' ids
	}
	for _, d := range defs {
		m[d.name] = d
	}
	return m
}

// The served object types.
var (
	contacts = &objectType{
		name: "contacts", singular: "contact", typeID: "0-1", modified: "lastmodifieddate", firstID: 51,
		defaults: []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
		props: common("lastmodifieddate",
			&propDef{name: "email", typ: tString, unique: true},
			str("firstname"), str("lastname"), str("phone"), str("mobilephone"), str("company"), str("jobtitle"),
			str("website"), str("address"), str("city"), str("state"), str("zip"), str("country"),
			enum("lifecyclestage", lifecycleStages...), enum("hs_lead_status", leadStatuses...),
			num("associatedcompanyid"), datetime("notes_last_updated"),
		),
	}
	companies = &objectType{
		name: "companies", singular: "company", typeID: "0-2", modified: "hs_lastmodifieddate", firstID: 1001,
		defaults: []string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
		props: common("hs_lastmodifieddate",
			str("name"), str("domain"), enum("industry", industries...), str("phone"), str("address"), str("city"),
			str("state"), str("zip"), str("country"), str("website"), num("numberofemployees"), num("annualrevenue"),
			str("description"), enum("lifecyclestage", lifecycleStages...), enum("type", companyTypes...),
		),
	}
	deals = &objectType{
		name: "deals", singular: "deal", typeID: "0-3", modified: "hs_lastmodifieddate", firstID: 2001,
		defaults: []string{"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
		props: common("hs_lastmodifieddate",
			str("dealname"), num("amount"), enum("dealstage", dealStages...), enum("pipeline", "default", "2001"),
			datetime("closedate"), enum("dealtype", dealTypes...), str("description"), enum("hs_priority", priorities...),
			boolean("hs_is_closed"),
		),
	}
	tickets = &objectType{
		name: "tickets", singular: "ticket", typeID: "0-5", modified: "hs_lastmodifieddate", firstID: 3001,
		defaults: []string{"content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_priority", "subject"},
		props: common("hs_lastmodifieddate",
			str("subject"), str("content"), enum("hs_pipeline", "0"), enum("hs_pipeline_stage", ticketStages...),
			enum("hs_ticket_priority", ticketPriority...), enum("hs_ticket_category", ticketCategory...),
			enum("source_type", ticketSources...), datetime("closed_date"),
		),
	}
	lineItems = &objectType{
		name: "line_items", singular: "line_item", typeID: "0-8", modified: "hs_lastmodifieddate", firstID: 4001,
		defaults: []string{"amount", "createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price", "quantity"},
		props: common("hs_lastmodifieddate",
			str("name"), num("quantity"), num("price"), num("amount"), str("hs_product_id"), str("hs_sku"),
			str("description"), num("discount"), enum("hs_recurring_billing_period", billingPeriods...),
		),
	}
)

// objectTypes are the CRM object types in a stable order.
var objectTypes = []*objectType{contacts, companies, deals, tickets, lineItems}

// typeByName finds a CRM object type by path segment, singular name or type id, as HubSpot accepts.
func typeByName(name string) *objectType {
	for _, t := range objectTypes {
		if t.name == name || t.singular == name || t.typeID == name {
			return t
		}
	}
	return nil
}

// validOption reports whether v is an allowed value of an enumeration; owner ids are checked by the
// caller.
func (p *propDef) validOption(v string) bool {
	return len(p.options) == 0 || slices.Contains(p.options, v)
}
