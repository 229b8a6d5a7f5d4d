package emulator

import (
	"bytes"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
)

// The changes below run with s.mu held. Each saves the object only if its content changed, stamps
// updated_at, and records the event and webhook Shopify would send.

// save stamps an object changed by fn and reports whether anything changed.
func (s *Server) save(t *table, o *object, fn func()) bool {
	before := bytes.Clone(o.json())
	fn()
	o.changed()
	if bytes.Equal(before, o.json()) {
		return false
	}
	now := s.now()
	o.updated = max(now, o.updated)
	o.d()["updated_at"] = ts(o.updated)
	o.changed()
	t.touch()
	return true
}

// emitEvent records an Events API entry.
func (s *Server) emitEvent(subject int64, subjectType, verb, title string) {
	id, now := s.newID("event"), s.now()
	s.st.events.insert(&object{id: id, created: now, updated: now, doc: eventDoc(id, subject, now, subjectType, verb, title)})
}

// webhook queues a webhook of topic with the payload.
func (s *Server) webhook(topic string, payload []byte) {
	if s.hooks != nil {
		s.hooks.enqueue(topic, payload, s.cfg.Now())
	}
}

// decodeInput reads the fields of a create or update body.
func stringField(in map[string]any, key string) (string, bool, *apiError) {
	v, present := in[key]
	if !present {
		return "", false, nil
	}
	switch t := v.(type) {
	case nil:
		return "", true, nil
	case string:
		return t, true, nil
	}
	return "", true, errUnprocessable(key, "is invalid")
}

// setStrings copies the string fields present in in onto doc (nil when empty and nullable).
func setStrings(doc, in map[string]any, nullable bool, keys ...string) *apiError {
	for _, k := range keys {
		v, present, e := stringField(in, k)
		if e != nil {
			return e
		}
		if !present {
			continue
		}
		if v == "" && nullable {
			doc[k] = nil
		} else {
			doc[k] = v
		}
	}
	return nil
}

// ---- products and variants ----

// createProduct runs POST /products.json.
func (s *Server) createProduct(in map[string]any) (*object, *apiError) {
	title, _, e := stringField(in, "title")
	if e != nil {
		return nil, e
	}
	if strings.TrimSpace(title) == "" {
		return nil, errUnprocessable("title", "can't be blank")
	}
	now := s.now()
	id := s.newID("product")
	p := blankProduct(id, now, title, "")
	p["vendor"] = strings.TrimSuffix(s.cfg.Shop, ".myshopify.com")
	o := &object{id: id, created: now, updated: now, doc: p}
	if e := s.applyProduct(o, in, true); e != nil {
		for _, v := range variantsOf(o) {
			s.dropVariant(o, v)
		}
		return nil, e
	}
	handle := str(p["handle"])
	if handle == "" {
		handle = "product"
	}
	for base, n := handle, 1; s.st.handles[handle] != 0; n++ {
		handle = base + "-" + strconv.Itoa(n)
	}
	p["handle"] = handle
	if len(variantsOf(o)) == 0 {
		if _, e := s.addVariant(o, map[string]any{}); e != nil {
			return nil, e
		}
	}
	s.syncOptions(o)
	s.st.products.insert(o)
	s.st.handles[handle] = id
	s.addMetafields("products", id, in["metafields"])
	s.emitEvent(id, "Product", "create", title)
	s.webhook("products/create", o.json())
	return o, nil
}

