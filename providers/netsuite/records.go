package netsuite

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// recordType describes one synced record type as data; collection turns it into a
// providers.Collection.
type recordType struct {
	// name is the collection (and table) name.
	name        string
	description string
	// table is the SuiteQL table, and filter a condition selecting the type's rows in it ("" for all).
	table, filter string
	// created is the table's creation date column.
	created string
	// deletedType is the recordtypeid DeletedRecord gives deleted records of the type.
	deletedType string
	// restType is the REST record type mutations write; "" means the collection is read-only.
	restType string
	fields   []providers.Field
}

// timeFields are the date-times every query asks for in sortable form.
var timeFields = []providers.Field{
	{Name: "created_at", Type: "timestamptz"},
	{Name: "last_modified_at", Type: "timestamptz"},
}

func join(groups ...[]providers.Field) []providers.Field {
	var out []providers.Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var transactionFields = []providers.Field{
	{Name: "tranid", Type: "text"},
	{Name: "entity", Type: "text"},
	{Name: "status", Type: "text"},
	{Name: "foreigntotal", Type: "numeric"},
	{Name: "currency", Type: "text"},
	{Name: "subsidiary", Type: "text"},
	{Name: "memo", Type: "text"},
	{Name: "externalid", Type: "text"},
}

// recordTypes are the synced record types.
var recordTypes = []*recordType{
	{name: "customer", description: "Customers.", table: "customer", created: "datecreated", deletedType: "customer", restType: "customer",
		fields: join([]providers.Field{
			{Name: "entityid", Type: "text"},
			{Name: "companyname", Type: "text", Mutable: true},
			{Name: "email", Type: "text", Mutable: true},
			{Name: "phone", Type: "text", Mutable: true},
			{Name: "isinactive", Type: "text"},
			{Name: "isperson", Type: "text"},
			{Name: "subsidiary", Type: "text"},
			{Name: "currency", Type: "text"},
			{Name: "externalid", Type: "text"},
			{Name: "comments", Type: "text", Mutable: true},
		}, timeFields)},
	{name: "sales_order", description: "Sales orders (transactions of type SalesOrd).", table: "transaction", filter: "type = 'SalesOrd'",
		created: "createddate", deletedType: "salesorder", fields: join(transactionFields, timeFields)},
	{name: "invoice", description: "Invoices (transactions of type CustInvc).", table: "transaction", filter: "type = 'CustInvc'",
		created: "createddate", deletedType: "invoice", fields: join(transactionFields, timeFields)},
	{name: "item", description: "Inventory items; deletes are followed for inventory items only.", table: "item", filter: "itemtype = 'InvtPart'",
		created: "createddate", deletedType: "inventoryitem",
		fields: join([]providers.Field{
			{Name: "itemid", Type: "text"},
			{Name: "displayname", Type: "text"},
			{Name: "itemtype", Type: "text"},
			{Name: "description", Type: "text"},
			{Name: "baseprice", Type: "numeric"},
			{Name: "cost", Type: "numeric"},
			{Name: "isinactive", Type: "text"},
		}, timeFields)},
	{name: "employee", description: "Employees.", table: "employee", created: "datecreated", deletedType: "employee",
		fields: join([]providers.Field{
			{Name: "entityid", Type: "text"},
			{Name: "firstname", Type: "text"},
			{Name: "lastname", Type: "text"},
			{Name: "email", Type: "text"},
			{Name: "title", Type: "text"},
			{Name: "department", Type: "text"},
			{Name: "isinactive", Type: "text"},
		}, timeFields)},
}

// collectionID is "netsuite:<name>".
func (t *recordType) collectionID() string { return Name + ":" + t.name }

// collection builds the providers.Collection of t.
func (t *recordType) collection() *providers.Collection {
	c := &providers.Collection{
		ID: t.collectionID(), Name: t.name, Description: t.description, Fields: t.fields,
		Deletes: providers.DeletesInChanges, Backfill: t.backfill, Checkpoint: checkpoint, Changes: t.changes, Get: t.get,
	}
	if t.restType != "" {
		c.Mutate = t.mutate
		c.MutationKinds = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
	}
	return c
}

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(recordTypes))
	for i, t := range recordTypes {
		out[i] = t.collection()
	}
	return out
}

// selectQuery is the SuiteQL statement for the type's rows matching conds (joined by AND), with
// both date-times rendered sortably, since plain date columns come in the user's date format
// without a time.
func (t *recordType) selectQuery(order string, conds ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s.*, TO_CHAR(%s, '%s') AS created_at, TO_CHAR(lastmodifieddate, '%s') AS last_modified_at FROM %s",
		t.table, t.created, timeFormat, timeFormat, t.table)
	if t.filter != "" {
		conds = append([]string{t.filter}, conds...)
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if order != "" {
		b.WriteString(" ORDER BY " + order)
	}
	return b.String()
}

// idPattern matches an internal id.
var idPattern = regexp.MustCompile(`^[0-9]{1,18}$`)

// backfill lists one page in internal id order, resuming after the id in cur. Keyset pages (id > cur,
// offset 0) avoid SuiteQL's ceiling of 100,000 rows reachable by offset, and stay correct while
// records are added or deleted.
func (t *recordType) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	var conds []string
	if cur != "" {
		if !idPattern.MatchString(cur) {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "invalid backfill cursor " + clip(cur) + ": want an internal id"}
		}
		conds = append(conds, "id > "+cur)
	}
	size := pageSize(s)
	p, err := suiteql(ctx, s, t.selectQuery("id", conds...), 0, size)
	if err != nil {
		return nil, err
	}
	loc := location(s)
	page := &providers.Page{Records: make([]providers.Record, len(p.Items)), Done: !p.HasMore, Total: -1}
	for i, raw := range p.Items {
		r, err := decodeRow(raw, loc)
		if err != nil {
			return nil, err
		}
		page.Records[i] = providers.Record{ID: r.ID, UpdatedAt: r.modified, Data: r.raw}
		page.NextCursor = r.ID
	}
	if cur == "" && p.TotalResults != nil {
		page.Total = *p.TotalResults
	}
	return page, nil
}

// get fetches one record by internal id through SuiteQL, so that it has the same shape as the
// backfilled copies.
func (t *recordType) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if !idPattern.MatchString(id) {
		return nil, &providers.Error{Kind: providers.ErrNotFound, Message: "no " + t.name + " has the id " + clip(id)}
	}
	p, err := suiteql(ctx, s, t.selectQuery("", "id = "+id), 0, 1)
	if err != nil {
		return nil, err
	}
	if len(p.Items) == 0 {
		return nil, &providers.Error{Kind: providers.ErrNotFound, Message: "no " + t.name + " has the id " + id}
	}
	r, err := decodeRow(p.Items[0], location(s))
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: r.ID, UpdatedAt: r.modified, Data: r.raw}, nil
}
