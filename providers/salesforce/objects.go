package salesforce

import "github.com/sequinsync/sequin/providers"

// The declared objects have a fixed core set of typed columns, so that their tables can be created
// and validated without asking the org; their records in _data hold every field describe lists at
// the time of the query (custom fields included). Any other object is a discovered collection whose
// columns come from describe.

// col is a declared column: its API name, its describe type, and whether a mutation may write it.
type col struct {
	api, typ string
	write    bool
}

func r(api, typ string) col { return col{api: api, typ: typ} }
func w(api, typ string) col { return col{api: api, typ: typ, write: true} }

// audit are the columns every declared object has.
var audit = []col{
	r("CreatedDate", "datetime"), r("CreatedById", "reference"), r("LastModifiedDate", "datetime"),
	r("LastModifiedById", "reference"), r("SystemModstamp", "datetime"),
}

// declaredColumns turns declared columns into typed fields, named like discovered ones.
func declaredColumns(cols ...[]col) []providers.Field {
	var out []providers.Field
	for _, group := range cols {
		for _, c := range group {
			out = append(out, providers.Field{Name: columnName(c.api), Type: columnType(c.typ), Path: c.api, Mutable: c.write})
		}
	}
	return out
}

var (
	createUpdateDelete = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
	updateOnly         = []providers.MutationKind{providers.MutationUpdate}
)

// declared are the objects every org has, in catalogue order.
var declared = []*sobjectType{
	{
		api: "Account", description: "Accounts: the companies and organisations the org does business with.",
		fields: declaredColumns([]col{
			w("Name", "string"), w("Type", "picklist"), w("ParentId", "reference"), w("AccountNumber", "string"),
			w("Industry", "picklist"), w("AnnualRevenue", "currency"), w("NumberOfEmployees", "int"),
			w("Phone", "phone"), w("Website", "url"), w("Rating", "picklist"), w("Description", "textarea"),
			r("BillingAddress", "address"), r("ShippingAddress", "address"), w("BillingCity", "string"),
			w("BillingCountry", "string"), w("OwnerId", "reference"), r("IsDeleted", "boolean"),
		}, audit),
		stamp: "SystemModstamp", queryAll: true, deletes: providers.DeletesInChanges, mutations: createUpdateDelete,
	},
	{
		api: "Contact", description: "Contacts: people, usually at an account.",
		fields: declaredColumns([]col{
			w("AccountId", "reference"), w("Salutation", "picklist"), w("FirstName", "string"), w("LastName", "string"),
			r("Name", "string"), w("Title", "string"), w("Email", "email"), w("Phone", "phone"),
			w("MobilePhone", "phone"), w("Birthdate", "date"), w("LeadSource", "picklist"), w("Department", "string"),
			r("MailingAddress", "address"), w("HasOptedOutOfEmail", "boolean"), w("OwnerId", "reference"),
			r("IsDeleted", "boolean"),
		}, audit),
		stamp: "SystemModstamp", queryAll: true, deletes: providers.DeletesInChanges, mutations: createUpdateDelete,
	},
	{
		api: "Lead", description: "Leads: prospects not yet qualified, and the accounts, contacts and opportunities they became.",
		fields: declaredColumns([]col{
			w("FirstName", "string"), w("LastName", "string"), r("Name", "string"), w("Company", "string"),
			w("Title", "string"), w("Email", "email"), w("Phone", "phone"), w("Status", "picklist"),
			w("LeadSource", "picklist"), w("Industry", "picklist"), w("Rating", "picklist"),
			w("AnnualRevenue", "currency"), w("NumberOfEmployees", "int"), r("Address", "address"),
			r("IsConverted", "boolean"), r("ConvertedDate", "date"), r("ConvertedAccountId", "reference"),
			r("ConvertedContactId", "reference"), r("ConvertedOpportunityId", "reference"), w("OwnerId", "reference"),
			r("IsDeleted", "boolean"),
		}, audit),
		stamp: "SystemModstamp", queryAll: true, deletes: providers.DeletesInChanges, mutations: createUpdateDelete,
	},
	{
		api: "Opportunity", description: "Opportunities: deals in progress, won or lost.",
		fields: declaredColumns([]col{
			w("AccountId", "reference"), w("Name", "string"), w("StageName", "picklist"), w("Amount", "currency"),
			w("Probability", "percent"), w("CloseDate", "date"), w("Type", "picklist"), w("LeadSource", "picklist"),
			w("NextStep", "string"), r("IsClosed", "boolean"), r("IsWon", "boolean"),
			w("ForecastCategoryName", "picklist"), w("OwnerId", "reference"), r("IsDeleted", "boolean"),
		}, audit),
		stamp: "SystemModstamp", queryAll: true, deletes: providers.DeletesInChanges, mutations: createUpdateDelete,
	},
	{
		api: "Task", description: "Tasks: to-dos, calls and emails logged against contacts, leads, accounts and opportunities (archived ones included).",
		fields: declaredColumns([]col{
			w("WhoId", "reference"), w("WhatId", "reference"), w("Subject", "combobox"), w("ActivityDate", "date"),
			w("Status", "picklist"), w("Priority", "picklist"), r("IsClosed", "boolean"), w("TaskSubtype", "picklist"),
			w("CallDurationInSeconds", "int"), w("OwnerId", "reference"), r("IsArchived", "boolean"),
			r("IsDeleted", "boolean"),
		}, audit),
		stamp: "SystemModstamp", queryAll: true, deletes: providers.DeletesInChanges, mutations: createUpdateDelete,
	},
	{
		// Users cannot be deleted, only deactivated (IsActive), which is an update.
		api: "User", description: "Users of the org, active and inactive.",
		fields: declaredColumns([]col{
			w("Username", "string"), w("FirstName", "string"), w("LastName", "string"), r("Name", "string"),
			w("Email", "email"), w("Alias", "string"), w("IsActive", "boolean"), r("UserType", "picklist"),
			w("ProfileId", "reference"), w("Title", "string"), w("Department", "string"),
			w("TimeZoneSidKey", "picklist"), r("LastLoginDate", "datetime"),
		}, audit),
		stamp: "SystemModstamp", deletes: providers.DeletesNone, mutations: updateOnly,
	},
}
