package checkoutchamp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// kind describes one synced record kind as data; collection turns it into a providers.Collection.
type kind struct {
	// name is the collection (and table) name.
	name        string
	description string
	// path is the query endpoint, and idParam the record's id field and filter parameter.
	path, idParam string
	fields        []providers.Field
	// deletes says how deletes are learned: the API deletes nothing but customers (through the
	// admin), and has no feed of deletes.
	deletes providers.DeleteDetection
	// mutations are the accepted mutation kinds.
	mutations []providers.MutationKind
}

var dateFields = []providers.Field{
	{Name: "date_created", Type: "timestamptz", Path: "dateCreated"},
	{Name: "date_updated", Type: "timestamptz", Path: "dateUpdated"},
}

func join(groups ...[]providers.Field) []providers.Field {
	var out []providers.Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// kinds are the synced kinds.
var kinds = []*kind{
	{name: "order", description: "Orders.", path: "/order/query/", idParam: "orderId", deletes: providers.DeletesNone,
		fields: join([]providers.Field{
			{Name: "customer_id", Type: "bigint", Path: "customerId"},
			{Name: "order_status", Type: "text", Path: "orderStatus"},
			{Name: "order_type", Type: "text", Path: "orderType"},
			{Name: "campaign_id", Type: "bigint", Path: "campaignId"},
			{Name: "total_amount", Type: "numeric", Path: "totalAmount"},
			{Name: "currency_code", Type: "text", Path: "currencyCode"},
			{Name: "email_address", Type: "text", Path: "emailAddress"},
		}, dateFields)},
	{name: "customer", description: "Customers; deletes are found by the engine's id sweep.", path: "/customer/query/", idParam: "customerId",
		deletes: providers.DeletesBySweep, mutations: []providers.MutationKind{providers.MutationUpdate},
		fields: join([]providers.Field{
			{Name: "first_name", Type: "text", Path: "firstName", Mutable: true},
			{Name: "last_name", Type: "text", Path: "lastName", Mutable: true},
			{Name: "email_address", Type: "text", Path: "emailAddress", Mutable: true},
			{Name: "phone_number", Type: "text", Path: "phoneNumber", Mutable: true},
			{Name: "city", Type: "text", Mutable: true},
			{Name: "state", Type: "text", Mutable: true},
			{Name: "country", Type: "text", Mutable: true},
			{Name: "campaign_id", Type: "bigint", Path: "campaignId"},
		}, dateFields)},
	{name: "transaction", description: "Payment transactions (sales, refunds, voids).", path: "/transactions/query/", idParam: "transactionId",
		deletes: providers.DeletesNone,
		fields: join([]providers.Field{
			{Name: "order_id", Type: "text", Path: "orderId"},
			{Name: "customer_id", Type: "bigint", Path: "customerId"},
			{Name: "txn_type", Type: "text", Path: "txnType"},
			{Name: "response_type", Type: "text", Path: "responseType"},
			{Name: "total_amount", Type: "numeric", Path: "totalAmount"},
			{Name: "merchant_id", Type: "bigint", Path: "merchantId"},
		}, dateFields)},
}

// collectionID is "checkoutchamp:<name>".
func (k *kind) collectionID() string { return Name + ":" + k.name }

// collection builds the providers.Collection of k.
func (k *kind) collection() *providers.Collection {
	c := &providers.Collection{ID: k.collectionID(), Name: k.name, Description: k.description, Fields: k.fields,
		Deletes: k.deletes, Backfill: k.backfill, Checkpoint: k.checkpoint, Changes: k.changes, Get: k.get}
	if len(k.mutations) > 0 {
		c.MutationKinds, c.Mutate = k.mutations, k.mutate
	}
	return c
}

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(kinds))
	for i, k := range kinds {
		out[i] = k.collection()
	}
	return out
}

// head is what sequin reads of every record: its id (a number or a string, depending on the kind)
// and its update time.
type head struct {
	id      string
	updated string
	at      time.Time
}

// decodeHead reads a record's id and dateUpdated (or dateCreated).
func (k *kind) decodeHead(raw json.RawMessage, loc *time.Location) (head, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return head{}, providers.Malformed(err, "checkoutchamp: %s record: %v", k.name, err)
	}
	var h head
	var id any
	if err := json.Unmarshal(m[k.idParam], &id); err != nil || id == nil {
		return head{}, providers.Malformed(err, "checkoutchamp: %s record without %s", k.name, k.idParam)
	}
	switch v := id.(type) {
	case float64:
		h.id = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		h.id = v
	default:
		return head{}, providers.Malformed(nil, "checkoutchamp: %s record: %s is %T", k.name, k.idParam, id)
	}
	for _, f := range []string{"dateUpdated", "dateCreated"} {
		if json.Unmarshal(m[f], &h.updated) == nil && h.updated != "" {
			break
		}
	}
	t, err := time.ParseInLocation(dateLayout, h.updated, loc)
	if h.id == "" || err != nil {
		return head{}, providers.Malformed(err, "checkoutchamp: %s record %q: unreadable dateUpdated %q", k.name, h.id, clip(h.updated))
	}
	h.at = t.UTC()
	return h, nil
}

// fullRange is the widest creation range: the API needs a range when no id is given.
func fullRange(p url.Values) {
	p.Set("startDate", "01/01/2000")
	p.Set("endDate", "12/31/2099")
}

// backfill lists one page of all records by creation date, in id order; the cursor is the next page
// number. New records take higher ids and the API deletes none, so pages do not shift under a
// backfill.
func (k *kind) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	page := 1
	if cur != "" {
		n, err := strconv.Atoi(cur)
		if err != nil || n < 1 {
			return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "invalid backfill cursor " + clip(cur) + ": want a page number"}
		}
		page = n
	}
	size := pageSize(s)
	p := url.Values{"resultsPerPage": {strconv.Itoa(size)}, "page": {strconv.Itoa(page)}, "dateRangeType": {"dateCreated"}}
	fullRange(p)
	l, err := query(ctx, s, k.path, p)
	if err != nil {
		return nil, err
	}
	loc := location(s)
	out := &providers.Page{Records: make([]providers.Record, len(l.Data)), Total: -1, NextCursor: strconv.Itoa(page + 1)}
	for i, raw := range l.Data {
		h, err := k.decodeHead(raw, loc)
		if err != nil {
			return nil, err
		}
		out.Records[i] = providers.Record{ID: h.id, UpdatedAt: h.at, Data: raw}
	}
	if l.TotalResults > 0 {
		out.Total = l.TotalResults
	}
	out.Done = len(l.Data) < size || int64(page*size) >= l.TotalResults
	return out, nil
}

// get fetches one record by id.
func (k *kind) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if id == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "an id is required"}
	}
	l, err := query(ctx, s, k.path, url.Values{k.idParam: {id}})
	if err != nil {
		return nil, err
	}
	loc := location(s)
	for _, raw := range l.Data {
		h, err := k.decodeHead(raw, loc)
		if err != nil {
			return nil, err
		}
		if h.id == id {
			return &providers.Record{ID: h.id, UpdatedAt: h.at, Data: raw}, nil
		}
	}
	return nil, &providers.Error{Kind: providers.ErrNotFound, Message: fmt.Sprintf("no %s has the id %s", k.name, clip(id))}
}
