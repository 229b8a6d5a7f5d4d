package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Collections are the collections the Go API accepts, named as the provider names them. Variants
// live inside products and fulfillments inside orders; an inventory level's id is
// "<inventory_item_id>:<location_id>".
var Collections = []string{"products", "variants", "customers", "orders", "fulfillments", "inventory_levels"}

// ErrUnknownCollection is returned for a collection the emulator does not have.
var ErrUnknownCollection = errors.New("emulator: unknown collection")

// ErrNotFound is returned for an object that does not exist.
var ErrNotFound = errors.New("emulator: no such object")

// docCopy returns an independent copy of a document, as the API would serve it.
func docCopy(raw []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("emulator: decoding a stored document: " + err.Error())
	}
	return m
}

// apiErr turns an API error into a Go error.
func apiErr(e *apiError) error {
	if e == nil {
		return nil
	}
	return e
}

// revise returns a fresh revision number for generated changes.
func (s *Server) revise() int64 {
	s.st.lastID["revision"]++
	return s.st.lastID["revision"]
}

// Create makes an object through the same code as the API; nil params make a typical object.
// Variants take a product_id and fulfillments an order_id (default: the oldest product or order);
// inventory levels take inventory_item_id, location_id and available (default: an item not yet
// stocked at some location).
func (s *Server) Create(collection string, params map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := normalizeParams(params)
	switch collection {
	case "products":
		if params == nil {
			n := s.revise()
			in = map[string]any{"title": fmt.Sprintf("New Product %d", n), "vendor": "Sequin Goods", "product_type": "Apparel", "tags": "new"}
		}
		o, e := s.createProduct(in)
		if e != nil {
			return nil, e
		}
		return docCopy(o.json()), nil
	case "variants":
		prod := s.firstOr(s.st.products, in["product_id"])
		if prod == nil {
			return nil, fmt.Errorf("%w: no product to add a variant to", ErrNotFound)
		}
		delete(in, "product_id")
		if params == nil {
			in = map[string]any{"option1": fmt.Sprintf("Style %d", s.revise()), "price": "25.00"}
		}
		var v map[string]any
		var e *apiError
		s.save(s.st.products, prod, func() { v, e = s.addVariant(prod, in) })
		if e != nil {
			return nil, e
		}
		s.webhook("products/update", prod.json())
		return docCopy(encode(v)), nil
	case "customers":
		if params == nil {
			n := s.revise()
			in = map[string]any{"first_name": "New", "last_name": fmt.Sprintf("Customer %d", n),
				"email": fmt.Sprintf("new.customer.%d@example.com", n)}
		}
		o, e := s.createCustomer(in)
		if e != nil {
			return nil, e
		}
		return docCopy(o.json()), nil
	case "orders":
		if params == nil {
			in = map[string]any{"line_items": []any{map[string]any{"title": "Gift card", "price": "25.00", "quantity": int64(1)}}}
			if len(s.st.products.order) > 0 {
				v := variantsOf(s.st.products.order[0])[0]
				in["line_items"] = []any{map[string]any{"variant_id": v["id"], "quantity": int64(2)}}
			}
			if len(s.st.customers.order) > 0 {
				in["customer"] = map[string]any{"id": s.st.customers.order[0].id}
			}
		}
		o, e := s.createOrder(in)
		if e != nil {
			return nil, e
		}
		return docCopy(o.json()), nil
	case "fulfillments":
		order := s.firstOr(s.st.orders, in["order_id"])
		if order == nil {
			return nil, fmt.Errorf("%w: no order to fulfill", ErrNotFound)
		}
		f, e := s.createFulfillment(order, in)
		if e != nil {
			return nil, e
		}
		return docCopy(encode(f)), nil
	case "inventory_levels":
		item, hasItem := toInt(in["inventory_item_id"])
		loc, hasLoc := toInt(in["location_id"])
		if !hasItem || !hasLoc {
			item, loc = s.unstocked()
			if item == 0 {
				return nil, fmt.Errorf("%w: every item is stocked at every location", ErrNotFound)
			}
		}
		avail := toIntOr(in["available"], 7)
		l, e := s.setLevel(item, loc, &avail, 0)
		if e != nil {
			return nil, e
		}
		return docCopy(l.json()), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCollection, collection)
}

// firstOr returns the object named by id, or the table's oldest object when id is absent.
func (s *Server) firstOr(t *table, id any) *object {
	if n, ok := toInt(id); ok {
		return t.get(n)
	}
	if len(t.order) == 0 {
		return nil
	}
	return t.order[0]
}

// unstocked finds an inventory item not stocked at some location.
func (s *Server) unstocked() (item, location int64) {
	for _, p := range s.st.products.order {
		for _, v := range variantsOf(p) {
			it := toIntOr(v["inventory_item_id"], 0)
			for _, l := range s.st.locations.order {
				if s.st.levelKeys[levelKey(it, l.id)] == nil {
					return it, l.id
				}
			}
		}
	}
	return 0, 0
}

