package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

var (
	adjectives   = []string{"Classic", "Organic", "Vintage", "Essential", "Everyday", "Premium", "Recycled", "Heritage", "Alpine", "Coastal", "Urban", "Midnight"}
	nouns        = []string{"Tee", "Hoodie", "Mug", "Tote Bag", "Beanie", "Notebook", "Water Bottle", "Candle", "Sneaker", "Backpack", "Scarf", "Poster"}
	productTypes = []string{"Apparel", "Drinkware", "Bags", "Accessories", "Stationery", "Home", "Footwear", "Art"}
	vendors      = []string{"Sequin Goods", "Northwind", "Acme Apparel", "Blue Harbor", "Tidewater Co"}
	sizes        = []string{"S", "M", "L", "XL"}
	tagPool      = []string{"new", "sale", "bestseller", "summer", "winter", "gift", "limited", "eco"}
	firstNames   = []string{"Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John", "Radia", "Edsger"}
	lastNames    = []string{"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Backus", "Perlman", "Dijkstra"}
	carriers     = []string{"UPS", "USPS", "FedEx", "DHL Express"}
	places       = []struct{ city, province, code, zip string }{
		{"Albany", "New York", "NY", "12207"}, {"Austin", "Texas", "TX", "73301"}, {"Portland", "Oregon", "OR", "97201"},
		{"Denver", "Colorado", "CO", "80201"}, {"Boston", "Massachusetts", "MA", "02108"}, {"Chicago", "Illinois", "IL", "60601"},
	}
	locationNames = []string{"Main Warehouse", "Downtown Store", "East Coast DC"}
)

// seedSpan is how far back seeded objects were created; the newest is an hour old so that nothing
// seeded falls inside a poller's overlap window.
const (
	seedSpan = 365 * 86400
	seedGap  = 3600
)

// Seeding plans every object (ids, timestamps and every random choice) and leaves building its
// document to first use, so a shop of tens of thousands of objects is ready in milliseconds and the
// documents do not depend on when they are built.

type seedVariant struct {
	id, item, price, grams, updated, qty int64
	title, sku, barcode                  string
}

type seedProduct struct {
	i                                 int
	id, created, updated, optionID    int64
	title, vendor, ptype, tags, state string
	variants                          []seedVariant
}

func (p *seedProduct) doc() map[string]any {
	d := blankProduct(p.id, p.created, p.title, p.vendor)
	d["product_type"], d["tags"], d["status"] = p.ptype, p.tags, p.state
	d["body_html"] = "<p>" + p.title + ", made to last.</p>"
	if p.state == "draft" {
		d["published_at"] = nil
	}
	var values []any
	vs := make([]any, len(p.variants))
	for j, sv := range p.variants {
		v := blankVariant(sv.id, p.id, p.created, sv.item, j+1, sv.price)
		v["title"], v["option1"], v["sku"], v["barcode"] = sv.title, sv.title, sv.sku, sv.barcode
		v["grams"], v["weight"] = sv.grams, float64(sv.grams)/1000
		v["updated_at"] = ts(sv.updated)
		v["inventory_quantity"], v["old_inventory_quantity"] = sv.qty, sv.qty
		vs[j] = v
		values = append(values, sv.title)
	}
	name := "Size"
	if len(p.variants) == 1 {
		name = "Title"
	}
	d["variants"] = vs
	d["options"] = []any{productOption(p.optionID, p.id, 1, name, values)}
	d["updated_at"] = ts(p.updated)
	return d
}

type seedLevel struct{ item, location, available, at int64 }

func (l *seedLevel) doc() map[string]any {
	return inventoryLevel(l.item, l.location, l.available, l.at)
}

type seedCustomer struct {
	i                                    int
	id, created, updated, addressID      int64
	first, last, email, phone, tags, mkt string
	orders, lastOrderID                  int64
	lastOrderName                        string
}

func (c *seedCustomer) address(withID bool) map[string]any {
	p := places[c.i%len(places)]
	var id int64
	if withID {
		id = c.addressID
	}
	return address(id, c.id, c.first, c.last, "", fmt.Sprintf("%d Main St", 1+c.i%900), p.city, p.province, p.code, p.zip, "", true)
}

