package emulator

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// MainBaseName is the name of the base holding the typed tables; its id is MainBaseID.
const MainBaseName = "Sequin Demo"

// MainBaseID is the id of the main base, the same in every emulator.
var MainBaseID = stableID("app", MainBaseName)

// The typed tables of the main base, the same in every emulator.
const (
	TasksTable    = "Tasks"
	ContactsTable = "Contacts"
	ProjectsTable = "Projects"
)

// TableID returns the id of a table of the main base, the same in every emulator.
func TableID(name string) string { return stableID("tbl", name) }

// FieldID returns the id of a field of a table of the main base.
func FieldID(table, name string) string { return stableID("fld", table+"/"+name) }

// seedSpan is how far back seeded records reach; the newest is at least seedQuiet old, so that changes
// a test makes are never confused with seeded history.
const (
	seedSpan  = 400 * 24 * time.Hour
	seedQuiet = 2 * time.Hour
)

// newField declares a field of a table.
func newField(table, name, typ string, options map[string]any, choices ...string) *field {
	f := &field{ID: FieldID(table, name), Name: name, Type: typ, Options: options}
	for _, c := range choices {
		f.choices = append(f.choices, &choice{ID: stableID("sel", table+"/"+name+"/"+c), Name: c, Color: "blueLight2"})
	}
	if len(choices) > 0 && f.choices == nil {
		f.choices = []*choice{}
	}
	return f
}

// newTable declares a table of a base with a grid view.
func newTable(b *base, name, description string, fields ...*field) *table {
	t := &table{id: TableID(name), name: name, description: description, base: b, fields: fields, byID: map[string]*record{},
		views: []view{{ID: stableID("viw", name+"/Grid view"), Name: "Grid view", Type: "grid"}}}
	if b.id != MainBaseID {
		t.id = stableID("tbl", b.id+"/"+name)
		for _, f := range fields {
			f.ID = stableID("fld", b.id+"/"+name+"/"+f.Name)
		}
	}
	b.tables = append(b.tables, t)
	return t
}

var (
	dateOpts     = map[string]any{"dateFormat": map[string]any{"name": "iso", "format": "YYYY-MM-DD"}}
	dateTimeOpts = map[string]any{"dateFormat": map[string]any{"name": "iso", "format": "YYYY-MM-DD"},
		"timeFormat": map[string]any{"name": "24hour", "format": "HH:mm"}, "timeZone": "utc"}
)

// schemaOfMain declares the typed tables of the main base.
func schemaOfMain(b *base) {
	tasks := newTable(b, TasksTable, "Work items of the team.",
		newField(TasksTable, "Name", "singleLineText", nil),
		newField(TasksTable, "Notes", "multilineText", nil),
		newField(TasksTable, "Status", "singleSelect", nil, "Todo", "In progress", "Done"),
		newField(TasksTable, "Priority", "number", map[string]any{"precision": 0}),
		newField(TasksTable, "Estimate", "currency", map[string]any{"precision": 2, "symbol": "$"}),
		newField(TasksTable, "Progress", "percent", map[string]any{"precision": 0}),
		newField(TasksTable, "Done", "checkbox", map[string]any{"icon": "check", "color": "greenBright"}),
		newField(TasksTable, "Due", "date", dateOpts),
		newField(TasksTable, "Started At", "dateTime", dateTimeOpts),
		newField(TasksTable, "Tags", "multipleSelects", nil, "bug", "feature", "chore", "urgent", "suite"),
		newField(TasksTable, "Assignee", "singleCollaborator", map[string]any{}),
		newField(TasksTable, "Project", "multipleRecordLinks", map[string]any{"linkedTableId": TableID(ProjectsTable), "isReversed": false, "prefersSingleRecordLink": true}),
		newField(TasksTable, "Attachments", "multipleAttachments", map[string]any{"isReversed": false}),
		newField(TasksTable, "Rating", "rating", map[string]any{"icon": "star", "max": 5, "color": "yellowBright"}),
		newField(TasksTable, "Time Spent", "duration", map[string]any{"durationFormat": "h:mm"}),
		newField(TasksTable, "Email", "email", nil),
		newField(TasksTable, "Website", "url", nil),
		newField(TasksTable, "Phone", "phoneNumber", nil),
		newField(TasksTable, "Score", "formula", map[string]any{"isValid": true, "formula": "{Priority} * 10",
			"referencedFieldIds": []string{FieldID(TasksTable, "Priority")}, "result": map[string]any{"type": "number", "options": map[string]any{"precision": 0}}}),
		newField(TasksTable, "Created", "createdTime", map[string]any{"result": map[string]any{"type": "dateTime", "options": dateTimeOpts}}),
		newField(TasksTable, "Last Modified", "lastModifiedTime", map[string]any{"isValid": true, "referencedFieldIds": []string{},
			"result": map[string]any{"type": "dateTime", "options": dateTimeOpts}}),
		newField(TasksTable, "Number", "autoNumber", nil),
	)
	tasks.fieldNamed("Project").linked = TableID(ProjectsTable)
	tasks.fieldNamed("Score").formula = func(r *record, t *table) any {
		p, _ := r.cells[t.fieldNamed("Priority").ID].(float64)
		return p * 10
	}
	newTable(b, ContactsTable, "People we work with.",
		newField(ContactsTable, "Name", "singleLineText", nil),
		newField(ContactsTable, "Email", "email", nil),
		newField(ContactsTable, "Phone", "phoneNumber", nil),
		newField(ContactsTable, "Company", "singleLineText", nil),
		newField(ContactsTable, "VIP", "checkbox", map[string]any{"icon": "star", "color": "yellowBright"}),
		newField(ContactsTable, "Birthday", "date", dateOpts),
		newField(ContactsTable, "Notes", "multilineText", nil),
	)
	newTable(b, ProjectsTable, "",
		newField(ProjectsTable, "Name", "singleLineText", nil),
		newField(ProjectsTable, "Budget", "currency", map[string]any{"precision": 2, "symbol": "$"}),
		newField(ProjectsTable, "Status", "singleSelect", nil, "Planning", "Active", "Done"),
		newField(ProjectsTable, "Start", "date", dateOpts),
	)
}

