package emulator

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// entityKind describes one QuickBooks entity.
type entityKind struct {
	name string // "Customer"
	path string // "customer", the URL segment of reads and writes
	// nameList entities (customers, vendors, items, accounts) are never deleted: they are made
	// inactive (Active = false), and queries return only active ones unless asked otherwise.
	nameList bool
	// required are the fields a create must carry.
	required []string
}

var entityKinds = []entityKind{
	{name: "Customer", path: "customer", nameList: true, required: []string{"DisplayName"}},
	{name: "Invoice", path: "invoice", required: []string{"CustomerRef", "Line"}},
	{name: "Payment", path: "payment", required: []string{"CustomerRef", "TotalAmt"}},
	{name: "Item", path: "item", nameList: true, required: []string{"Name", "Type"}},
	{name: "Vendor", path: "vendor", nameList: true, required: []string{"DisplayName"}},
	{name: "Bill", path: "bill", required: []string{"VendorRef", "Line"}},
	{name: "Account", path: "account", nameList: true, required: []string{"Name", "AccountType"}},
}

func entityByName(name string) (entityKind, bool) {
	for _, e := range entityKinds {
		if e.name == name || e.path == name {
			return e, true
		}
	}
	return entityKind{}, false
}

// tomb records a deleted transaction for Change Data Capture.
type tomb struct {
	id string
	at time.Time
}

// entityTable holds the objects of one entity by numeric id.
type entityTable struct {
	objs   map[string]map[string]any
	nextID int
	tombs  []tomb
}

// sorted returns the objects ordered by numeric Id.
func (t *entityTable) sorted() []map[string]any {
	out := make([]map[string]any, 0, len(t.objs))
	for _, o := range t.objs {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return numID(out[i]) < numID(out[j]) })
	return out
}

func numID(o map[string]any) int {
	n, _ := strconv.Atoi(o["Id"].(string))
	return n
}

func clone(o map[string]any) map[string]any {
	b, _ := json.Marshal(o)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}

func active(o map[string]any) bool { return o["Active"] != false }