func (c *seedCustomer) doc() map[string]any {
	d := blankCustomer(c.id, c.created)
	d["first_name"], d["last_name"], d["email"], d["phone"] = c.first, c.last, c.email, nilIfEmpty(c.phone)
	addr := c.address(true)
	d["addresses"], d["default_address"] = []any{addr}, addr
	if c.i%2 == 0 {
		d["state"] = "enabled"
	}
	d["tags"] = c.tags
	d["email_marketing_consent"] = marketingConsent(c.mkt, c.created)
	if c.orders > 0 {
		d["orders_count"], d["last_order_id"], d["last_order_name"] = c.orders, c.lastOrderID, c.lastOrderName
	}
	d["updated_at"] = ts(c.updated)
	return d
}

type seedLine struct {
	id, productID, variantID, price, grams, qty int64
	product, variant, sku, vendor               string
}

func (l seedLine) doc() map[string]any {
	return lineItem(l.id, map[string]any{"id": l.productID, "title": l.product, "vendor": l.vendor},
		map[string]any{"id": l.variantID, "title": l.variant, "price": money(l.price), "sku": l.sku, "grams": l.grams}, l.qty)
}

type seedFulfillment struct {
	id, at, location int64
	carrier, number  string
}

type seedOrder struct {
	i                            int
	id, created, updated, number int64
	token                        string
	customer                     *seedCustomer
	lines                        []seedLine
	fulfillments                 []seedFulfillment
	cancelled, closed            bool
}

func (o *seedOrder) doc() map[string]any {
	d := blankOrder(o.id, o.created, o.number, o.token)
	if c := o.customer; c != nil {
		d["customer"] = customerSnapshot(c.doc())
		d["email"], d["contact_email"], d["phone"] = c.email, c.email, nilIfEmpty(c.phone)
		addr := c.address(false)
		d["billing_address"], d["shipping_address"] = addr, copyMap(addr)
	}
	items := make([]any, len(o.lines))
	subtotal := int64(0)
	for j, l := range o.lines {
		items[j] = l.doc()
		subtotal += l.price * l.qty
	}
	d["line_items"] = items
	setTotals(d, subtotal)
	fs := make([]any, len(o.fulfillments))
	for k, f := range o.fulfillments {
		fs[k] = blankFulfillment(f.id, o.id, f.at, f.location, fmt.Sprintf("%s.%d", d["name"], k+1), items, f.carrier, f.number)
	}
	d["fulfillments"] = fs
	if len(fs) > 0 {
		d["fulfillment_status"] = "fulfilled"
	}
	if o.cancelled {
		d["cancelled_at"], d["cancel_reason"], d["financial_status"] = ts(o.updated), "customer", "refunded"
	}
	if o.closed {
		d["closed_at"] = ts(o.updated)
	}
	d["updated_at"] = ts(o.updated)
	return d
}

type seedEvent struct {
	at, subject       int64
	subjectType, verb string
	title             string
}

// seed fills the shop with n products, customers and orders and everything hanging off them.
func (s *Server) seed(n int) {
	now := s.now()
	end, start := now-seedGap, now-seedGap-seedSpan
	at := func(i int) int64 { return start + int64(i)*(end-start)/int64(max(n, 1)) }
	s.seedLocations(start)
	st := s.st
	st.products, st.customers, st.orders = newTable(n), newTable(n), newTable(n)
	st.levels, st.events = newTable(n*3), newTable(n*2+n/50*2)
	events := make([]seedEvent, 0, n*2+n/50*2)
	products := make([]*seedProduct, 0, n)
	for i := range n {
		p, evs := s.seedProduct(i, at(i), end)
		products = append(products, p)
		events = append(events, evs...)
	}
	customers := make([]*seedCustomer, 0, n)
	for i := range n {
		customers = append(customers, s.seedCustomer(i, at(i), end))
	}
	for i := range n {
		events = append(events, s.seedOrder(i, at(i), end, products, customers))
	}
	slices.SortStableFunc(events, func(a, b seedEvent) int { return int(a.at - b.at) })
	for _, e := range events {
		id := s.newID("event")
		st.events.insert(&object{id: id, created: e.at, updated: e.at, build: func() map[string]any {
			return eventDoc(id, e.subject, e.at, e.subjectType, e.verb, e.title)
		}})
	}
}

// pick returns a pseudo-random element of xs.
func pick[T any](s *Server, xs []T) T { return xs[s.rng.IntN(len(xs))] }

// later returns a time between t and limit, at most maxAge after t.
func (s *Server) later(t, limit, maxAge int64) int64 {
	span := min(limit-t, maxAge)
	if span <= 0 {
		return t
	}
	return t + s.rng.Int64N(span+1)
}

