package emulator

import (
	"encoding/json"
	"slices"
	"sort"
)

// object is one stored resource: a product, customer, order, location, inventory level or event.
// Variants live inside their product's document and fulfillments inside their order's, as Shopify
// serves them.
type object struct {
	id      int64
	created int64 // unix seconds
	updated int64 // unix seconds
	doc     map[string]any
	// build makes doc on first use, for seeded objects: seeding a large shop only plans its objects.
	build func() map[string]any
	raw   []byte // cached encoding of doc; nil when stale
}

// d returns the object's document, building it if it was seeded lazily.
func (o *object) d() map[string]any {
	if o.doc == nil && o.build != nil {
		o.doc, o.build = o.build(), nil
	}
	return o.doc
}

// json returns the object's encoding, caching it until the next change.
func (o *object) json() []byte {
	if o.raw == nil {
		o.raw = encode(o.d())
	}
	return o.raw
}

// changed drops the cached encoding after doc was modified.
func (o *object) changed() { o.raw = nil }

// encode marshals a document; documents hold only JSON-safe values.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: encoding a document: " + err.Error())
	}
	return b
}

// sortKey names the order a list is served in.
type sortKey int

const (
	byID sortKey = iota
	byCreated
	byUpdated
)

func (k sortKey) of(o *object) int64 {
	switch k {
	case byCreated:
		return o.created
	case byUpdated:
		return o.updated
	}
	return o.id
}

// table holds the live objects of one resource, by id and in ascending id order (ids only grow).
type table struct {
	byID    map[int64]*object
	order   []*object
	version uint64
	views   map[sortKey]*view
}

// view is a table's objects sorted by a key, rebuilt when the table changed.
type view struct {
	version uint64
	objs    []*object
}

func newTable(capacity int) *table {
	return &table{byID: make(map[int64]*object, capacity), order: make([]*object, 0, capacity), views: map[sortKey]*view{}}
}

func (t *table) live() int { return len(t.order) }

func (t *table) get(id int64) *object { return t.byID[id] }

// insert adds o, whose id is higher than any before it.
func (t *table) insert(o *object) {
	t.byID[o.id] = o
	if n := len(t.order); n > 0 && t.order[n-1].id > o.id {
		i := sort.Search(n, func(i int) bool { return t.order[i].id > o.id })
		t.order = slices.Insert(t.order, i, o)
	} else {
		t.order = append(t.order, o)
	}
	t.version++
}

// touch records that an object's sort keys may have changed.
func (t *table) touch() { t.version++ }

// remove deletes o for good, as Shopify does.
func (t *table) remove(o *object) {
	if t.byID[o.id] != o {
		return
	}
	delete(t.byID, o.id)
	i := sort.Search(len(t.order), func(i int) bool { return t.order[i].id >= o.id })
	if i < len(t.order) && t.order[i] == o {
		t.order = slices.Delete(t.order, i, i+1)
	}
	t.version++
}

// sorted returns the objects in ascending (key, id) order.
func (t *table) sorted(k sortKey) []*object {
	if k == byID {
		return t.order
	}
	v := t.views[k]
	if v != nil && v.version == t.version {
		return v.objs
	}
	objs := slices.Clone(t.order)
	sort.SliceStable(objs, func(i, j int) bool { return k.of(objs[i]) < k.of(objs[j]) })
	t.views[k] = &view{version: t.version, objs: objs}
	return objs
}

// position is the place of an object in a sorted list: its sort value and id.
type position struct {
	Value int64
	ID    int64
}

// compare orders o against p by (key, id).
func compare(k sortKey, o *object, p position) int {
	v := k.of(o)
	switch {
	case v < p.Value:
		return -1
	case v > p.Value:
		return 1
	case o.id < p.ID:
		return -1
	case o.id > p.ID:
		return 1
	}
	return 0
}

