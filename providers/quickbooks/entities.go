package quickbooks

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// entity describes one QuickBooks entity as data; buildCollections turns it into a collection.
type entity struct {
	name        string // API entity name, e.g. "Customer"
	description string
	fields      []providers.Field
	// nameList entities (customers, items, vendors, accounts) cannot be deleted in QuickBooks: they are
	// made inactive, which QuickBooks' own interface calls deleting. An inactive one is reported as a
	// delete, and queries (which return only active ones) agree.
	nameList bool
	mutable  bool
}

// collection name and URL segment of the entity.
func (e *entity) collectionName() string { return strings.ToLower(e.name) }
func (e *entity) collectionID() string   { return Name + ":" + e.collectionName() }

// common fields every entity has.
func common(fields ...providers.Field) []providers.Field {
	return append(fields,
		providers.Field{Name: "sync_token", Type: "text", Path: "SyncToken"},
		providers.Field{Name: "created_at", Type: "timestamptz", Path: "MetaData.CreateTime"},
		providers.Field{Name: "updated_at", Type: "timestamptz", Path: "MetaData.LastUpdatedTime"},
	)
}

var entities = []*entity{
	{name: "Customer", nameList: true, mutable: true, description: "Customers (and jobs) of the company; inactive ones count as deleted.",
		fields: common(
			providers.Field{Name: "display_name", Type: "text", Path: "DisplayName", Mutable: true},
			providers.Field{Name: "given_name", Type: "text", Path: "GivenName", Mutable: true},
			providers.Field{Name: "family_name", Type: "text", Path: "FamilyName", Mutable: true},
			providers.Field{Name: "company_name", Type: "text", Path: "CompanyName", Mutable: true},
			providers.Field{Name: "email", Type: "text", Path: "PrimaryEmailAddr.Address", Mutable: true},
			providers.Field{Name: "phone", Type: "text", Path: "PrimaryPhone.FreeFormNumber", Mutable: true},
			providers.Field{Name: "bill_addr", Type: "jsonb", Path: "BillAddr", Mutable: true},
			providers.Field{Name: "balance", Type: "numeric", Path: "Balance"},
			providers.Field{Name: "currency", Type: "text", Path: "CurrencyRef.value"},
			providers.Field{Name: "taxable", Type: "boolean", Path: "Taxable", Mutable: true},
			providers.Field{Name: "active", Type: "boolean", Path: "Active"},
		)},
	{name: "Invoice", description: "Invoices (sales on credit).",
		fields: common(
			providers.Field{Name: "doc_number", Type: "text", Path: "DocNumber"},
			providers.Field{Name: "txn_date", Type: "date", Path: "TxnDate"},
			providers.Field{Name: "due_date", Type: "date", Path: "DueDate"},
			providers.Field{Name: "customer_id", Type: "text", Path: "CustomerRef.value"},
			providers.Field{Name: "total_amt", Type: "numeric", Path: "TotalAmt"},
			providers.Field{Name: "balance", Type: "numeric", Path: "Balance"},
			providers.Field{Name: "currency", Type: "text", Path: "CurrencyRef.value"},
			providers.Field{Name: "email_status", Type: "text", Path: "EmailStatus"},
			providers.Field{Name: "line", Type: "jsonb", Path: "Line"},
		)},
	{name: "Payment", description: "Payments received from customers.",
		fields: common(
			providers.Field{Name: "txn_date", Type: "date", Path: "TxnDate"},
			providers.Field{Name: "customer_id", Type: "text", Path: "CustomerRef.value"},
			providers.Field{Name: "total_amt", Type: "numeric", Path: "TotalAmt"},
			providers.Field{Name: "unapplied_amt", Type: "numeric", Path: "UnappliedAmt"},
			providers.Field{Name: "line", Type: "jsonb", Path: "Line"},
		)},
	{name: "Item", nameList: true, description: "Products and services sold or bought; inactive ones count as deleted.",
		fields: common(
			providers.Field{Name: "name", Type: "text", Path: "Name"},
			providers.Field{Name: "type", Type: "text", Path: "Type"},
			providers.Field{Name: "description", Type: "text", Path: "Description"},
			providers.Field{Name: "unit_price", Type: "numeric", Path: "UnitPrice"},
			providers.Field{Name: "income_account_id", Type: "text", Path: "IncomeAccountRef.value"},
			providers.Field{Name: "taxable", Type: "boolean", Path: "Taxable"},
			providers.Field{Name: "active", Type: "boolean", Path: "Active"},
		)},
	{name: "Vendor", nameList: true, description: "Vendors (suppliers); inactive ones count as deleted.",
		fields: common(
			providers.Field{Name: "display_name", Type: "text", Path: "DisplayName"},
			providers.Field{Name: "company_name", Type: "text", Path: "CompanyName"},
			providers.Field{Name: "email", Type: "text", Path: "PrimaryEmailAddr.Address"},
			providers.Field{Name: "balance", Type: "numeric", Path: "Balance"},
			providers.Field{Name: "vendor_1099", Type: "boolean", Path: "Vendor1099"},
			providers.Field{Name: "active", Type: "boolean", Path: "Active"},
		)},
	{name: "Bill", description: "Bills (payables) from vendors.",
		fields: common(
			providers.Field{Name: "vendor_id", Type: "text", Path: "VendorRef.value"},
			providers.Field{Name: "txn_date", Type: "date", Path: "TxnDate"},
			providers.Field{Name: "due_date", Type: "date", Path: "DueDate"},
			providers.Field{Name: "total_amt", Type: "numeric", Path: "TotalAmt"},
			providers.Field{Name: "balance", Type: "numeric", Path: "Balance"},
			providers.Field{Name: "line", Type: "jsonb", Path: "Line"},
		)},
	{name: "Account", nameList: true, description: "The chart of accounts; inactive accounts count as deleted.",
		fields: common(
			providers.Field{Name: "name", Type: "text", Path: "Name"},
			providers.Field{Name: "fully_qualified_name", Type: "text", Path: "FullyQualifiedName"},
			providers.Field{Name: "account_type", Type: "text", Path: "AccountType"},
			providers.Field{Name: "account_sub_type", Type: "text", Path: "AccountSubType"},
			providers.Field{Name: "classification", Type: "text", Path: "Classification"},
			providers.Field{Name: "current_balance", Type: "numeric", Path: "CurrentBalance"},
			providers.Field{Name: "active", Type: "boolean", Path: "Active"},
		)},
}