func (s *Server) seedLocations(created int64) {
	for i := range s.cfg.Locations {
		id, p := s.newID("location"), places[i%len(places)]
		name := fmt.Sprintf("Location %d", i+1)
		if i < len(locationNames) {
			name = locationNames[i]
		}
		s.st.locations.insert(&object{id: id, created: created, updated: created,
			doc: blankLocation(id, created, name, fmt.Sprintf("%d Commerce Way", 100+i*11), p.city, p.province, p.code, p.zip)})
	}
}

// seedProduct plans product i with one to three variants and their inventory levels.
func (s *Server) seedProduct(i int, created, end int64) (*seedProduct, []seedEvent) {
	var events []seedEvent
	if i%50 == 49 {
		// A product created and deleted before now: only its events remain.
		gone := s.newID("product")
		title := "Discontinued " + pick(s, nouns)
		events = append(events, seedEvent{created, gone, "Product", "create", title},
			seedEvent{s.later(created, end, 20*86400), gone, "Product", "destroy", title})
	}
	p := &seedProduct{i: i, id: s.newID("product"), created: created, vendor: pick(s, vendors),
		title: fmt.Sprintf("%s %s %d", adjectives[i%len(adjectives)], nouns[(i/len(adjectives))%len(nouns)], i+1),
		ptype: productTypes[i%len(productTypes)], state: "active"}
	p.tags = normalizeTags(pick(s, tagPool) + "," + pick(s, tagPool))
	switch i % 10 {
	case 7:
		p.state = "draft"
	case 9:
		p.state = "archived"
	}
	p.updated = s.later(created, end, 60*86400)
	p.optionID = s.newID("option")
	obj := &object{id: p.id, created: created, updated: p.updated, build: p.doc}
	nv := 1 + i%3
	price := int64(900 + s.rng.IntN(80)*100 + 99)
	p.variants = make([]seedVariant, nv)
	for j := range nv {
		v := &p.variants[j]
		v.id, v.item = s.newID("variant"), s.newID("inventory_item")
		v.title = "Default Title"
		if nv > 1 {
			v.title = sizes[j]
		}
		v.price = price + int64(j)*200
		v.sku = fmt.Sprintf("SQ-%05d-%d", i+1, j+1)
		v.grams = int64(100 + s.rng.IntN(900))
		v.barcode = strconv.FormatInt(400000000000+int64(i)*10+int64(j), 10)
		v.updated = s.later(created, p.updated, p.updated-created)
		nl := s.st.locations.live()
		locs := []int{(i + j) % nl}
		if i%4 == 0 && nl > 1 {
			locs = append(locs, (i+j+1)%nl)
		}
		for _, li := range locs {
			avail := int64(s.rng.IntN(200))
			v.qty += avail
			s.seedLevel(v.item, s.st.locations.order[li].id, avail, v.updated)
		}
		s.st.variants[v.id] = obj
		s.st.items[v.item] = obj
	}
	s.st.products.insert(obj)
	s.st.handles[handleize(p.title)] = p.id
	return p, append(events, seedEvent{created, p.id, "Product", "create", p.title})
}

// seedLevel plans an inventory level.
func (s *Server) seedLevel(item, location, available, at int64) {
	l := &seedLevel{item: item, location: location, available: available, at: at}
	o := &object{id: s.newID("inventory_level"), created: at, updated: at, build: l.doc}
	s.st.levels.insert(o)
	s.st.levelKeys[levelKey(item, location)] = o
}

// addLevel stocks an inventory item at a location.
func (s *Server) addLevel(item, location, available, at int64) *object {
	id := s.newID("inventory_level")
	o := &object{id: id, created: at, updated: at, doc: inventoryLevel(item, location, available, at)}
	s.st.levels.insert(o)
	s.st.levelKeys[levelKey(item, location)] = o
	return o
}

func (s *Server) seedCustomer(i int, created, end int64) *seedCustomer {
	c := &seedCustomer{i: i, id: s.newID("customer"), created: created,
		first: firstNames[i%len(firstNames)], last: lastNames[(i/len(firstNames))%len(lastNames)], mkt: "not_subscribed"}
	c.email = fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(c.first), strings.ToLower(c.last), i+1)
	if i%3 == 0 {
		c.phone = fmt.Sprintf("+1613555%04d", i%10000)
	}
	c.addressID = s.newID("address")
	if i%5 == 0 {
		c.tags = pick(s, tagPool)
	}
	if i%4 == 0 {
		c.mkt = "subscribed"
	}
	c.updated = s.later(created, end, 90*86400)
	s.st.customers.insert(&object{id: c.id, created: created, updated: c.updated, build: c.doc})
	s.st.emails[c.email] = c.id
	return c
}

