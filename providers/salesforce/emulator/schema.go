package emulator

import "strings"

// field is one field of an sObject as describe reports it.
type field struct {
	name string
	// typ is the describe type: id, boolean, string, textarea, picklist, phone, url, email, currency,
	// double, percent, int, date, datetime, reference, address, location.
	typ string
	// createable and updateable say whether a write may set the field.
	createable, updateable bool
	// required fields must be set on create (nillable false and no default).
	required bool
	// externalID marks a unique external id, usable for upserts.
	externalID bool
	// compound names the address or location field this one is a component of; the compound field
	// itself is computed from its components and cannot be written.
	compound string
	// referenceTo names the objects a reference points to.
	referenceTo []string
	// length is the maximum length of a text field.
	length int
}

// sobject is one object type of the org.
type sobject struct {
	name, label, prefix string
	custom              bool
	queryable           bool
	replicateable       bool
	createable          bool
	updateable          bool
	deletable           bool
	fields              []*field
	byName              map[string]*field // lower-cased name -> field
}

// fieldNamed finds a field case-insensitively, as SOQL and the REST API do.
func (o *sobject) fieldNamed(name string) *field { return o.byName[strings.ToLower(name)] }

// components returns the component fields of a compound field, in declaration order.
func (o *sobject) components(compound string) []*field {
	var out []*field
	for _, f := range o.fields {
		if f.compound == compound {
			out = append(out, f)
		}
	}
	return out
}

// hasField reports whether the object has a field of that exact name.
func (o *sobject) hasField(name string) bool { return o.fieldNamed(name) != nil }

// Field constructors keep the catalogue readable.
func rw(name, typ string) *field {
	return &field{name: name, typ: typ, createable: true, updateable: true}
}
func ro(name, typ string) *field { return &field{name: name, typ: typ} }
func req(f *field) *field        { f.required = true; return f }
func ref(name string, to ...string) *field {
	f := rw(name, "reference")
	f.referenceTo = to
	return f
}
func roRef(name string, to ...string) *field {
	f := ro(name, "reference")
	f.referenceTo = to
	return f
}

// text is a writable text field of a given type and length.
func text(name, typ string, length int) *field {
	f := rw(name, typ)
	f.length = length
	return f
}

// address returns a compound address field with its writable components: prefix "Billing" gives
// BillingStreet, BillingCity, ..., and the compound BillingAddress.
func address(prefix string) []*field {
	compound := prefix + "Address"
	parts := []*field{
		text(prefix+"Street", "textarea", 255), text(prefix+"City", "string", 40),
		text(prefix+"State", "string", 80), text(prefix+"PostalCode", "string", 20),
		text(prefix+"Country", "string", 80), rw(prefix+"Latitude", "double"), rw(prefix+"Longitude", "double"),
		text(prefix+"GeocodeAccuracy", "picklist", 40),
	}
	for _, p := range parts {
		p.compound = compound
	}
	return append(parts, ro(compound, "address"))
}

// location returns a compound geolocation custom field with its components.
func location(name string) []*field {
	base := strings.TrimSuffix(name, "__c")
	lat, lon := rw(base+"__Latitude__s", "double"), rw(base+"__Longitude__s", "double")
	lat.compound, lon.compound = name, name
	return []*field{lat, lon, ro(name, "location")}
}

// system returns the audit fields every object has, plus IsDeleted and OwnerId where it has them.
func system(deletable, owned bool) []*field {
	fs := []*field{ro("Id", "id")}
	if deletable {
		fs = append(fs, ro("IsDeleted", "boolean"))
	}
	if owned {
		fs = append(fs, ref("OwnerId", "User"))
	}
	return append(fs,
		ro("CreatedDate", "datetime"), roRef("CreatedById", "User"),
		ro("LastModifiedDate", "datetime"), roRef("LastModifiedById", "User"),
		ro("SystemModstamp", "datetime"))
}

// mutationIDField is the custom external id field the emulator's org has on Account and Invoice__c,
// as an org would add one for idempotent creates.
const mutationIDField = "Sequin_Mutation_Id__c"

func externalID(name string) *field {
	f := text(name, "string", 80)
	f.externalID = true
	return f
}