// normalizeParams copies Go API params into request-shaped values.
func normalizeParams(params map[string]any) map[string]any {
	if params == nil {
		return map[string]any{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return map[string]any{}
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return map[string]any{}
	}
	return normalizeJSON(m).(map[string]any)
}

// Update changes an object through the same code as the API; nil params make a change the API
// reports as an update (a new description, note, price, tracking number or quantity).
func (s *Server) Update(collection, id string, params map[string]any) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := normalizeParams(params)
	rev := func() int64 { return s.revise() }
	switch collection {
	case "products":
		o := s.objectOf(s.st.products, id)
		if o == nil {
			return nil, ErrNotFound
		}
		if params == nil {
			in = map[string]any{"body_html": fmt.Sprintf("<p>Revision %d.</p>", rev())}
		}
		if e := s.updateProduct(o, in); e != nil {
			return nil, e
		}
		return docCopy(o.json()), nil
	case "variants":
		prod, v := s.variant(id)
		if v == nil {
			return nil, ErrNotFound
		}
		if params == nil {
			in = map[string]any{"price": money(cents(v["price"]) + 100)}
		}
		if e := s.changeVariant(prod, v, in); e != nil {
			return nil, e
		}
		return docCopy(encode(v)), nil
	case "customers":
		o := s.objectOf(s.st.customers, id)
		if o == nil {
			return nil, ErrNotFound
		}
		if params == nil {
			in = map[string]any{"note": fmt.Sprintf("Revision %d", rev())}
		}
		if e := s.updateCustomer(o, in); e != nil {
			return nil, e
		}
		return docCopy(o.json()), nil
	case "orders":
		o := s.objectOf(s.st.orders, id)
		if o == nil {
			return nil, ErrNotFound
		}
		if params == nil {
			in = map[string]any{"note": fmt.Sprintf("Revision %d", rev())}
		}
		if e := s.updateOrder(o, in); e != nil {
			return nil, e
		}
		return docCopy(o.json()), nil
	case "fulfillments":
		order, f := s.fulfillment(id)
		if f == nil {
			return nil, ErrNotFound
		}
		if params == nil {
			in = map[string]any{"tracking_number": fmt.Sprintf("1ZREV%08d", rev())}
		}
		if e := s.updateFulfillment(order, f, in); e != nil {
			return nil, e
		}
		return docCopy(encode(f)), nil
	case "inventory_levels":
		l := s.level(id)
		if l == nil {
			return nil, ErrNotFound
		}
		avail := toIntOr(l.d()["available"], 0) + 1
		if n, ok := toInt(in["available"]); ok {
			avail = n
		}
		if _, e := s.setLevel(toIntOr(l.d()["inventory_item_id"], 0), toIntOr(l.d()["location_id"], 0), &avail, 0); e != nil {
			return nil, e
		}
		return docCopy(l.json()), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCollection, collection)
}

// Delete deletes an object as the API (or, for customers with orders, the shop's admin) would.
// Fulfillments cannot be deleted, only cancelled with Update.
func (s *Server) Delete(collection, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch collection {
	case "products":
		o := s.objectOf(s.st.products, id)
		if o == nil {
			return ErrNotFound
		}
		s.deleteProduct(o)
		return nil
	case "variants":
		prod, v := s.variant(id)
		if v == nil {
			return ErrNotFound
		}
		if len(variantsOf(prod)) == 1 {
			return errUnprocessable("base", "Cannot delete the last variant of a product")
		}
		s.save(s.st.products, prod, func() { s.dropVariant(prod, v) })
		s.webhook("products/update", prod.json())
		return nil
	case "customers":
		o := s.objectOf(s.st.customers, id)
		if o == nil {
			return ErrNotFound
		}
		return apiErr(s.deleteCustomer(o, true))
	case "orders":
		o := s.objectOf(s.st.orders, id)
		if o == nil {
			return ErrNotFound
		}
		s.deleteOrder(o)
		return nil
	case "fulfillments":
		return errors.New("emulator: fulfillments cannot be deleted; cancel them with Update")
	case "inventory_levels":
		l := s.level(id)
		if l == nil {
			return ErrNotFound
		}
		s.disconnectLevel(l)
		return nil
	}
	return fmt.Errorf("%w %q", ErrUnknownCollection, collection)
}

// Object returns an object's JSON exactly as the API serves it.
func (s *Server) Object(collection, id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := s.raw(collection, id)
	return raw, raw != nil
}

