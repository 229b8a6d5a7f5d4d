package emulator

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// entity is one stored object of any type.
type entity struct {
	typ string
	id  string
	// created, updated and archived are unix milliseconds; archived is 0 for a live entity.
	created, updated, archived int64
	// props are the other scalar fields and the ids of related entities ("teamId").
	props map[string]any
}

// live reports whether the entity is neither archived nor trashed.
func (e *entity) live() bool { return e.archived == 0 }

// str returns a string property.
func (e *entity) str(name string) string {
	s, _ := e.props[name].(string)
	return s
}

// table holds the entities of one type in creation order.
type table struct {
	byID map[string]*entity
	all  []*entity
}

// store is the state of one workspace.
type store struct {
	tables map[string]*table
	// clock is the last timestamp handed out, so that every change gets a later one.
	clock int64
	// teamCounters numbers issues per team, for identifiers.
	teamCounters map[string]int64
	// cycleCounters numbers cycles per team.
	cycleCounters map[string]int64
	// lastSyncID counts changes, as Linear's lastSyncId does.
	lastSyncID int64
	// states indexes workflow states by team id.
	states map[string][]*entity
	// version counts changes of any kind, so that cached orderings know when they are stale.
	version int64

	orderMu sync.Mutex
	orders  map[orderKey]*ordering
}

// orderKey names a cached ordering: a type, by updatedAt or by createdAt.
type orderKey struct {
	typ       string
	byUpdated bool
}

// ordering is a type's entities newest first, as of a store version.
type ordering struct {
	version int64
	list    []*entity
}

func newStore() *store {
	st := &store{tables: map[string]*table{}, teamCounters: map[string]int64{}, cycleCounters: map[string]int64{},
		states: map[string][]*entity{}, orders: map[orderKey]*ordering{}}
	for name := range types {
		st.tables[name] = &table{byID: map[string]*entity{}}
	}
	return st
}

// add stores a new entity.
func (st *store) add(e *entity) {
	t := st.tables[e.typ]
	t.byID[e.id] = e
	t.all = append(t.all, e)
	st.version++
	if e.typ == tWorkflowState {
		team := e.str("teamId")
		st.states[team] = append(st.states[team], e)
	}
}

// remove forgets an entity for good (a permanent delete).
func (st *store) remove(e *entity) {
	t := st.tables[e.typ]
	st.version++
	delete(t.byID, e.id)
	for i, x := range t.all {
		if x == e {
			t.all = append(t.all[:i], t.all[i+1:]...)
			break
		}
	}
}

// get finds an entity of typ by id.
func (st *store) get(typ, id string) *entity { return st.tables[typ].byID[id] }

// tick returns a timestamp after every earlier one and no earlier than now (unix ms).
func (st *store) tick(now int64) int64 {
	st.clock = max(st.clock+1, now)
	st.lastSyncID++
	st.version++
	return st.clock
}

// iso renders unix milliseconds as Linear renders DateTime values.
func iso(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }

// parseISO reads a DateTime value into unix milliseconds.
func parseISO(s string) (int64, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// scalar returns the value of a scalar field of e, nil when unset.
func (e *entity) scalar(name string) any {
	switch name {
	case "id":
		return e.id
	case "createdAt":
		return iso(e.created)
	case "updatedAt":
		return iso(e.updated)
	case "archivedAt":
		if e.archived == 0 {
			return nil
		}
		return iso(e.archived)
	}
	return e.props[name]
}

// appendJSON appends a value as JSON.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

// flat renders an entity the way webhook payloads carry it: every scalar field and the ids of its
// related entities, keys in a stable order.
func (e *entity) flat() map[string]any {
	t := types[e.typ]
	out := map[string]any{}
	for _, s := range t.scalars {
		out[s] = e.scalar(s)
	}
	for _, r := range t.objects {
		out[r.fk] = e.props[r.fk]
	}
	return out
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// ordered returns every entity of typ (archived ones included) newest first by updatedAt or
// createdAt, ties by id, from a cache rebuilt after any change. Callers hold the store's lock (for
// reading at least) and must not modify the slice.
func (st *store) ordered(typ string, byUpdated bool) []*entity {
	k := orderKey{typ, byUpdated}
	st.orderMu.Lock()
	defer st.orderMu.Unlock()
	if o := st.orders[k]; o != nil && o.version == st.version {
		return o.list
	}
	list := slices.Clone(st.tables[typ].all)
	slices.SortFunc(list, func(x, y *entity) int { return compareOrder(x, y, byUpdated) })
	st.orders[k] = &ordering{version: st.version, list: list}
	return list
}

// orderKeyOf is the time an entity is ordered by.
func orderKeyOf(e *entity, byUpdated bool) int64 {
	if byUpdated {
		return e.updated
	}
	return e.created
}

// compareOrder orders newest first, ties by id, descending.
func compareOrder(x, y *entity, byUpdated bool) int {
	if c := compareInt(orderKeyOf(y, byUpdated), orderKeyOf(x, byUpdated)); c != 0 {
		return c
	}
	return strings.Compare(y.id, x.id)
}