// seedOrder plans order i for an earlier customer, with line items of seeded products and, for most
// orders, one or two fulfillments.
func (s *Server) seedOrder(i int, created, end int64, products []*seedProduct, customers []*seedCustomer) seedEvent {
	s.st.orderNumber++
	o := &seedOrder{i: i, id: s.newID("order"), created: created, number: s.st.orderNumber, token: s.token()}
	if n := len(customers); n > 0 {
		// Customers are created over the same span; pick one created no later than the order.
		c := customers[(i*7)%(i+1)]
		c.orders++
		c.lastOrderID, c.lastOrderName = o.id, "#"+strconv.FormatInt(o.number, 10)
		o.customer = c
	}
	if n := len(products); n > 0 {
		for j := range 1 + i%3 {
			p := products[(i*13+j*5)%(i+1)]
			v := p.variants[(i+j)%len(p.variants)]
			o.lines = append(o.lines, seedLine{id: s.newID("line_item"), productID: p.id, variantID: v.id, price: v.price,
				grams: v.grams, qty: int64(1 + s.rng.IntN(3)), product: p.title, variant: v.title, sku: v.sku, vendor: p.vendor})
		}
	}
	o.updated = s.later(created, end, 10*86400)
	nf := 1
	switch i % 10 {
	case 1, 2:
		nf = 2
	case 3:
		nf = 0
	}
	if i%17 == 5 {
		nf, o.cancelled, o.closed = 0, true, true
	}
	obj := &object{id: o.id, created: created, updated: o.updated, build: o.doc}
	for k := range nf {
		f := seedFulfillment{id: s.newID("fulfillment"), at: s.later(created, o.updated, o.updated-created),
			location: s.st.locations.order[i%s.st.locations.live()].id, carrier: carriers[(i+k)%len(carriers)], number: fmt.Sprintf("1Z%06d%04d", i, k)}
		o.fulfillments = append(o.fulfillments, f)
		s.st.fulfillments[f.id] = obj
	}
	if nf > 0 && end-o.updated > 30*86400 {
		o.closed = true
	}
	s.st.orders.insert(obj)
	return seedEvent{created, o.id, "Order", "placed", "#" + strconv.FormatInt(o.number, 10)}
}

// attachCustomer links an order to a customer, copying the addresses Shopify copies.
func (s *Server) attachCustomer(o map[string]any, cust *object) {
	c := cust.d()
	o["customer"] = customerSnapshot(c)
	o["email"], o["contact_email"], o["phone"] = c["email"], c["email"], c["phone"]
	if a, ok := c["default_address"].(map[string]any); ok {
		addr := copyMap(a)
		delete(addr, "id")
		delete(addr, "customer_id")
		delete(addr, "default")
		o["billing_address"], o["shipping_address"] = addr, copyMap(addr)
	}
	c["orders_count"] = toIntOr(c["orders_count"], 0) + 1
	c["last_order_id"], c["last_order_name"] = o["id"], o["name"]
}

func customLineItem(id int64, title string, price, qty int64) map[string]any {
	return map[string]any{
		"id": id, "admin_graphql_api_id": gid("LineItem", id), "fulfillable_quantity": qty,
		"fulfillment_service": "manual", "fulfillment_status": nil, "gift_card": false, "grams": int64(0),
		"name": title, "price": money(price), "product_exists": false, "product_id": nil, "properties": []any{},
		"quantity": qty, "requires_shipping": false, "sku": "", "taxable": true, "title": title,
		"total_discount": "0.00", "variant_id": nil, "variant_inventory_management": nil, "variant_title": nil,
		"vendor": nil, "tax_lines": []any{}, "discount_allocations": []any{}, "duties": []any{},
	}
}

// setTotals fills an order's money fields from its subtotal, with 8% tax.
func setTotals(o map[string]any, subtotal int64) {
	tax := subtotal * 8 / 100
	total := subtotal + tax
	for k, v := range map[string]int64{
		"current_subtotal_price": subtotal, "subtotal_price": subtotal, "total_line_items_price": subtotal,
		"current_total_tax": tax, "total_tax": tax, "current_total_price": total, "total_price": total,
	} {
		o[k] = money(v)
	}
}

// cents parses a money string.
func cents(v any) int64 {
	s, _ := v.(string)
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac = (frac + "00")[:2]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f
}

// token returns a random 32-character hex token.
func (s *Server) token() string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}
