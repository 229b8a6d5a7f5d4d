package servicenow

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"

	"github.com/sequinsync/sequin/providers"
)

// tableType describes one synced table as data; collection turns it into a providers.Collection.
type tableType struct {
	// name is the table's name, also the collection's.
	name        string
	description string
	fields      []providers.Field
	// task marks tables extending task, whose correlation_id makes creates idempotent; only they
	// accept mutations.
	task bool
}

// sysFields are the system fields every table has.
var sysFields = []providers.Field{
	{Name: "sys_created_on", Type: "timestamptz"},
	{Name: "sys_updated_on", Type: "timestamptz"},
	{Name: "sys_mod_count", Type: "integer"},
	{Name: "sys_class_name", Type: "text"},
}

// taskFields are the fields tables extending task share.
var taskFields = []providers.Field{
	{Name: "number", Type: "text"},
	{Name: "short_description", Type: "text", Mutable: true},
	{Name: "description", Type: "text", Mutable: true},
	{Name: "state", Type: "integer", Mutable: true},
	{Name: "priority", Type: "integer"},
	{Name: "impact", Type: "integer", Mutable: true},
	{Name: "urgency", Type: "integer", Mutable: true},
	{Name: "active", Type: "boolean"},
	{Name: "assigned_to", Type: "text", Mutable: true},
	{Name: "assignment_group", Type: "text", Mutable: true},
	{Name: "opened_by", Type: "text"},
	{Name: "opened_at", Type: "timestamptz"},
	{Name: "closed_at", Type: "timestamptz"},
	{Name: "correlation_id", Type: "text"},
}

func join(groups ...[]providers.Field) []providers.Field {
	var out []providers.Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// tableTypes are the synced tables.
var tableTypes = []*tableType{
	{name: "incident", task: true, description: "Incidents: unplanned interruptions reported by callers.",
		fields: join(taskFields, []providers.Field{
			{Name: "caller_id", Type: "text", Mutable: true},
			{Name: "category", Type: "text", Mutable: true},
			{Name: "resolved_at", Type: "timestamptz"},
		}, sysFields)},
	{name: "problem", task: true, description: "Problems: the causes behind one or more incidents.",
		fields: join(taskFields, []providers.Field{
			{Name: "problem_state", Type: "integer"},
			{Name: "known_error", Type: "boolean"},
		}, sysFields)},
	{name: "change_request", task: true, description: "Change requests.",
		fields: join(taskFields, []providers.Field{
			{Name: "type", Type: "text", Mutable: true},
			{Name: "risk", Type: "integer"},
			{Name: "start_date", Type: "timestamptz"},
			{Name: "end_date", Type: "timestamptz"},
		}, sysFields)},
	{name: "sys_user", description: "Users.",
		fields: join([]providers.Field{
			{Name: "user_name", Type: "text"},
			{Name: "first_name", Type: "text"},
			{Name: "last_name", Type: "text"},
			{Name: "name", Type: "text"},
			{Name: "email", Type: "text"},
			{Name: "title", Type: "text"},
			{Name: "department", Type: "text"},
			{Name: "active", Type: "boolean"},
			{Name: "locked_out", Type: "boolean"},
		}, sysFields)},
	{name: "cmdb_ci", description: "Configuration items of the CMDB, of every class.",
		fields: join([]providers.Field{
			{Name: "name", Type: "text"},
			{Name: "serial_number", Type: "text"},
			{Name: "install_status", Type: "integer"},
			{Name: "operational_status", Type: "integer"},
			{Name: "ip_address", Type: "text"},
			{Name: "manufacturer", Type: "text"},
		}, sysFields)},
}

// collectionID is "servicenow:<table>".
func (t *tableType) collectionID() string { return Name + ":" + t.name }

// collection builds the providers.Collection of t.
func (t *tableType) collection() *providers.Collection {
	c := &providers.Collection{
		ID:          t.collectionID(),
		Name:        t.name,
		Description: t.description,
		Fields:      t.fields,
		Deletes:     providers.DeletesInChanges,
		Backfill:    t.backfill,
		Checkpoint:  t.checkpoint,
		Changes:     t.changes,
		Get:         t.get,
	}
	if t.task {
		c.Mutate = t.mutate
		c.MutationKinds = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
	}
	return c
}

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(tableTypes))
	for i, t := range tableTypes {
		out[i] = t.collection()
	}
	return out
}

// sysIDPattern matches a sys_id: 32 hexadecimal digits.
var sysIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// backfill lists one page in sys_id order, resuming after the sys_id in cur. Keyset pages over
// sys_id, rather than sysparm_offset, stay correct while records are inserted and deleted during the
// backfill: an offset would shift and skip records.
func (t *tableType) backfill(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	if cur != "" && !sysIDPattern.MatchString(cur) {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "invalid backfill cursor " + clip(cur) + ": want a sys_id"}
	}
	size := pageSize(s)
	q := readQuery()
	query := "ORDERBYsys_id"
	if cur != "" {
		query = "sys_id>" + cur + "^" + query
	}
	q.Set("sysparm_query", query)
	q.Set("sysparm_limit", strconv.Itoa(size))
	resp, err := do(ctx, s, s.Client, http.MethodGet, tablePath(t.name, ""), q, nil)
	if err != nil {
		return nil, err
	}
	rows, err := decodeRows(resp, "GET "+t.name)
	if err != nil {
		return nil, err
	}
	page := &providers.Page{Records: make([]providers.Record, len(rows)), Done: len(rows) < size, Total: -1}
	for i, r := range rows {
		page.Records[i] = providers.Record{ID: r.SysID, UpdatedAt: r.updated, Data: r.raw}
	}
	if n := len(rows); n > 0 {
		page.NextCursor = rows[n-1].SysID
		if rows[n-1].SysID <= cur {
			return nil, providers.Malformed(nil, "servicenow: GET %s: the page does not follow sys_id order", t.name)
		}
	}
	if cur == "" {
		if n, err := strconv.ParseInt(resp.Header.Get("X-Total-Count"), 10, 64); err == nil {
			page.Total = n
		}
	}
	return page, nil
}

// get fetches one record by sys_id.
func (t *tableType) get(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	if id == "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "a sys_id is required"}
	}
	resp, err := do(ctx, s, s.Client, http.MethodGet, tablePath(t.name, id), readQuery(), nil)
	if err != nil {
		return nil, err
	}
	return decodeOne(resp, "GET "+t.name)
}

// decodeOne reads {"result": {...}}.
func decodeOne(resp *providers.Response, what string) (*providers.Record, error) {
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := resp.DecodeJSON(&env); err != nil {
		return nil, err
	}
	if len(env.Result) == 0 || env.Result[0] != '{' {
		return nil, providers.Malformed(nil, "servicenow: %s: answer has no result record (HTTP %d, %d bytes)", what, resp.Status, len(resp.Body))
	}
	r, err := decodeRow(env.Result, what)
	if err != nil {
		return nil, err
	}
	return &providers.Record{ID: r.SysID, UpdatedAt: r.updated, Data: r.raw}, nil
}
