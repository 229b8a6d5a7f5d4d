package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// route answers an authenticated, admitted request; rest is the path after the version.
func (s *Server) route(r *http.Request, rest string) response {
	path, found := strings.CutSuffix(rest, ".json")
	if !found {
		return fail(errNotFound())
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch parts[0] {
	case "products":
		return s.routeProducts(r, parts[1:])
	case "variants":
		return s.routeVariants(r, parts[1:])
	case "customers":
		return s.routeCustomers(r, parts[1:])
	case "orders":
		return s.routeOrders(r, parts[1:])
	case "locations":
		return s.routeLocations(r, parts[1:])
	case "inventory_levels":
		return s.routeInventory(r, parts[1:])
	case "events":
		return s.routeEvents(r, parts[1:])
	case "shop":
		if len(parts) == 1 && r.Method == http.MethodGet {
			return ok(wrap("shop", s.shopDoc()))
		}
	}
	return fail(errNotFound())
}

// parseID reads a numeric id from a path segment.
func parseID(seg string) (int64, bool) {
	n, err := strconv.ParseInt(seg, 10, 64)
	return n, err == nil && n > 0
}

// readBody decodes {"<root>": {...}} from a create or update request.
func readBody(r *http.Request, root string) (map[string]any, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(data) > maxBody {
		return nil, errRequired(root)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, errRequired(root)
	}
	in, isMap := normalizeJSON(body[root]).(map[string]any)
	if !isMap {
		return nil, errRequired(root)
	}
	return in, nil
}

// single renders one object, honouring fields.
func single(r *http.Request, key string, o *object) response {
	return ok(wrap(key, render(o, splitFields(r.URL.Query().Get("fields")))))
}

// ---- products and variants ----

func (s *Server) productsList() listSpec {
	return listSpec{key: "products", table: s.st.products, build: func(q url.Values) (*filter, *apiError) {
		f, e := common(q)
		if e != nil {
			return nil, e
		}
		for _, k := range []string{"title", "vendor", "product_type"} {
			if v := q.Get(k); v != "" {
				field := k
				f.and(func(o *object) bool { return strings.EqualFold(str(o.d()[field]), v) })
			}
		}
		for _, k := range []string{"handle", "status"} {
			if v := q.Get(k); v != "" {
				f.and(inSet(k, v))
			}
		}
		switch q.Get("published_status") {
		case "published":
			f.and(func(o *object) bool { return o.d()["published_at"] != nil })
		case "unpublished":
			f.and(func(o *object) bool { return o.d()["published_at"] == nil })
		}
		return f, nil
	}}
}

func (s *Server) routeProducts(r *http.Request, parts []string) response {
	spec := s.productsList()
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		return s.list(r, spec)
	case len(parts) == 0 && r.Method == http.MethodPost:
		in, e := readBody(r, "product")
		if e != nil {
			return fail(e)
		}
		o, e := s.createProduct(in)
		if e != nil {
			return fail(e)
		}
		return created(wrap("product", o.json()))
	case len(parts) == 1 && parts[0] == "count" && r.Method == http.MethodGet:
		return s.count(r, spec)
	}
	id, valid := parseID(parts[0])
	o := s.st.products.get(id)
	if !valid || o == nil {
		return fail(errNotFound())
	}
	switch {
	case len(parts) == 1:
		switch r.Method {
		case http.MethodGet:
			return single(r, "product", o)
		case http.MethodPut:
			in, e := readBody(r, "product")
			if e != nil {
				return fail(e)
			}
			if e := s.updateProduct(o, in); e != nil {
				return fail(e)
			}
			return ok(wrap("product", o.json()))
		case http.MethodDelete:
			s.deleteProduct(o)
			return ok([]byte("{}"))
		}
	case len(parts) == 2 && parts[1] == "metafields" && r.Method == http.MethodGet:
		return s.metafieldsOf(r, "products", id)
	case len(parts) == 2 && parts[1] == "variants":
		switch r.Method {
		case http.MethodGet:
			raws := [][]byte{}
			for _, v := range variantsOf(o) {
				raws = append(raws, encode(v))
			}
			return ok(wrapList("variants", raws))
		case http.MethodPost:
			in, e := readBody(r, "variant")
			if e != nil {
				return fail(e)
			}
			var v map[string]any
			s.save(s.st.products, o, func() { v, e = s.addVariant(o, in) })
			if e != nil {
				return fail(e)
			}
			s.webhook("products/update", o.json())
			return created(wrap("variant", encode(v)))
		}
	case len(parts) == 3 && parts[1] == "variants" && parts[2] == "count" && r.Method == http.MethodGet:
		return ok(encode(map[string]any{"count": len(variantsOf(o))}))
	case len(parts) == 3 && parts[1] == "variants" && r.Method == http.MethodDelete:
		vid, _ := parseID(parts[2])
		v := findByID(variantsOf(o), vid)
		if v == nil {
			return fail(errNotFound())
		}
		if len(variantsOf(o)) == 1 {
			return fail(errUnprocessable("base", "Cannot delete the last variant of a product"))
		}
		s.save(s.st.products, o, func() { s.dropVariant(o, v) })
		s.webhook("products/update", o.json())
		return ok([]byte("{}"))
	}
	return fail(errNotFound())
}