// applyProduct copies writable product fields from in.
func (s *Server) applyProduct(o *object, in map[string]any, creating bool) *apiError {
	p := o.d()
	if e := setStrings(p, in, true, "body_html", "template_suffix"); e != nil {
		return e
	}
	if e := setStrings(p, in, false, "title", "vendor", "product_type", "handle", "published_scope"); e != nil {
		return e
	}
	if v, ok := in["title"]; ok && strings.TrimSpace(str(v)) == "" {
		return errUnprocessable("title", "can't be blank")
	}
	if v, ok := in["handle"]; ok {
		h := handleize(str(v))
		if other := s.st.handles[h]; other != 0 && other != o.id {
			return errUnprocessable("handle", "has already been taken")
		}
		if !creating {
			delete(s.st.handles, str(p["handle"]))
			s.st.handles[h] = o.id
		}
		p["handle"] = h
	} else if creating {
		p["handle"] = handleize(str(p["title"]))
	}
	if v, ok := in["tags"]; ok {
		p["tags"] = normalizeTags(v)
	}
	if v, ok := in["status"]; ok {
		st := str(v)
		if st != "active" && st != "draft" && st != "archived" {
			return errUnprocessable("status", "is not included in the list")
		}
		p["status"] = st
	}
	if v, ok := in["published"]; ok {
		if b, _ := v.(bool); b {
			if p["published_at"] == nil {
				p["published_at"] = ts(s.now())
			}
		} else {
			p["published_at"] = nil
		}
	}
	if v, ok := in["variants"]; ok {
		list, isList := v.([]any)
		if !isList {
			return errUnprocessable("variants", "is invalid")
		}
		if e := s.replaceVariants(o, list, creating); e != nil {
			return e
		}
	}
	return nil
}

// replaceVariants applies a product's "variants" array: listed variants with an id are updated,
// those without are created, and existing variants not listed are deleted.
func (s *Server) replaceVariants(o *object, list []any, creating bool) *apiError {
	keep := map[int64]bool{}
	for _, e := range list {
		in, ok := e.(map[string]any)
		if !ok {
			return errUnprocessable("variants", "is invalid")
		}
		if id, ok := toInt(in["id"]); ok && !creating {
			v := findByID(variantsOf(o), id)
			if v == nil {
				return errUnprocessable("variants", fmt.Sprintf("variant %d does not belong to this product", id))
			}
			if e := s.applyVariant(v, in); e != nil {
				return e
			}
			keep[id] = true
			continue
		}
		v, e := s.addVariant(o, in)
		if e != nil {
			return e
		}
		keep[toIntOr(v["id"], 0)] = true
	}
	if !creating {
		for _, v := range variantsOf(o) {
			if id := toIntOr(v["id"], 0); !keep[id] {
				s.dropVariant(o, v)
			}
		}
	}
	if len(variantsOf(o)) == 0 {
		return errUnprocessable("variants", "must have at least one variant")
	}
	return nil
}

// addVariant creates a variant of product o, with an inventory item stocked (at zero) at the first
// location.
func (s *Server) addVariant(o *object, in map[string]any) (map[string]any, *apiError) {
	vs := variantsOf(o)
	if len(vs) >= 100 {
		return nil, errUnprocessable("variants", "exceeds the maximum of 100")
	}
	now := s.now()
	id, item := s.newID("variant"), s.newID("inventory_item")
	v := blankVariant(id, o.id, now, item, len(vs)+1, 0)
	if len(vs) > 0 {
		v["option1"], v["title"] = fmt.Sprintf("Option %d", len(vs)+1), fmt.Sprintf("Option %d", len(vs)+1)
		v["price"] = vs[0]["price"]
	}
	if e := s.applyVariant(v, in); e != nil {
		return nil, e
	}
	for _, other := range vs {
		if other["title"] == v["title"] {
			return nil, errUnprocessable("base", fmt.Sprintf("The variant '%s' already exists.", v["title"]))
		}
	}
	o.d()["variants"] = append(o.d()["variants"].([]any), v)
	s.st.variants[id] = o
	s.st.items[item] = o
	if len(s.st.locations.order) > 0 {
		level := s.addLevel(item, s.st.locations.order[0].id, 0, now)
		s.webhook("inventory_levels/connect", level.json())
	}
	s.syncOptions(o)
	o.changed()
	return v, nil
}