// seeder creates the initial state deterministically from the generator.
type seeder struct {
	st         *state
	start, end time.Time
}

// at spreads index i of n evenly over the seeded span.
func (sd *seeder) at(i, n int) time.Time {
	span := sd.end.Sub(sd.start)
	if n <= 1 {
		return sd.start
	}
	return sd.start.Add(time.Duration(float64(span) * float64(i) / float64(n))).Truncate(time.Millisecond)
}

func (sd *seeder) pick(xs []string) string { return xs[sd.st.rng.IntN(len(xs))] }

var (
	verbs     = []string{"Fix", "Add", "Remove", "Improve", "Document", "Review", "Plan", "Ship", "Test", "Design"}
	subjects  = []string{"the billing page", "onboarding emails", "the CSV export", "search ranking", "the mobile menu", "the Q3 report", "access reviews", "the pricing table", "webhook retries", "the status page"}
	firstName = []string{"Alice", "Bruno", "Chen", "Dara", "Elif", "Femi", "Giulia", "Hiro", "Ines", "Jonas", "Kemal", "Lena"}
	lastName  = []string{"Garcia", "Okafor", "Tanaka", "Novak", "Silva", "Moreau", "Larsen", "Patel", "Rossi", "Schmidt"}
	companies = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka"}
)