func (s *Server) routeVariants(r *http.Request, parts []string) response {
	if len(parts) != 1 {
		return fail(errNotFound())
	}
	id, valid := parseID(parts[0])
	prod := s.st.variants[id]
	if !valid || prod == nil {
		return fail(errNotFound())
	}
	v := findByID(variantsOf(prod), id)
	switch r.Method {
	case http.MethodGet:
		if fields := splitFields(r.URL.Query().Get("fields")); len(fields) > 0 {
			return ok(wrap("variant", project(v, fields)))
		}
		return ok(wrap("variant", encode(v)))
	case http.MethodPut:
		in, e := readBody(r, "variant")
		if e != nil {
			return fail(e)
		}
		if e := s.changeVariant(prod, v, in); e != nil {
			return fail(e)
		}
		return ok(wrap("variant", encode(v)))
	}
	return fail(errNotFound())
}

// ---- customers ----

func (s *Server) customersList() listSpec {
	return listSpec{key: "customers", table: s.st.customers, build: common}
}

func (s *Server) routeCustomers(r *http.Request, parts []string) response {
	spec := s.customersList()
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		return s.list(r, spec)
	case len(parts) == 0 && r.Method == http.MethodPost:
		in, e := readBody(r, "customer")
		if e != nil {
			return fail(e)
		}
		o, e := s.createCustomer(in)
		if e != nil {
			return fail(e)
		}
		return created(wrap("customer", o.json()))
	case len(parts) == 1 && parts[0] == "count" && r.Method == http.MethodGet:
		return s.count(r, spec)
	case len(parts) == 1 && parts[0] == "search" && r.Method == http.MethodGet:
		return s.searchCustomers(r)
	}
	id, valid := parseID(parts[0])
	o := s.st.customers.get(id)
	if !valid || o == nil {
		return fail(errNotFound())
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		return single(r, "customer", o)
	case len(parts) == 1 && r.Method == http.MethodPut:
		in, e := readBody(r, "customer")
		if e != nil {
			return fail(e)
		}
		if e := s.updateCustomer(o, in); e != nil {
			return fail(e)
		}
		return ok(wrap("customer", o.json()))
	case len(parts) == 1 && r.Method == http.MethodDelete:
		if e := s.deleteCustomer(o, false); e != nil {
			return fail(e)
		}
		return ok([]byte("{}"))
	case len(parts) == 2 && parts[1] == "metafields" && r.Method == http.MethodGet:
		return s.metafieldsOf(r, "customers", id)
	}
	return fail(errNotFound())
}