// applyVariant copies writable variant fields from in and stamps the variant if it changed.
func (s *Server) applyVariant(v map[string]any, in map[string]any) *apiError {
	before := encode(v)
	if e := setStrings(v, in, true, "barcode", "option2", "option3"); e != nil {
		return e
	}
	if e := setStrings(v, in, false, "sku", "inventory_policy", "weight_unit", "option1"); e != nil {
		return e
	}
	for _, k := range []string{"price", "compare_at_price"} {
		raw, ok := in[k]
		if !ok {
			continue
		}
		if raw == nil && k == "compare_at_price" {
			v[k] = nil
			continue
		}
		m, valid := toMoney(raw)
		if !valid {
			return errUnprocessable(k, "is not a number")
		}
		v[k] = m
	}
	if raw, ok := in["taxable"]; ok {
		b, isBool := raw.(bool)
		if !isBool {
			return errUnprocessable("taxable", "is invalid")
		}
		v["taxable"] = b
	}
	if raw, ok := in["grams"]; ok {
		n, valid := toInt(raw)
		if !valid || n < 0 {
			return errUnprocessable("grams", "is invalid")
		}
		v["grams"], v["weight"] = n, float64(n)/1000
	}
	if p := v["inventory_policy"]; p != "deny" && p != "continue" {
		return errUnprocessable("inventory_policy", "is not included in the list")
	}
	var title []string
	for _, k := range []string{"option1", "option2", "option3"} {
		if o := str(v[k]); o != "" {
			title = append(title, o)
		}
	}
	if len(title) > 0 {
		v["title"] = strings.Join(title, " / ")
	}
	if !bytes.Equal(before, encode(v)) {
		v["updated_at"] = ts(s.now())
	}
	return nil
}

// dropVariant removes a variant and its inventory levels.
func (s *Server) dropVariant(o *object, v map[string]any) {
	id, item := toIntOr(v["id"], 0), toIntOr(v["inventory_item_id"], 0)
	var rest []any
	for _, e := range o.d()["variants"].([]any) {
		if e.(map[string]any)["id"] != v["id"] {
			rest = append(rest, e)
		}
	}
	for i, e := range rest {
		e.(map[string]any)["position"] = int64(i + 1)
	}
	if rest == nil {
		rest = []any{}
	}
	o.d()["variants"] = rest
	delete(s.st.variants, id)
	delete(s.st.items, item)
	for _, l := range s.levelsOf(item) {
		s.st.levels.remove(l)
		delete(s.st.levelKeys, levelKey(item, toIntOr(l.d()["location_id"], 0)))
	}
	s.syncOptions(o)
	o.changed()
}

// levelsOf returns the inventory levels of an item.
func (s *Server) levelsOf(item int64) []*object {
	var out []*object
	for _, loc := range s.st.locations.order {
		if l := s.st.levelKeys[levelKey(item, loc.id)]; l != nil {
			out = append(out, l)
		}
	}
	return out
}

// syncOptions rebuilds a product's options from its variants' option values.
func (s *Server) syncOptions(o *object) {
	old, _ := o.d()["options"].([]any)
	var opts []any
	for i, k := range []string{"option1", "option2", "option3"} {
		var values []any
		seen := map[string]bool{}
		for _, v := range variantsOf(o) {
			if val := str(v[k]); val != "" && !seen[val] {
				seen[val] = true
				values = append(values, val)
			}
		}
		if len(values) == 0 {
			continue
		}
		var id int64
		name := []string{"Title", "Option2", "Option3"}[i]
		if i < len(old) {
			om := old[i].(map[string]any)
			id, name = toIntOr(om["id"], 0), str(om["name"])
		}
		if i == 0 && name == "Title" && !(len(values) == 1 && values[0] == "Default Title") {
			name = "Option1"
		}
		if id == 0 {
			id = s.newID("option")
		}
		opts = append(opts, productOption(id, o.id, i+1, name, values))
	}
	if opts == nil {
		opts = []any{}
	}
	o.d()["options"] = opts
}

// updateProduct runs PUT /products/{id}.json.
func (s *Server) updateProduct(o *object, in map[string]any) *apiError {
	var err *apiError
	changed := s.save(s.st.products, o, func() { err = s.applyProduct(o, in, false) })
	if err != nil {
		return err
	}
	s.addMetafields("products", o.id, in["metafields"])
	if changed {
		s.emitEvent(o.id, "Product", "update", str(o.d()["title"]))
		s.webhook("products/update", o.json())
	}
	return nil
}

// deleteProduct runs DELETE /products/{id}.json: the product, its variants and their inventory go.
func (s *Server) deleteProduct(o *object) {
	for _, v := range variantsOf(o) {
		s.dropVariant(o, v)
	}
	s.st.products.remove(o)
	delete(s.st.handles, str(o.d()["handle"]))
	delete(s.st.metafields, "products/"+strconv.FormatInt(o.id, 10))
	s.emitEvent(o.id, "Product", "destroy", str(o.d()["title"]))
	s.webhook("products/delete", encode(map[string]any{"id": o.id}))
}

