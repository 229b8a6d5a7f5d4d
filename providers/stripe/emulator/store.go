package emulator

import (
	"sort"
	"sync/atomic"
)

// record is one stored object (or event) in a collection.
type record struct {
	id      string
	seq     int64 // insertion order within the account; breaks ties between equal created times
	created int64
	data    []byte   // the object's JSON (nil for events, which encode on demand)
	vals    []string // filterable field values, aligned with the type's filter list
	deleted bool
	ev      *event
	seed    *seedRef // a seeded object not changed since: its JSON is generated on first use
}

func (r *record) json() []byte {
	switch {
	case r.ev != nil:
		return r.ev.encode()
	case r.data != nil:
		return r.data
	case r.seed != nil:
		return r.seed.bytes()
	}
	return nil
}

// seedRef is a seeded object, generated deterministically on first use and then cached. Its record and
// its creation event share it, so the event keeps the original even after the object changes.
type seedRef struct {
	g     *seeder
	coll  int32
	index int32
	cache atomic.Pointer[[]byte]
}

func (sr *seedRef) bytes() []byte {
	if p := sr.cache.Load(); p != nil {
		return *p
	}
	b := encode(sr.g.generate(int(sr.coll), int(sr.index)))
	sr.cache.Store(&b)
	return b
}

// before reports whether r sorts before o in ascending (created, seq) order.
func (r *record) before(o *record) bool {
	if r.created != o.created {
		return r.created < o.created
	}
	return r.seq < o.seq
}

// collection holds the objects of one type, by id and in ascending (created, seq) order. Deleted
// objects stay in both as tombstones so that cursors naming them keep working.
type collection struct {
	spec  *typeSpec
	byID  map[string]*record
	order []*record
	live  int
}

func newCollection(spec *typeSpec, capacity int) *collection {
	return &collection{spec: spec, byID: make(map[string]*record, capacity), order: make([]*record, 0, capacity)}
}

func (c *collection) insert(r *record) {
	c.byID[r.id] = r
	if !r.deleted {
		c.live++
	}
	n := len(c.order)
	if n == 0 || !r.before(c.order[n-1]) {
		c.order = append(c.order, r)
		return
	}
	i := sort.Search(n, func(i int) bool { return r.before(c.order[i]) })
	c.order = append(c.order, nil)
	copy(c.order[i+1:], c.order[i:])
	c.order[i] = r
}

func (c *collection) markDeleted(r *record) {
	if !r.deleted {
		r.deleted = true
		c.live--
	}
}

// position returns r's index in order.
func (c *collection) position(r *record) int {
	i := sort.Search(len(c.order), func(i int) bool { return !c.order[i].before(r) })
	for ; i < len(c.order); i++ {
		if c.order[i] == r {
			return i
		}
	}
	return -1
}

// get returns the live record with this id.
func (c *collection) get(id string) *record {
	r := c.byID[id]
	if r == nil || r.deleted {
		return nil
	}
	return r
}

// account is the state of one Stripe account: the platform ("") or a connected account.
type account struct {
	id     string
	colls  map[string]*collection
	events *collection
	seq    int64
	idem   map[string]*idemEntry
	// idemSweepAt is the number of saved keys at which expired ones are next dropped.
	idemSweepAt int
}

func newAccount(id string) *account {
	a := &account{id: id, colls: map[string]*collection{}, idem: map[string]*idemEntry{}}
	for _, spec := range specs {
		a.colls[spec.name] = newCollection(spec, 0)
	}
	a.events = newCollection(eventSpec, 0)
	return a
}

func (a *account) nextSeq() int64 {
	a.seq++
	return a.seq
}

func (a *account) coll(name string) *collection {
	if name == "event" {
		return a.events
	}
	return a.colls[name]
}

// createdRange is a created[gt|gte|lt|lte] filter, inclusive bounds.
type createdRange struct {
	min, max int64
	set      bool
}

func (cr createdRange) bounds(order []*record) (lo, hi int) {
	if !cr.set {
		return 0, len(order)
	}
	lo = sort.Search(len(order), func(i int) bool { return order[i].created >= cr.min })
	hi = sort.Search(len(order), func(i int) bool { return order[i].created > cr.max })
	return lo, hi
}

// query is a parsed list request.
type query struct {
	limit         int
	startingAfter *record
	endingBefore  *record
	created       createdRange
	match         func(*record) bool
}

// list returns one page in newest-first order and whether more matching records exist beyond it (older
// ones, or newer ones with ending_before).
func (c *collection) list(q query) ([]*record, bool) {
	lo, hi := q.created.bounds(c.order)
	ok := func(r *record) bool { return !r.deleted && (q.match == nil || q.match(r)) }
	var out []*record
	if q.endingBefore != nil {
		start := c.position(q.endingBefore) + 1
		if start < lo {
			start = lo
		}
		for i := start; i < hi; i++ {
			r := c.order[i]
			if !ok(r) {
				continue
			}
			if len(out) == q.limit {
				reverse(out)
				return out, true
			}
			out = append(out, r)
		}
		reverse(out)
		return out, false
	}
	end := hi
	if q.startingAfter != nil {
		if p := c.position(q.startingAfter); p < end {
			end = p
		}
	}
	for i := end - 1; i >= lo; i-- {
		r := c.order[i]
		if !ok(r) {
			continue
		}
		if len(out) == q.limit {
			return out, true
		}
		out = append(out, r)
	}
	return out, false
}

func reverse(rs []*record) {
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
}