// searchCustomers answers GET /customers/search.json?query=...: "field:value" terms (email, phone,
// first_name, last_name, tag) and free words matched against name and email.
func (s *Server) searchCustomers(r *http.Request) response {
	q := r.URL.Query()
	limit, e := parseLimit(q)
	if e != nil {
		return fail(e)
	}
	var conds []func(*object) bool
	for term := range strings.FieldsSeq(q.Get("query")) {
		field, value, hasField := strings.Cut(term, ":")
		value = strings.Trim(value, `"`)
		if !hasField {
			word := strings.ToLower(term)
			conds = append(conds, func(o *object) bool {
				return strings.Contains(strings.ToLower(str(o.d()["email"])+" "+str(o.d()["first_name"])+" "+str(o.d()["last_name"])), word)
			})
			continue
		}
		switch field {
		case "tag":
			conds = append(conds, func(o *object) bool {
				return strings.Contains(", "+str(o.d()["tags"])+",", ", "+value+",")
			})
		default:
			conds = append(conds, func(o *object) bool { return strings.EqualFold(str(o.d()[field]), value) })
		}
	}
	raws := [][]byte{}
	for _, o := range s.st.customers.order {
		match := true
		for _, c := range conds {
			match = match && c(o)
		}
		if match {
			raws = append(raws, o.json())
			if len(raws) == limit {
				break
			}
		}
	}
	return ok(wrapList("customers", raws))
}

// ---- orders and fulfillments ----

func (s *Server) ordersList() listSpec {
	return listSpec{key: "orders", table: s.st.orders, build: func(q url.Values) (*filter, *apiError) {
		f, e := common(q)
		if e != nil {
			return nil, e
		}
		for _, b := range []struct{ name, field string }{{"processed_at_min", "min"}, {"processed_at_max", "max"}} {
			if v := q.Get(b.name); v != "" {
				t, err := parseTime(v)
				if err != nil {
					return nil, errParam(b.name, "Invalid value.")
				}
				isMin := b.field == "min"
				f.and(func(o *object) bool {
					if isMin {
						return o.created >= t
					}
					return o.created <= t
				})
			}
		}
		switch st := q.Get("status"); st {
		case "", "open":
			f.and(func(o *object) bool { return o.d()["closed_at"] == nil && o.d()["cancelled_at"] == nil })
		case "closed":
			f.and(func(o *object) bool { return o.d()["closed_at"] != nil })
		case "cancelled":
			f.and(func(o *object) bool { return o.d()["cancelled_at"] != nil })
		case "any":
		default:
			return nil, errParam("status", "Invalid value.")
		}
		if v := q.Get("financial_status"); v != "" && v != "any" {
			f.and(inSet("financial_status", v))
		}
		switch q.Get("fulfillment_status") {
		case "shipped":
			f.and(func(o *object) bool { return o.d()["fulfillment_status"] == "fulfilled" })
		case "partial":
			f.and(func(o *object) bool { return o.d()["fulfillment_status"] == "partial" })
		case "unshipped":
			f.and(func(o *object) bool { return o.d()["fulfillment_status"] == nil })
		case "unfulfilled":
			f.and(func(o *object) bool { return o.d()["fulfillment_status"] != "fulfilled" })
		}
		if v := q.Get("name"); v != "" {
			f.and(func(o *object) bool { return str(o.d()["name"]) == v || str(o.d()["name"]) == "#"+v })
		}
		return f, nil
	}}
}

func (s *Server) routeOrders(r *http.Request, parts []string) response {
	spec := s.ordersList()
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		return s.list(r, spec)
	case len(parts) == 0 && r.Method == http.MethodPost:
		in, e := readBody(r, "order")
		if e != nil {
			return fail(e)
		}
		o, e := s.createOrder(in)
		if e != nil {
			return fail(e)
		}
		return created(wrap("order", o.json()))
	case len(parts) == 1 && parts[0] == "count" && r.Method == http.MethodGet:
		return s.count(r, spec)
	}
	id, valid := parseID(parts[0])
	o := s.st.orders.get(id)
	if !valid || o == nil {
		return fail(errNotFound())
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		return single(r, "order", o)
	case len(parts) == 1 && r.Method == http.MethodPut:
		in, e := readBody(r, "order")
		if e != nil {
			return fail(e)
		}
		if e := s.updateOrder(o, in); e != nil {
			return fail(e)
		}
		return ok(wrap("order", o.json()))
	case len(parts) == 1 && r.Method == http.MethodDelete:
		s.deleteOrder(o)
		return ok([]byte("{}"))
	case len(parts) == 2 && parts[1] == "metafields" && r.Method == http.MethodGet:
		return s.metafieldsOf(r, "orders", id)
	case len(parts) == 2 && parts[1] == "fulfillments" && r.Method == http.MethodGet:
		raws := [][]byte{}
		for _, f := range fulfillmentsOf(o) {
			raws = append(raws, encode(f))
		}
		return ok(wrapList("fulfillments", raws))
	case len(parts) == 3 && parts[1] == "fulfillments" && parts[2] == "count" && r.Method == http.MethodGet:
		return ok(encode(map[string]any{"count": len(fulfillmentsOf(o))}))
	case len(parts) == 3 && parts[1] == "fulfillments" && r.Method == http.MethodGet:
		fid, _ := parseID(parts[2])
		if f := findByID(fulfillmentsOf(o), fid); f != nil {
			return ok(wrap("fulfillment", encode(f)))
		}
	}
	return fail(errNotFound())
}