// changeVariant updates one variant and, since its product changed, the product.
func (s *Server) changeVariant(o *object, v map[string]any, in map[string]any) *apiError {
	var err *apiError
	changed := s.save(s.st.products, o, func() {
		if err = s.applyVariant(v, in); err == nil {
			s.syncOptions(o)
		}
	})
	if err != nil {
		return err
	}
	if changed {
		s.webhook("products/update", o.json())
	}
	return nil
}

// ---- customers ----

func validEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && strings.Contains(e, "@")
}

// createCustomer runs POST /customers.json.
func (s *Server) createCustomer(in map[string]any) (*object, *apiError) {
	now := s.now()
	id := s.newID("customer")
	o := &object{id: id, created: now, updated: now, doc: blankCustomer(id, now)}
	if e := s.applyCustomer(o, in); e != nil {
		return nil, e
	}
	c := o.d()
	if c["email"] == nil && c["phone"] == nil && c["first_name"] == nil && c["last_name"] == nil {
		return nil, errUnprocessable("customer", "must have a name, phone number or email address")
	}
	s.st.customers.insert(o)
	if e := str(c["email"]); e != "" {
		s.st.emails[strings.ToLower(e)] = id
	}
	s.addMetafields("customers", id, in["metafields"])
	s.webhook("customers/create", o.json())
	return o, nil
}

// applyCustomer copies writable customer fields from in.
func (s *Server) applyCustomer(o *object, in map[string]any) *apiError {
	c := o.d()
	if e := setStrings(c, in, true, "first_name", "last_name", "note", "phone", "multipass_identifier"); e != nil {
		return e
	}
	if v, ok := in["email"]; ok {
		email := strings.TrimSpace(str(v))
		if email == "" {
			c["email"] = nil
		} else {
			if !validEmail(email) {
				return errUnprocessable("email", "is invalid")
			}
			if other := s.st.emails[strings.ToLower(email)]; other != 0 && other != o.id {
				return errUnprocessable("email", "has already been taken")
			}
			if old := str(c["email"]); old != "" {
				delete(s.st.emails, strings.ToLower(old))
			}
			c["email"] = email
			if o.id != 0 && s.st.customers.get(o.id) == o {
				s.st.emails[strings.ToLower(email)] = o.id
			}
		}
	}
	if v, ok := in["tags"]; ok {
		c["tags"] = normalizeTags(v)
	}
	for _, k := range []string{"tax_exempt", "verified_email"} {
		if v, ok := in[k]; ok {
			b, isBool := v.(bool)
			if !isBool {
				return errUnprocessable(k, "is invalid")
			}
			c[k] = b
		}
	}
	if v, ok := in["email_marketing_consent"].(map[string]any); ok {
		state := str(v["state"])
		if state != "subscribed" && state != "not_subscribed" && state != "unsubscribed" && state != "pending" {
			return errUnprocessable("email_marketing_consent", "is invalid")
		}
		c["email_marketing_consent"] = marketingConsent(state, s.now())
	}
	if v, ok := in["addresses"].([]any); ok {
		var addrs []any
		for i, e := range v {
			a, isMap := e.(map[string]any)
			if !isMap {
				return errUnprocessable("addresses", "is invalid")
			}
			addr := address(s.newID("address"), o.id, str(a["first_name"]), str(a["last_name"]), str(a["company"]),
				str(a["address1"]), str(a["city"]), str(a["province"]), str(a["province_code"]), str(a["zip"]), str(a["phone"]), i == 0)
			addrs = append(addrs, addr)
		}
		if addrs == nil {
			addrs = []any{}
			delete(c, "default_address")
		} else {
			c["default_address"] = addrs[0]
		}
		c["addresses"] = addrs
	}
	return nil
}

