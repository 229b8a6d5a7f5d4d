package emulator

import (
	"sort"
	"strconv"
)

// object is one stored CRM object. Archived objects stay, as in HubSpot, and are served with
// archived=true.
type object struct {
	id int64
	// props holds the stored property values; computed ones (hs_object_id, createdate, the
	// last-modified date) are not kept here.
	props      map[string]string
	created    int64 // unix milliseconds
	updated    int64
	archived   bool
	archivedAt int64
	// visible is when the current version becomes visible to search (updated + the search lag).
	visible int64
}

// value returns a property of o, computed ones included; ok is false when it has no value.
func (t *objectType) value(o *object, name string) (string, bool) {
	switch name {
	case "hs_object_id":
		return strconv.FormatInt(o.id, 10), true
	case "createdate":
		return isoMs(o.created), true
	case t.modified:
		return isoMs(o.updated), true
	}
	v, ok := o.props[name]
	return v, ok && v != ""
}

// table holds the objects of one type in ascending id order, which is the order HubSpot lists them in.
type table struct {
	typ    *objectType
	objs   []*object
	byID   map[int64]*object
	unique map[string]map[string]int64 // property -> value -> id of the live object holding it
	nextID int64
	live   int
}

func newTable(t *objectType, capacity int) *table {
	tb := &table{typ: t, objs: make([]*object, 0, capacity), byID: make(map[int64]*object, capacity),
		unique: map[string]map[string]int64{}, nextID: t.firstID}
	for _, p := range t.uniqueProps() {
		tb.unique[p] = map[string]int64{}
	}
	return tb
}

// insert adds a new object with the next id.
func (tb *table) insert(o *object) {
	o.id = tb.nextID
	tb.nextID++
	tb.objs = append(tb.objs, o)
	tb.byID[o.id] = o
	tb.live++
	tb.index(o)
}

// index records o's unique values.
func (tb *table) index(o *object) {
	for p, m := range tb.unique {
		if v := o.props[p]; v != "" {
			m[v] = o.id
		}
	}
}

// unindex forgets o's unique values.
func (tb *table) unindex(o *object) {
	for p, m := range tb.unique {
		if v := o.props[p]; v != "" && m[v] == o.id {
			delete(m, v)
		}
	}
}

// lookup finds an object by id ("123") or, with idProperty, by a unique property's value.
func (tb *table) lookup(key, idProperty string) *object {
	if idProperty != "" && idProperty != "hs_object_id" {
		m := tb.unique[idProperty]
		if m == nil {
			return nil
		}
		id, ok := m[key]
		if !ok {
			return nil
		}
		return tb.byID[id]
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return nil
	}
	return tb.byID[id]
}

// from returns the index of the first object with an id at or after id.
func (tb *table) from(id int64) int {
	return sort.Search(len(tb.objs), func(i int) bool { return tb.objs[i].id >= id })
}

// owner is a HubSpot user who can own CRM records.
type owner struct {
	id         int64
	email      string
	firstName  string
	lastName   string
	userID     int64
	teams      []team
	created    int64
	updated    int64
	archived   bool
	archivedAt int64
}

// team is an owner's team membership.
type team struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"primary"`
}

// pipeline is a deal or ticket pipeline with its stages.
type pipeline struct {
	objectType   string
	id           string
	label        string
	displayOrder int
	stages       []stage
	created      int64
	updated      int64
	archived     bool
}

// stage is one stage of a pipeline.
type stage struct {
	id           string
	label        string
	displayOrder int
	metadata     map[string]string
}

// store is the emulator's state.
type store struct {
	tables    map[string]*table
	owners    []*owner // ascending id
	ownerByID map[int64]*owner
	nextOwner int64
	pipelines []*pipeline
	// eventID numbers webhook events.
	eventID int64
}

func newStore(now int64) *store {
	st := &store{tables: map[string]*table{}, ownerByID: map[int64]*owner{}, nextOwner: 41629779}
	for _, t := range objectTypes {
		st.tables[t.name] = newTable(t, 0)
	}
	st.pipelines = defaultPipelines(now - 400*day)
	return st
}

// addOwner stores a new owner with the next id.
func (st *store) addOwner(o *owner) {
	o.id = st.nextOwner
	st.nextOwner++
	st.owners = append(st.owners, o)
	st.ownerByID[o.id] = o
}

// liveOwner reports whether id names an owner that is not archived.
func (st *store) liveOwner(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return false
	}
	o := st.ownerByID[n]
	return o != nil && !o.archived
}

// defaultPipelines are the pipelines of a new account: the deal pipeline, a second deal pipeline and
// the support pipeline of tickets.
func defaultPipelines(at int64) []*pipeline {
	dealStage := func(id, label string, order int, prob string, closed bool) stage {
		return stage{id: id, label: label, displayOrder: order, metadata: map[string]string{"isClosed": strconv.FormatBool(closed), "probability": prob}}
	}
	ticketStage := func(id, label string, order int, state string) stage {
		return stage{id: id, label: label, displayOrder: order, metadata: map[string]string{"ticketState": state}}
	}
	return []*pipeline{
		{objectType: "deals", id: "default", label: "Sales Pipeline", displayOrder: 0, created: at, updated: at, stages: []stage{
			dealStage("appointmentscheduled", "Appointment Scheduled", 0, "0.2", false),
			dealStage("qualifiedtobuy", "Qualified To Buy", 1, "0.4", false),
			dealStage("presentationscheduled", "Presentation Scheduled", 2, "0.6", false),
			dealStage("decisionmakerboughtin", "Decision Maker Bought-In", 3, "0.8", false),
			dealStage("contractsent", "Contract Sent", 4, "0.9", false),
			dealStage("closedwon", "Closed Won", 5, "1.0", true),
			dealStage("closedlost", "Closed Lost", 6, "0.0", true),
		}},
		{objectType: "deals", id: "2001", label: "Renewals", displayOrder: 1, created: at + day, updated: at + 30*day, stages: []stage{
			dealStage("2002", "Renewal Due", 0, "0.5", false),
			dealStage("2003", "Renewed", 1, "1.0", true),
			dealStage("2004", "Churned", 2, "0.0", true),
		}},
		{objectType: "tickets", id: "0", label: "Support Pipeline", displayOrder: 0, created: at, updated: at, stages: []stage{
			ticketStage("1", "New", 0, "OPEN"),
			ticketStage("2", "Waiting on contact", 1, "OPEN"),
			ticketStage("3", "Waiting on us", 2, "OPEN"),
			ticketStage("4", "Closed", 3, "CLOSED"),
		}},
	}
}

// day is a day in milliseconds.
const day = int64(86_400_000)