// seed builds the bases: the main base with its typed tables and cfg.Seed records in each, filler
// tables up to cfg.Seed tables, and other bases up to cfg.Seed bases.
func seed(st *state, cfg Config) {
	now := st.now()
	sd := &seeder{st: st, start: now.Add(-seedSpan), end: now.Add(-seedQuiet)}
	main := &base{id: MainBaseID, name: MainBaseName, permission: "create"}
	st.main = main
	st.bases = append(st.bases, main)
	schemaOfMain(main)
	for i := len(main.tables) + 1; i <= cfg.Seed; i++ {
		name := fmt.Sprintf("Table %d", i)
		newTable(main, name, "", newField(name, "Name", "singleLineText", nil), newField(name, "Notes", "multilineText", nil))
	}
	for i := 2; i <= cfg.Seed; i++ {
		name := fmt.Sprintf("Workspace Base %d", i)
		b := &base{id: stableID("app", name), name: name, permission: []string{"create", "edit", "read", "owner"}[i%4]}
		st.bases = append(st.bases, b)
		newTable(b, "Table 1", "", newField("Table 1", "Name", "singleLineText", nil))
	}
	projects := main.tableNamed(ProjectsTable)
	for i := range cfg.Seed {
		sd.add(projects, sd.at(i, cfg.Seed), map[string]any{
			"Name":   fmt.Sprintf("Project %d: %s", i+1, sd.pick(subjects)),
			"Budget": float64(1000 * (1 + st.rng.IntN(90))),
			"Status": sd.pick([]string{"Planning", "Active", "Done"}),
			"Start":  sd.at(i, cfg.Seed).Format("2006-01-02"),
		})
	}
	tasks := main.tableNamed(TasksTable)
	for i := range cfg.Seed {
		created := sd.at(i, cfg.Seed)
		cells := map[string]any{
			"Name":       fmt.Sprintf("Task %d: %s %s", i+1, sd.pick(verbs), sd.pick(subjects)),
			"Status":     sd.pick([]string{"Todo", "In progress", "Done"}),
			"Priority":   float64(1 + st.rng.IntN(5)),
			"Estimate":   float64(st.rng.IntN(200000)) / 100,
			"Progress":   float64(st.rng.IntN(11)) / 10,
			"Done":       st.rng.IntN(3) == 0,
			"Due":        created.Add(time.Duration(st.rng.IntN(60*24)) * time.Hour).Format("2006-01-02"),
			"Started At": ts(created.Add(time.Duration(st.rng.IntN(3600)) * time.Second)),
			"Tags":       []any{sd.pick([]string{"bug", "feature", "chore"})},
			"Assignee":   map[string]any{"id": collaborators[st.rng.IntN(len(collaborators))].ID},
			"Rating":     float64(st.rng.IntN(6)),
			"Time Spent": float64(60 * st.rng.IntN(600)),
			"Email":      fmt.Sprintf("owner%d@example.com", i+1),
			"Website":    fmt.Sprintf("https://example.com/tasks/%d", i+1),
			"Phone":      fmt.Sprintf("(555) 010-%04d", i%10000),
		}
		if i%3 == 0 {
			cells["Notes"] = "Seeded task.\nSecond line."
		}
		if i%4 == 0 {
			cells["Tags"] = []any{"urgent", sd.pick([]string{"bug", "feature"})}
		}
		if len(projects.records) > 0 {
			cells["Project"] = []any{projects.records[st.rng.IntN(len(projects.records))].id}
		}
		if i%5 == 0 {
			cells["Attachments"] = []any{map[string]any{"url": fmt.Sprintf("https://dl.airtable.test/task-%d.pdf", i+1)}}
		}
		sd.add(tasks, created, cells)
	}
	contacts := main.tableNamed(ContactsTable)
	for i := range cfg.Seed {
		first, last := sd.pick(firstName), sd.pick(lastName)
		cells := map[string]any{
			"Name":     first + " " + last,
			"Email":    fmt.Sprintf("%s.%s.%d@example.com", first, last, i+1),
			"Phone":    fmt.Sprintf("+1 555 020 %04d", i%10000),
			"Company":  sd.pick(companies),
			"VIP":      i%7 == 0,
			"Birthday": time.Date(1960+st.rng.IntN(40), time.Month(1+st.rng.IntN(12)), 1+st.rng.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02"),
		}
		if i%2 == 0 {
			cells["Notes"] = "Met at the " + sd.pick([]string{"conference", "meetup", "webinar"}) + "."
		}
		sd.add(contacts, sd.at(i, cfg.Seed), cells)
	}
}

// add seeds a record created at created and last modified some time after it.
func (sd *seeder) add(t *table, created time.Time, cells map[string]any) {
	r := sd.st.insert(t, created)
	modified := created.Add(time.Duration(sd.st.rng.Int64N(int64(72 * time.Hour)))).Truncate(time.Millisecond)
	if modified.After(sd.end) {
		modified = sd.end
	}
	r.modified = modified
	for name, v := range cells {
		f := t.fieldNamed(name)
		if f == nil {
			panic("emulator: seeding an unknown field " + name)
		}
		val, e := sd.st.cell(t, f, v, false)
		if e != nil {
			panic("emulator: seeding " + name + ": " + e.Error())
		}
		if val != nil {
			r.cells[f.ID] = val
		}
	}
}

// insert adds an empty record to a table.
func (st *state) insert(t *table, created time.Time) *record {
	t.nextSeq++
	r := &record{id: randomID(st.rng, "rec"), seq: t.nextSeq, created: created, modified: created, cells: map[string]any{}}
	for t.byID[r.id] != nil {
		r.id = randomID(st.rng, "rec")
	}
	t.records = append(t.records, r)
	t.byID[r.id] = r
	return r
}

// newRand returns the generator of a seed.
func newRand(seed int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), 0x61697274)) }