// ---- locations and inventory ----

func (s *Server) routeLocations(r *http.Request, parts []string) response {
	if r.Method != http.MethodGet {
		return fail(errNotFound())
	}
	switch {
	case len(parts) == 0:
		raws := [][]byte{}
		for _, o := range s.st.locations.order {
			raws = append(raws, o.json())
		}
		return ok(wrapList("locations", raws))
	case len(parts) == 1 && parts[0] == "count":
		return ok(encode(map[string]any{"count": s.st.locations.live()}))
	}
	id, valid := parseID(parts[0])
	o := s.st.locations.get(id)
	if !valid || o == nil {
		return fail(errNotFound())
	}
	switch {
	case len(parts) == 1:
		return single(r, "location", o)
	case len(parts) == 2 && parts[1] == "inventory_levels":
		spec := s.levelsList()
		inner := spec.build
		spec.build = func(q url.Values) (*filter, *apiError) {
			q = cloneValues(q)
			q.Set("location_ids", strconv.FormatInt(id, 10))
			return inner(q)
		}
		return s.list(r, spec)
	}
	return fail(errNotFound())
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// maxFilterIDs is the most ids inventory_item_ids or location_ids may carry.
const maxFilterIDs = 50

func (s *Server) levelsList() listSpec {
	return listSpec{key: "inventory_levels", table: s.st.levels, build: func(q url.Values) (*filter, *apiError) {
		items, locs := q.Get("inventory_item_ids"), q.Get("location_ids")
		if items == "" && locs == "" {
			return nil, &apiError{status: http.StatusUnprocessableEntity, message: "Must include inventory_item_ids or location_ids."}
		}
		f, e := common(url.Values{"updated_at_min": q["updated_at_min"]})
		if e != nil {
			return nil, e
		}
		for _, p := range []struct{ name, field, list string }{{"inventory_item_ids", "inventory_item_id", items}, {"location_ids", "location_id", locs}} {
			if p.list == "" {
				continue
			}
			set := map[int64]bool{}
			for part := range strings.SplitSeq(p.list, ",") {
				n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
				if err != nil {
					return nil, errParam(p.name, "Invalid value.")
				}
				set[n] = true
			}
			if len(set) > maxFilterIDs {
				return nil, &apiError{status: http.StatusUnprocessableEntity, message: p.name + " must contain at most 50 ids."}
			}
			field := p.field
			f.and(func(o *object) bool { return set[toIntOr(o.d()[field], 0)] })
		}
		return f, nil
	}}
}

func (s *Server) routeInventory(r *http.Request, parts []string) response {
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		return s.list(r, s.levelsList())
	case len(parts) == 0 && r.Method == http.MethodDelete:
		q := r.URL.Query()
		item, _ := strconv.ParseInt(q.Get("inventory_item_id"), 10, 64)
		loc, _ := strconv.ParseInt(q.Get("location_id"), 10, 64)
		l := s.st.levelKeys[levelKey(item, loc)]
		if l == nil {
			return fail(errNotFound())
		}
		s.disconnectLevel(l)
		return response{status: http.StatusNoContent}
	case len(parts) == 1 && r.Method == http.MethodPost && (parts[0] == "set" || parts[0] == "adjust" || parts[0] == "connect"):
		in, e := readRaw(r)
		if e != nil {
			return fail(e)
		}
		item, okItem := toInt(in["inventory_item_id"])
		loc, okLoc := toInt(in["location_id"])
		if !okItem || !okLoc {
			return fail(errUnprocessable("base", "inventory_item_id and location_id are required"))
		}
		var avail *int64
		var adjust int64
		switch parts[0] {
		case "set":
			n, valid := toInt(in["available"])
			if !valid {
				return fail(errUnprocessable("available", "is not a number"))
			}
			avail = &n
		case "adjust":
			n, valid := toInt(in["available_adjustment"])
			if !valid {
				return fail(errUnprocessable("available_adjustment", "is not a number"))
			}
			if s.st.levelKeys[levelKey(item, loc)] == nil {
				return fail(errUnprocessable("base", "Inventory item is not stocked at the location"))
			}
			adjust = n
		}
		l, e := s.setLevel(item, loc, avail, adjust)
		if e != nil {
			return fail(e)
		}
		if parts[0] == "connect" {
			return created(wrap("inventory_level", l.json()))
		}
		return ok(wrap("inventory_level", l.json()))
	}
	return fail(errNotFound())
}