func updatedAt(o map[string]any) time.Time {
	md, _ := o["MetaData"].(map[string]any)
	s, _ := md["LastUpdatedTime"].(string)
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// create stores a new object; callers hold s.mu.
func (s *Server) create(e entityKind, data map[string]any) (map[string]any, *fault) {
	for _, f := range e.required {
		if data[f] == nil {
			return nil, &fault{400, "ValidationFault", "Required param missing, need to supply the required value for the API",
				"Required parameter " + f + " is missing in the request", "2020"}
		}
	}
	t := s.entities[e.name]
	if name, ok := data["DisplayName"].(string); ok {
		for _, o := range t.objs {
			if o["DisplayName"] == name {
				return nil, &fault{400, "ValidationFault", "Duplicate Name Exists Error",
					"The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name.", "6240"}
			}
		}
	}
	now := s.cfg.Now()
	o := clone(data)
	delete(o, "sparse")
	t.nextID++
	o["Id"] = strconv.Itoa(t.nextID)
	o["SyncToken"] = "0"
	o["domain"] = "QBO"
	o["sparse"] = false
	created := stamp(now)
	if md, ok := o["MetaData"].(map[string]any); ok && md["CreateTime"] != nil {
		created, _ = md["CreateTime"].(string)
	}
	lastUpdated := created
	if md, ok := o["MetaData"].(map[string]any); ok && md["LastUpdatedTime"] != nil {
		lastUpdated, _ = md["LastUpdatedTime"].(string)
	}
	o["MetaData"] = map[string]any{"CreateTime": created, "LastUpdatedTime": lastUpdated}
	if e.nameList {
		if _, ok := o["Active"]; !ok {
			o["Active"] = true
		}
		if n, ok := o["DisplayName"]; ok {
			o["FullyQualifiedName"] = n
		} else if n, ok := o["Name"]; ok {
			o["FullyQualifiedName"] = n
		}
	}
	switch e.name {
	case "Customer", "Vendor":
		setDefault(o, "Balance", 0.0)
		setDefault(o, "CurrencyRef", map[string]any{"value": "USD", "name": "United States Dollar"})
	case "Invoice", "Bill":
		total := 0.0
		lines, _ := o["Line"].([]any)
		for i, l := range lines {
			if lm, ok := l.(map[string]any); ok {
				a, _ := lm["Amount"].(float64)
				total += a
				setDefault(lm, "Id", strconv.Itoa(i+1))
				setDefault(lm, "LineNum", i+1)
			}
		}
		setDefault(o, "TotalAmt", total)
		setDefault(o, "Balance", total)
		setDefault(o, "TxnDate", now.In(companyZone).Format("2006-01-02"))
		setDefault(o, "DueDate", now.In(companyZone).AddDate(0, 0, 30).Format("2006-01-02"))
		setDefault(o, "CurrencyRef", map[string]any{"value": "USD", "name": "United States Dollar"})
		if e.name == "Invoice" {
			setDefault(o, "DocNumber", strconv.Itoa(1000+t.nextID))
		}
	case "Payment":
		setDefault(o, "TxnDate", now.In(companyZone).Format("2006-01-02"))
		setDefault(o, "UnappliedAmt", 0.0)
		setDefault(o, "Line", []any{})
	}
	t.objs[o["Id"].(string)] = o
	s.notify(e, o["Id"].(string), "Create", now)
	return o, nil
}

// update applies a full or sparse update guarded by SyncToken; callers hold s.mu.
func (s *Server) update(e entityKind, body map[string]any) (map[string]any, *fault) {
	id, _ := body["Id"].(string)
	cur := s.entities[e.name].objs[id]
	if cur == nil {
		return nil, notFound()
	}
	if tok, _ := body["SyncToken"].(string); tok != cur["SyncToken"] {
		return nil, &fault{400, "ValidationFault", "Stale Object Error",
			"Stale Object Error : You and " + "another user were working on the same thing. Please try again.", "5010"}
	}
	now := s.cfg.Now()
	o := clone(cur)
	if body["sparse"] != true {
		o = map[string]any{"Id": id, "domain": "QBO", "MetaData": cur["MetaData"]}
		if e.nameList {
			o["Active"] = true
		}
	}
	for k, v := range body {
		switch k {
		case "Id", "SyncToken", "sparse", "MetaData", "domain":
		default:
			o[k] = v
		}
	}
	n, _ := strconv.Atoi(cur["SyncToken"].(string))
	o["SyncToken"] = strconv.Itoa(n + 1)
	o["sparse"] = false
	md := clone(cur["MetaData"].(map[string]any))
	md["LastUpdatedTime"] = stamp(now)
	o["MetaData"] = md
	if e.nameList {
		if n, ok := o["DisplayName"]; ok {
			o["FullyQualifiedName"] = n
		}
	}
	s.entities[e.name].objs[id] = o
	op := "Update"
	if e.nameList && !active(o) && active(cur) {
		op = "Delete" // making a name-list entity inactive is what QuickBooks calls deleting it
	}
	s.notify(e, id, op, now)
	return o, nil
}

// remove deletes a transaction; callers hold s.mu.
func (s *Server) remove(e entityKind, body map[string]any) (map[string]any, *fault) {
	if e.nameList {
		return nil, &fault{400, "ValidationFault", "Operation Delete is not supported.", "Make the " + e.name + " inactive with a sparse update of Active instead.", "6000"}
	}
	id, _ := body["Id"].(string)
	t := s.entities[e.name]
	cur := t.objs[id]
	if cur == nil {
		return nil, notFound()
	}
	if tok, _ := body["SyncToken"].(string); tok != cur["SyncToken"] {
		return nil, &fault{400, "ValidationFault", "Stale Object Error", "Stale Object Error : You and another user were working on the same thing.", "5010"}
	}
	now := s.cfg.Now()
	delete(t.objs, id)
	t.tombs = append(t.tombs, tomb{id: id, at: now})
	s.notify(e, id, "Delete", now)
	return map[string]any{"status": "Deleted", "domain": "QBO", "Id": id}, nil
}

func setDefault(o map[string]any, k string, v any) {
	if _, ok := o[k]; !ok {
		o[k] = v
	}
}

// Create makes an object of entity ("Customer", "Invoice", ...) as a POST would; nil data makes a
// typical one referring to existing customers, vendors, items and accounts.
func (s *Server) Create(entity string, data map[string]any) (map[string]any, error) {
	e, ok := entityByName(entity)
	if !ok {
		return nil, fmt.Errorf("emulator: unknown entity %q", entity)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if data == nil {
		t := s.entities[e.name]
		data = s.sample(e, t.nextID+1, s.cfg.Now())
	}
	o, f := s.create(e, data)
	if f != nil {
		return nil, f
	}
	return clone(o), nil
}

// Update applies a sparse update of data; nil data changes a note QuickBooks reports as an update.
func (s *Server) Update(entity, id string, data map[string]any) (map[string]any, error) {
	e, ok := entityByName(entity)
	if !ok {
		return nil, fmt.Errorf("emulator: unknown entity %q", entity)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.entities[e.name].objs[id]
	if cur == nil {
		return nil, notFound()
	}
	body := map[string]any{}
	for k, v := range data {
		body[k] = v
	}
	if data == nil {
		field := map[string]string{"Customer": "Notes", "Vendor": "AcctNum", "Item": "Description", "Account": "Description"}[e.name]
		if field == "" {
			field = "PrivateNote"
		}
		body[field] = "rev " + cur["SyncToken"].(string) + "+1 at " + s.cfg.Now().Format(time.RFC3339Nano)
	}
	body["Id"], body["SyncToken"], body["sparse"] = id, cur["SyncToken"], true
	o, f := s.update(e, body)
	if f != nil {
		return nil, f
	}
	return clone(o), nil
}

// Delete deletes a transaction, or makes a name-list entity inactive, as QuickBooks does.
func (s *Server) Delete(entity, id string) error {
	e, ok := entityByName(entity)
	if !ok {
		return fmt.Errorf("emulator: unknown entity %q", entity)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.entities[e.name].objs[id]
	if cur == nil || !active(cur) {
		return notFound()
	}
	var f *fault
	if e.nameList {
		_, f = s.update(e, map[string]any{"Id": id, "SyncToken": cur["SyncToken"], "sparse": true, "Active": false})
	} else {
		_, f = s.remove(e, map[string]any{"Id": id, "SyncToken": cur["SyncToken"]})
	}
	if f != nil {
		return f
	}
	return nil
}

// IDs lists the ids of the live (existing and active) objects of an entity, by Id.
func (s *Server) IDs(entity string) []string {
	e, ok := entityByName(entity)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, o := range s.entities[e.name].sorted() {
		if active(o) {
			ids = append(ids, o["Id"].(string))
		}
	}
	return ids
}

// Count is the number of live objects of an entity.
func (s *Server) Count(entity string) int { return len(s.IDs(entity)) }

// Object returns a live object as the API serves it.
func (s *Server) Object(entity, id string) (map[string]any, bool) {
	e, ok := entityByName(entity)
	if !ok {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.entities[e.name].objs[id]
	if o == nil || !active(o) {
		return nil, false
	}
	return clone(o), true
}

// firstActive returns the id of the active object of an entity with the lowest Id, or "1"; callers
// hold s.mu.
func (s *Server) firstActive(entity string) string {
	best := 0
	for _, o := range s.entities[entity].objs {
		if n := numID(o); active(o) && (best == 0 || n < best) {
			best = n
		}
	}
	if best == 0 {
		return "1"
	}
	return strconv.Itoa(best)
}