// updateCustomer runs PUT /customers/{id}.json.
func (s *Server) updateCustomer(o *object, in map[string]any) *apiError {
	var err *apiError
	changed := s.save(s.st.customers, o, func() { err = s.applyCustomer(o, in) })
	if err != nil {
		return err
	}
	s.addMetafields("customers", o.id, in["metafields"])
	if changed {
		s.webhook("customers/update", o.json())
	}
	return nil
}

// deleteCustomer runs DELETE /customers/{id}.json; Shopify refuses customers who have orders unless
// forced (an admin action of the emulator's Go API).
func (s *Server) deleteCustomer(o *object, force bool) *apiError {
	if !force && toIntOr(o.d()["orders_count"], 0) > 0 {
		return errUnprocessable("base", "Error deleting customer: customers with orders cannot be deleted")
	}
	s.st.customers.remove(o)
	if e := str(o.d()["email"]); e != "" {
		delete(s.st.emails, strings.ToLower(e))
	}
	delete(s.st.metafields, "customers/"+strconv.FormatInt(o.id, 10))
	s.webhook("customers/delete", encode(map[string]any{"id": o.id}))
	return nil
}

// ---- orders and fulfillments ----

// createOrder runs POST /orders.json: line items name variants (variant_id) or are custom (title
// and price); a customer is named by id or email.
func (s *Server) createOrder(in map[string]any) (*object, *apiError) {
	raw, _ := in["line_items"].([]any)
	if len(raw) == 0 {
		return nil, errUnprocessable("line_items", "must have at least one line item")
	}
	now := s.now()
	id := s.newID("order")
	s.st.orderNumber++
	o := blankOrder(id, now, s.st.orderNumber, s.token())
	var items []any
	subtotal := int64(0)
	for _, e := range raw {
		li, _ := e.(map[string]any)
		qty := toIntOr(li["quantity"], 1)
		if qty < 1 {
			return nil, errUnprocessable("line_items", "quantity must be greater than 0")
		}
		if vid, ok := toInt(li["variant_id"]); ok {
			prod := s.st.variants[vid]
			if prod == nil {
				return nil, errUnprocessable("line_items", "variant does not exist")
			}
			v := findByID(variantsOf(prod), vid)
			items = append(items, lineItem(s.newID("line_item"), prod.d(), v, qty))
			subtotal += cents(v["price"]) * qty
			continue
		}
		price, ok := toMoney(li["price"])
		if !ok || str(li["title"]) == "" {
			return nil, errUnprocessable("line_items", "must name a variant_id, or a title and a price")
		}
		items = append(items, customLineItem(s.newID("line_item"), str(li["title"]), cents(price), qty))
		subtotal += cents(price) * qty
	}
	o["line_items"] = items
	setTotals(o, subtotal)
	obj := &object{id: id, created: now, updated: now, doc: o}
	if c, ok := in["customer"].(map[string]any); ok {
		cust := s.st.customers.get(toIntOr(c["id"], 0))
		if cust == nil {
			if email := str(c["email"]); email != "" {
				cust = s.st.customers.get(s.st.emails[strings.ToLower(email)])
			}
		}
		if cust == nil {
			return nil, errUnprocessable("customer", "does not exist")
		}
		s.save(s.st.customers, cust, func() { s.attachCustomer(o, cust) })
	} else if email := str(in["email"]); email != "" {
		o["email"], o["contact_email"] = email, email
	}
	if e := s.applyOrder(obj, in); e != nil {
		return nil, e
	}
	if fs := str(in["financial_status"]); fs != "" {
		o["financial_status"] = fs
	}
	s.st.orders.insert(obj)
	s.emitEvent(id, "Order", "placed", str(o["name"]))
	s.webhook("orders/create", obj.json())
	return obj, nil
}