// pageQuery is one page request over a sorted list.
type pageQuery struct {
	objs  []*object // ascending by (key, id)
	key   sortKey
	desc  bool
	match func(*object) bool
	limit int
	// after and before are the edges of the page the client came from: after for the next page,
	// before for the previous one; neither for the first page.
	after, before *position
}

// page is one page of results with whether pages exist on either side.
type page struct {
	items            []*object
	hasNext, hasPrev bool
}

// run serves the page. The list is walked in served order (ascending, or descending when desc).
func (q pageQuery) run() page {
	n := len(q.objs)
	at := func(i int) *object { // i-th object in served order
		if q.desc {
			return q.objs[n-1-i]
		}
		return q.objs[i]
	}
	cmp := func(o *object, p position) int {
		c := compare(q.key, o, p)
		if q.desc {
			return -c
		}
		return c
	}
	ok := func(o *object) bool { return q.match == nil || q.match(o) }
	anyMatch := func(from, to int) bool { // in [from, to)
		for i := from; i < to; i++ {
			if ok(at(i)) {
				return true
			}
		}
		return false
	}
	var res page
	if q.before != nil {
		end := sort.Search(n, func(i int) bool { return cmp(at(i), *q.before) >= 0 })
		i := end - 1
		for ; i >= 0 && len(res.items) < q.limit; i-- {
			if o := at(i); ok(o) {
				res.items = append(res.items, o)
			}
		}
		slices.Reverse(res.items)
		res.hasPrev = anyMatch(0, i+1)
		res.hasNext = anyMatch(end, n)
		return res
	}
	start := 0
	if q.after != nil {
		start = sort.Search(n, func(i int) bool { return cmp(at(i), *q.after) > 0 })
	}
	i := start
	for ; i < n && len(res.items) < q.limit; i++ {
		if o := at(i); ok(o) {
			res.items = append(res.items, o)
		}
	}
	res.hasNext = anyMatch(i, n)
	res.hasPrev = q.after != nil && anyMatch(0, start)
	return res
}

// store is the whole state of the shop.
type store struct {
	products, customers, orders, locations, levels, events *table

	variants     map[int64]*object // variant id -> its product
	fulfillments map[int64]*object // fulfillment id -> its order
	items        map[int64]*object // inventory item id -> the product of its variant
	levelKeys    map[string]*object
	metafields   map[string][]map[string]any // "product/<id>" -> metafields
	handles      map[string]int64
	emails       map[string]int64

	lastID      map[string]int64 // per id space, the last id handed out
	orderNumber int64
}

func newStore() *store {
	return &store{
		products: newTable(0), customers: newTable(0), orders: newTable(0), locations: newTable(0),
		levels: newTable(0), events: newTable(0),
		variants: map[int64]*object{}, fulfillments: map[int64]*object{}, items: map[int64]*object{},
		levelKeys: map[string]*object{}, metafields: map[string][]map[string]any{},
		handles: map[string]int64{}, emails: map[string]int64{}, lastID: map[string]int64{},
		orderNumber: 1000,
	}
}

// idBases start each id space at a realistic magnitude.
var idBases = map[string]int64{
	"product": 7_210_000_000_000, "variant": 42_100_000_000_000, "customer": 6_930_000_000_000,
	"order": 5_480_000_000_000, "fulfillment": 4_970_000_000_000, "location": 61_400_000_000,
	"inventory_item": 44_200_000_000_000, "event": 151_000_000_000, "metafield": 25_800_000_000_000,
	"line_item": 13_900_000_000_000, "option": 9_310_000_000_000, "inventory_level": 1, "address": 8_870_000_000_000,
}

// newID hands out the next id of a space: ascending with small gaps, as Shopify's are.
func (s *Server) newID(space string) int64 {
	last := s.st.lastID[space]
	if last == 0 {
		last = idBases[space]
	}
	step := int64(1)
	if space != "inventory_level" && space != "event" {
		step += s.rng.Int64N(400)
	}
	s.st.lastID[space] = last + step
	return last + step
}