// raw returns an object's JSON, nil when it does not exist.
func (s *Server) raw(collection, id string) []byte {
	switch collection {
	case "products":
		if o := s.objectOf(s.st.products, id); o != nil {
			return o.json()
		}
	case "customers":
		if o := s.objectOf(s.st.customers, id); o != nil {
			return o.json()
		}
	case "orders":
		if o := s.objectOf(s.st.orders, id); o != nil {
			return o.json()
		}
	case "variants":
		if _, v := s.variant(id); v != nil {
			return encode(v)
		}
	case "fulfillments":
		if _, f := s.fulfillment(id); f != nil {
			return encode(f)
		}
	case "inventory_levels":
		if l := s.level(id); l != nil {
			return l.json()
		}
	}
	return nil
}

// Get returns a copy of an object.
func (s *Server) Get(collection, id string) (map[string]any, bool) {
	raw, ok := s.Object(collection, id)
	if !ok {
		return nil, false
	}
	return docCopy(raw), true
}

// IDs lists the ids of a collection's objects, oldest first.
func (s *Server) IDs(collection string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	each := func(t *table) {
		for _, o := range t.order {
			out = append(out, strconv.FormatInt(o.id, 10))
		}
	}
	switch collection {
	case "products":
		each(s.st.products)
	case "customers":
		each(s.st.customers)
	case "orders":
		each(s.st.orders)
	case "variants":
		for _, p := range s.st.products.order {
			for _, v := range variantsOf(p) {
				out = append(out, strconv.FormatInt(toIntOr(v["id"], 0), 10))
			}
		}
	case "fulfillments":
		for _, o := range s.st.orders.order {
			for _, f := range fulfillmentsOf(o) {
				out = append(out, strconv.FormatInt(toIntOr(f["id"], 0), 10))
			}
		}
	case "inventory_levels":
		for _, l := range s.st.levels.order {
			out = append(out, levelKey(toIntOr(l.d()["inventory_item_id"], 0), toIntOr(l.d()["location_id"], 0)))
		}
	}
	return out
}

// List returns copies of a collection's objects, oldest first.
func (s *Server) List(collection string) []map[string]any {
	ids := s.IDs(collection)
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		if m, ok := s.Get(collection, id); ok {
			out = append(out, m)
		}
	}
	return out
}

// Count returns the number of objects in a collection.
func (s *Server) Count(collection string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch collection {
	case "products":
		return s.st.products.live()
	case "customers":
		return s.st.customers.live()
	case "orders":
		return s.st.orders.live()
	case "variants":
		return len(s.st.variants)
	case "fulfillments":
		return len(s.st.fulfillments)
	case "inventory_levels":
		return s.st.levels.live()
	}
	return 0
}

// webhookTopics are the update topics SignedWebhook sends per collection; Shopify has none for
// variants (they arrive as products/update).
var webhookTopics = map[string]string{
	"products": "products/update", "customers": "customers/update", "orders": "orders/updated",
	"fulfillments": "fulfillments/update", "inventory_levels": "inventory_levels/update",
}

// SignedWebhook returns the headers and body of the update webhook Shopify would send about an
// object, triggered at at and signed with the configured WebhookSecret.
func (s *Server) SignedWebhook(collection, id string, at time.Time) (http.Header, []byte, error) {
	topic, ok := webhookTopics[collection]
	if !ok {
		return nil, nil, fmt.Errorf("%w %q: Shopify sends no webhooks of its own about it", ErrUnknownCollection, collection)
	}
	body, found := s.Object(collection, id)
	if !found {
		return nil, nil, ErrNotFound
	}
	return WebhookHeader(s.cfg.WebhookSecret, s.cfg.Shop, topic, body, at), body, nil
}

func (s *Server) objectOf(t *table, id string) *object {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	return t.get(n)
}

func (s *Server) variant(id string) (*object, map[string]any) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || s.st.variants[n] == nil {
		return nil, nil
	}
	p := s.st.variants[n]
	return p, findByID(variantsOf(p), n)
}

func (s *Server) fulfillment(id string) (*object, map[string]any) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || s.st.fulfillments[n] == nil {
		return nil, nil
	}
	o := s.st.fulfillments[n]
	return o, findByID(fulfillmentsOf(o), n)
}

func (s *Server) level(id string) *object { return s.st.levelKeys[id] }

// ObjectID returns the id the provider gives an object of a collection: the integer id as text, or
// "<inventory_item_id>:<location_id>" for an inventory level.
func ObjectID(collection string, obj map[string]any) string {
	num := func(v any) string {
		switch n := v.(type) {
		case float64:
			return strconv.FormatFloat(n, 'f', -1, 64)
		case json.Number:
			return n.String()
		}
		if i, ok := toInt(v); ok {
			return strconv.FormatInt(i, 10)
		}
		return ""
	}
	if collection == "inventory_levels" {
		return num(obj["inventory_item_id"]) + ":" + num(obj["location_id"])
	}
	return num(obj["id"])
}