// applyOrder copies the fields an order update may change: note, tags, email, phone, marketing
// consent, note attributes and the shipping address.
func (s *Server) applyOrder(o *object, in map[string]any) *apiError {
	d := o.d()
	if e := setStrings(d, in, true, "note", "phone"); e != nil {
		return e
	}
	if v, ok := in["email"]; ok {
		email := strings.TrimSpace(str(v))
		if email != "" && !validEmail(email) {
			return errUnprocessable("email", "is invalid")
		}
		d["email"], d["contact_email"] = email, nilIfEmpty(email)
	}
	if v, ok := in["tags"]; ok {
		d["tags"] = normalizeTags(v)
	}
	if v, ok := in["buyer_accepts_marketing"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return errUnprocessable("buyer_accepts_marketing", "is invalid")
		}
		d["buyer_accepts_marketing"] = b
	}
	if v, ok := in["note_attributes"]; ok {
		list, isList := v.([]any)
		if !isList {
			return errUnprocessable("note_attributes", "is invalid")
		}
		d["note_attributes"] = list
	}
	if v, ok := in["shipping_address"]; ok {
		switch a := v.(type) {
		case nil:
			d["shipping_address"] = nil
		case map[string]any:
			cur, _ := d["shipping_address"].(map[string]any)
			merged := map[string]any{}
			for k, x := range cur {
				merged[k] = x
			}
			for k, x := range a {
				merged[k] = x
			}
			d["shipping_address"] = merged
		default:
			return errUnprocessable("shipping_address", "is invalid")
		}
	}
	return nil
}

// updateOrder runs PUT /orders/{id}.json.
func (s *Server) updateOrder(o *object, in map[string]any) *apiError {
	var err *apiError
	changed := s.save(s.st.orders, o, func() { err = s.applyOrder(o, in) })
	if err != nil {
		return err
	}
	s.addMetafields("orders", o.id, in["metafields"])
	if changed {
		s.webhook("orders/updated", o.json())
	}
	return nil
}

// deleteOrder runs DELETE /orders/{id}.json; its fulfillments go with it.
func (s *Server) deleteOrder(o *object) {
	for _, f := range fulfillmentsOf(o) {
		delete(s.st.fulfillments, toIntOr(f["id"], 0))
	}
	s.st.orders.remove(o)
	delete(s.st.metafields, "orders/"+strconv.FormatInt(o.id, 10))
	s.emitEvent(o.id, "Order", "destroy", str(o.d()["name"]))
	s.webhook("orders/delete", encode(map[string]any{"id": o.id}))
}

// createFulfillment ships an order's line items (the emulator's stand-in for fulfillment orders).
func (s *Server) createFulfillment(o *object, in map[string]any) (map[string]any, *apiError) {
	var f map[string]any
	s.save(s.st.orders, o, func() {
		fs := fulfillmentsOf(o)
		now := s.now()
		id := s.newID("fulfillment")
		loc := toIntOr(in["location_id"], 0)
		if loc == 0 && len(s.st.locations.order) > 0 {
			loc = s.st.locations.order[0].id
		}
		company := str(in["tracking_company"])
		number := str(in["tracking_number"])
		if company == "" && number == "" {
			company, number = carriers[int(id)%len(carriers)], fmt.Sprintf("1Z%010d", id%10_000_000_000)
		}
		items, _ := o.d()["line_items"].([]any)
		f = blankFulfillment(id, o.id, now, loc, fmt.Sprintf("%s.%d", o.d()["name"], len(fs)+1), items, company, number)
		o.d()["fulfillments"] = append(o.d()["fulfillments"].([]any), f)
		o.d()["fulfillment_status"] = "fulfilled"
		s.st.fulfillments[id] = o
	})
	s.webhook("fulfillments/create", encode(f))
	s.webhook("orders/updated", o.json())
	return f, nil
}

// updateFulfillment changes a fulfillment's tracking or status.
func (s *Server) updateFulfillment(o *object, f map[string]any, in map[string]any) *apiError {
	var err *apiError
	changed := s.save(s.st.orders, o, func() {
		before := encode(f)
		if v, ok := in["status"]; ok {
			st := str(v)
			if st != "success" && st != "cancelled" && st != "pending" && st != "open" && st != "error" && st != "failure" {
				err = errUnprocessable("status", "is not included in the list")
				return
			}
			f["status"] = st
		}
		if v, ok := in["shipment_status"]; ok {
			f["shipment_status"] = v
		}
		company, number := str(f["tracking_company"]), str(f["tracking_number"])
		if v, ok := in["tracking_company"]; ok {
			company = str(v)
		}
		if v, ok := in["tracking_number"]; ok {
			number = str(v)
		}
		f["tracking_company"], f["tracking_number"] = nilIfEmpty(company), nilIfEmpty(number)
		f["tracking_numbers"], f["tracking_urls"], f["tracking_url"] = []any{}, []any{}, nil
		if number != "" {
			u := "https://tracking.example/" + strings.ToLower(company) + "/" + number
			f["tracking_numbers"], f["tracking_urls"], f["tracking_url"] = []any{number}, []any{u}, u
		}
		if !bytes.Equal(before, encode(f)) {
			f["updated_at"] = ts(s.now())
		}
	})
	if err != nil {
		return err
	}
	if changed {
		s.webhook("fulfillments/update", encode(f))
		s.webhook("orders/updated", o.json())
	}
	return nil
}