// readRaw decodes a request body that is not wrapped in a root key.
func readRaw(r *http.Request) (map[string]any, *apiError) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(data) > maxBody {
		return nil, errParam("body", "Invalid value.")
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, errParam("body", "Invalid value.")
	}
	return normalizeJSON(body).(map[string]any), nil
}

// ---- events and metafields ----

func (s *Server) eventsList() listSpec {
	return listSpec{key: "events", table: s.st.events, build: func(q url.Values) (*filter, *apiError) {
		f, e := common(q)
		if e != nil {
			return nil, e
		}
		if q.Get("order") == "" && q.Get("since_id") == "" {
			f.key, f.desc = byCreated, true
		}
		if v := q.Get("filter"); v != "" {
			set := map[string]bool{}
			for p := range strings.SplitSeq(v, ",") {
				set[strings.ToLower(strings.TrimSpace(p))] = true
			}
			f.and(func(o *object) bool { return set[strings.ToLower(str(o.d()["subject_type"]))] })
		}
		if v := q.Get("verb"); v != "" {
			f.and(func(o *object) bool { return str(o.d()["verb"]) == v })
		}
		return f, nil
	}}
}

func (s *Server) routeEvents(r *http.Request, parts []string) response {
	if r.Method != http.MethodGet {
		return fail(errNotFound())
	}
	spec := s.eventsList()
	switch {
	case len(parts) == 0:
		return s.list(r, spec)
	case len(parts) == 1 && parts[0] == "count":
		return s.count(r, spec)
	case len(parts) == 1:
		id, _ := parseID(parts[0])
		if o := s.st.events.get(id); o != nil {
			return single(r, "event", o)
		}
	}
	return fail(errNotFound())
}

// metafieldsOf answers GET /<resource>/{id}/metafields.json, filtered by namespace and key.
func (s *Server) metafieldsOf(r *http.Request, resource string, owner int64) response {
	q := r.URL.Query()
	ns, key := q.Get("namespace"), q.Get("key")
	raws := [][]byte{}
	for _, m := range s.st.metafields[resource+"/"+strconv.FormatInt(owner, 10)] {
		if (ns == "" || m["namespace"] == ns) && (key == "" || m["key"] == key) {
			raws = append(raws, encode(m))
		}
	}
	return ok(wrapList("metafields", raws))
}

// shopDoc is GET /shop.json.
func (s *Server) shopDoc() []byte {
	name := strings.TrimSuffix(s.cfg.Shop, ".myshopify.com")
	return encode(map[string]any{
		"id": int64(54_800_000_001), "name": name, "email": "owner@" + name + ".example", "domain": s.cfg.Shop,
		"myshopify_domain": s.cfg.Shop, "currency": "USD", "iana_timezone": "America/New_York",
		"timezone": "(GMT-05:00) America/New_York", "plan_name": "basic", "country_code": "US",
		"primary_location_id": s.st.locations.order[0].id, "created_at": ts(s.now() - seedSpan - seedGap),
	})
}