// collection builds the providers.Collection of e.
func (e *entity) collection() *providers.Collection {
	c := &providers.Collection{
		ID: e.collectionID(), Name: e.collectionName(), Description: e.description, Fields: e.fields,
		Deletes:    providers.DeletesInChanges,
		Backfill:   e.backfill,
		Checkpoint: checkpoint,
		Changes:    e.changes,
		Get:        e.get,
	}
	if e.mutable {
		c.Mutate = e.mutate
		c.MutationKinds = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
	}
	return c
}

func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(entities))
	for i, e := range entities {
		out[i] = e.collection()
	}
	return out
}

// head is what the provider reads of every object.
type head struct {
	ID       string `json:"Id"`
	Status   string `json:"status"`
	Active   *bool  `json:"Active"`
	Token    string `json:"SyncToken"`
	MetaData struct {
		LastUpdatedTime string `json:"LastUpdatedTime"`
	} `json:"MetaData"`
}

// record turns an object into a record: its version time is MetaData.LastUpdatedTime, and a deleted
// transaction (status "Deleted") or an inactive name-list entity is a delete.
func (e *entity) record(raw json.RawMessage) (providers.Record, head, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return providers.Record{}, h, providers.Malformed(err, "decoding a %s: %v", e.name, err)
	}
	if h.ID == "" {
		return providers.Record{}, h, providers.Malformed(nil, "a %s without Id", e.name)
	}
	at, err := time.Parse(time.RFC3339, h.MetaData.LastUpdatedTime)
	if err != nil {
		return providers.Record{}, h, providers.Malformed(err, "%s %s: MetaData.LastUpdatedTime %q: %v", e.name, h.ID, h.MetaData.LastUpdatedTime, err)
	}
	rec := providers.Record{ID: h.ID, UpdatedAt: at, Data: raw}
	switch {
	case strings.EqualFold(h.Status, "Deleted"):
		rec.Deleted, rec.Data = true, nil
	case e.nameList && h.Active != nil && !*h.Active:
		rec.Deleted = true
	}
	return rec, h, nil
}

// get reads one object; an inactive name-list entity comes back as deleted.
func (e *entity) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	resp, err := s.Client.Do(ctx, &providers.Request{Method: "GET", Path: companyBase(s) + "/" + e.collectionName() + "/" + url.PathEscape(id),
		Query: url.Values{"minorversion": {MinorVersion}}})
	if err != nil {
		return nil, err
	}
	return e.single(resp)
}

// single reads {"<Entity>": {...}, "time": ...}.
func (e *entity) single(resp *providers.Response) (*providers.Record, error) {
	var body map[string]json.RawMessage
	if err := resp.DecodeJSON(&body); err != nil {
		return nil, err
	}
	raw, ok := body[e.name]
	if !ok {
		return nil, providers.Malformed(nil, "the answer holds no %s", e.name)
	}
	rec, _, err := e.record(raw)
	if err != nil {
		return nil, err
	}
	return &rec, nil
}