// ---- inventory ----

// setLevel sets (or, with connect, creates) an item's available quantity at a location and keeps
// the variant's inventory_quantity in step.
func (s *Server) setLevel(item, location int64, available *int64, adjust int64) (*object, *apiError) {
	prod := s.st.items[item]
	if prod == nil {
		return nil, errUnprocessable("inventory_item_id", "does not exist")
	}
	if s.st.locations.get(location) == nil {
		return nil, errUnprocessable("location_id", "does not exist")
	}
	key := levelKey(item, location)
	now := s.now()
	l := s.st.levelKeys[key]
	topic := "inventory_levels/update"
	if l == nil {
		l = s.addLevel(item, location, 0, now)
		topic = "inventory_levels/connect"
	}
	if available != nil || adjust != 0 {
		changed := s.save(s.st.levels, l, func() {
			n := toIntOr(l.d()["available"], 0) + adjust
			if available != nil {
				n = *available
			}
			l.d()["available"] = n
		})
		if !changed && topic == "inventory_levels/update" {
			return l, nil
		}
	}
	s.syncQuantity(prod, item)
	s.webhook(topic, l.json())
	return l, nil
}

// disconnectLevel unstocks an item at a location.
func (s *Server) disconnectLevel(l *object) {
	item, loc := toIntOr(l.d()["inventory_item_id"], 0), toIntOr(l.d()["location_id"], 0)
	s.st.levels.remove(l)
	delete(s.st.levelKeys, levelKey(item, loc))
	if prod := s.st.items[item]; prod != nil {
		s.syncQuantity(prod, item)
	}
	s.webhook("inventory_levels/disconnect", encode(map[string]any{"inventory_item_id": item, "location_id": loc}))
}

// syncQuantity recomputes a variant's inventory_quantity from its levels.
func (s *Server) syncQuantity(prod *object, item int64) {
	var v map[string]any
	for _, x := range variantsOf(prod) {
		if toIntOr(x["inventory_item_id"], 0) == item {
			v = x
		}
	}
	if v == nil {
		return
	}
	total := int64(0)
	for _, l := range s.levelsOf(item) {
		total += toIntOr(l.d()["available"], 0)
	}
	if toIntOr(v["inventory_quantity"], 0) == total {
		return
	}
	s.save(s.st.products, prod, func() {
		v["old_inventory_quantity"], v["inventory_quantity"] = v["inventory_quantity"], total
		v["updated_at"] = ts(s.now())
	})
}

// ---- metafields ----

// addMetafields stores the metafields given on a create or update.
func (s *Server) addMetafields(resource string, owner int64, v any) {
	list, _ := v.([]any)
	key := resource + "/" + strconv.FormatInt(owner, 10)
	for _, e := range list {
		in, ok := e.(map[string]any)
		if !ok || str(in["namespace"]) == "" || str(in["key"]) == "" {
			continue
		}
		typ := str(in["type"])
		if typ == "" {
			typ = "single_line_text_field"
		}
		existing := s.st.metafields[key]
		replaced := false
		for _, m := range existing {
			if m["namespace"] == in["namespace"] && m["key"] == in["key"] {
				m["value"], m["type"], m["updated_at"] = in["value"], typ, ts(s.now())
				replaced = true
			}
		}
		if !replaced {
			singular := strings.TrimSuffix(resource, "s")
			s.st.metafields[key] = append(existing, metafield(s.newID("metafield"), owner, s.now(), singular,
				str(in["namespace"]), str(in["key"]), typ, in["value"]))
		}
	}
}