func concat(groups ...[]*field) []*field {
	var out []*field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// catalogue is the org's schema: the same in every emulator, so a collection discovered against one
// works against another.
var catalogue = buildCatalogue()

func buildCatalogue() []*sobject {
	objs := []*sobject{
		{name: "Account", label: "Account", prefix: "001", fields: concat(system(true, true), []*field{
			req(text("Name", "string", 255)), text("Type", "picklist", 255), ref("ParentId", "Account"),
			text("AccountNumber", "string", 40), text("Phone", "phone", 40), text("Fax", "phone", 40),
			text("Website", "url", 255), text("Industry", "picklist", 255), rw("AnnualRevenue", "currency"),
			rw("NumberOfEmployees", "int"), text("Ownership", "picklist", 255), text("Rating", "picklist", 255),
			text("Description", "textarea", 32000), ro("LastActivityDate", "date"), externalID(mutationIDField),
		}, address("Billing"), address("Shipping"))},
		{name: "Contact", label: "Contact", prefix: "003", fields: concat(system(true, true), []*field{
			ref("AccountId", "Account"), text("Salutation", "picklist", 40), text("FirstName", "string", 40),
			req(text("LastName", "string", 80)), ro("Name", "string"), text("Title", "string", 128),
			text("Email", "email", 80), text("Phone", "phone", 40), text("MobilePhone", "phone", 40),
			rw("Birthdate", "date"), text("LeadSource", "picklist", 255), text("Department", "string", 80),
			rw("HasOptedOutOfEmail", "boolean"), text("Description", "textarea", 32000), ref("ReportsToId", "Contact"),
		}, address("Mailing"))},
		{name: "Lead", label: "Lead", prefix: "00Q", fields: concat(system(true, true), []*field{
			text("FirstName", "string", 40), req(text("LastName", "string", 80)), ro("Name", "string"),
			req(text("Company", "string", 255)), text("Title", "string", 128), text("Email", "email", 80),
			text("Phone", "phone", 40), text("Status", "picklist", 255), text("LeadSource", "picklist", 255),
			text("Industry", "picklist", 255), text("Rating", "picklist", 255), rw("AnnualRevenue", "currency"),
			rw("NumberOfEmployees", "int"), ro("IsConverted", "boolean"), ro("ConvertedDate", "date"),
			roRef("ConvertedAccountId", "Account"), roRef("ConvertedContactId", "Contact"),
			roRef("ConvertedOpportunityId", "Opportunity"), text("Description", "textarea", 32000),
		}, address(""))},
		{name: "Opportunity", label: "Opportunity", prefix: "006", fields: concat(system(true, true), []*field{
			ref("AccountId", "Account"), req(text("Name", "string", 120)), req(text("StageName", "picklist", 255)),
			rw("Amount", "currency"), rw("Probability", "percent"), req(rw("CloseDate", "date")),
			text("Type", "picklist", 255), text("LeadSource", "picklist", 255), text("NextStep", "string", 255),
			ro("IsClosed", "boolean"), ro("IsWon", "boolean"), text("ForecastCategoryName", "picklist", 255),
			text("Description", "textarea", 32000),
		})},
		{name: "Task", label: "Task", prefix: "00T", fields: concat(system(true, true), []*field{
			ref("WhoId", "Contact", "Lead"), ref("WhatId", "Account", "Opportunity"), text("Subject", "combobox", 255),
			rw("ActivityDate", "date"), text("Status", "picklist", 255), text("Priority", "picklist", 255),
			ro("IsClosed", "boolean"), text("Description", "textarea", 32000), text("TaskSubtype", "picklist", 255),
			rw("CallDurationInSeconds", "int"), ro("IsArchived", "boolean"), rw("ReminderDateTime", "datetime"),
		})},
		{name: "User", label: "User", prefix: "005", fields: concat(system(false, false), []*field{
			req(text("Username", "string", 80)), text("FirstName", "string", 40), req(text("LastName", "string", 80)),
			ro("Name", "string"), req(text("Email", "email", 128)), req(text("Alias", "string", 8)),
			rw("IsActive", "boolean"), ro("UserType", "picklist"), ref("ProfileId", "Profile"),
			text("TimeZoneSidKey", "picklist", 40), text("LocaleSidKey", "picklist", 40),
			text("Title", "string", 80), text("Department", "string", 80), ro("LastLoginDate", "datetime"),
		})},
		{name: "Invoice__c", label: "Invoice", prefix: "a0B", custom: true, fields: concat(system(true, true), []*field{
			req(text("Name", "string", 80)), ref("Account__c", "Account"), rw("Amount__c", "currency"),
			text("Status__c", "picklist", 255), rw("Due_Date__c", "date"), rw("Paid__c", "boolean"),
			rw("Issued_At__c", "datetime"), rw("Line_Count__c", "int"), rw("Discount__c", "percent"),
			text("Notes__c", "textarea", 32768), externalID(mutationIDField),
		}, location("Billing_Location__c"))},
		// An object the API lists but that cannot be queried, like many setup and feed objects.
		{name: "AccountFeed", label: "Account Feed", prefix: "0D5", fields: []*field{ro("Id", "id")}},
	}
	for _, o := range objs {
		o.queryable = o.name != "AccountFeed"
		o.replicateable = o.queryable
		o.createable = o.queryable
		o.updateable = o.queryable
		o.deletable = o.queryable && o.name != "User"
		o.byName = map[string]*field{}
		for _, f := range o.fields {
			if f.length == 0 && (f.typ == "string" || f.typ == "picklist" || f.typ == "phone" || f.typ == "reference" || f.typ == "id") {
				f.length = 255
			}
			o.byName[strings.ToLower(f.name)] = f
		}
	}
	return objs
}

// objectNamed finds an object case-insensitively.
func objectNamed(name string) *sobject {
	for _, o := range catalogue {
		if strings.EqualFold(o.name, name) {
			return o
		}
	}
	return nil
}

// Objects lists the queryable objects the emulator seeds, by API name.
var Objects = func() []string {
	var out []string
	for _, o := range catalogue {
		if o.queryable {
			out = append(out, o.name)
		}
	}
	return out
}()
