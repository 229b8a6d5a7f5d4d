package linear

import (
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// entityType describes one synced Linear entity type as data; collection() turns it into a
// providers.Collection.
type entityType struct {
	// name is the collection (and table) name and the root field listing the type ("issues").
	name string
	// single is the root field fetching one entity ("issue").
	single string
	// webhook is the entity's type in webhook payloads ("Issue"), "" when Linear sends none.
	webhook     string
	description string
	// selection is the GraphQL selection of one entity: the fields kept in _data.
	selection string
	// fields are the typed columns, read from the selected fields.
	fields []providers.Field
	// pageSize is the number of entities asked per page. Linear prices a page at about a point per
	// entity and a tenth per field; sizes keep a page near a thousand points, well under the 10,000
	// a query may cost, so that the hourly complexity budget outlasts the request budget.
	pageSize int
	// listArgs are further arguments of every list request (users: includeDisabled).
	listArgs string
	// mutations are the accepted mutation kinds.
	mutations []providers.MutationKind
}

// collectionID is "linear:<name>".
func (t *entityType) collectionID() string { return Name + ":" + t.name }

// Field constructors keep the catalogue readable.
func text(name, path string) providers.Field {
	return providers.Field{Name: name, Type: "text", Path: path}
}
func stamp(name, path string) providers.Field {
	return providers.Field{Name: name, Type: "timestamptz", Path: path}
}
func flag(name, path string) providers.Field {
	return providers.Field{Name: name, Type: "boolean", Path: path}
}
func integer(name, path string) providers.Field {
	return providers.Field{Name: name, Type: "bigint", Path: path}
}
func float(name, path string) providers.Field {
	return providers.Field{Name: name, Type: "double precision", Path: path}
}
func date(name, path string) providers.Field {
	return providers.Field{Name: name, Type: "date", Path: path}
}

// mut marks fields writable by mutations.
func mut(fs ...providers.Field) []providers.Field {
	for i := range fs {
		fs[i].Mutable = true
	}
	return fs
}

// times are the columns every entity has.
func times() []providers.Field {
	return []providers.Field{stamp("created_at", "createdAt"), stamp("updated_at", "updatedAt"), stamp("archived_at", "archivedAt")}
}

// fields joins groups of fields.
func fields(groups ...[]providers.Field) []providers.Field {
	var out []providers.Field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// selection joins field names into a selection set's content.
func selection(parts ...string) string { return strings.Join(parts, " ") }

var createUpdateDelete = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}

// entityTypes is the catalogue of synced entity types.
var entityTypes = []*entityType{
	{
		name: "issues", single: "issue", webhook: "Issue",
		description: "Issues of every team, with their state, assignee, project and cycle.",
		selection: selection("id identifier number title description priority priorityLabel estimate url branchName",
			"sortOrder labelIds dueDate startedAt completedAt canceledAt createdAt updatedAt archivedAt trashed",
			"team { id key } state { id name type } assignee { id } creator { id } project { id } cycle { id } parent { id }"),
		fields: fields(
			[]providers.Field{text("identifier", "identifier"), integer("number", "number")},
			mut(text("title", "title"), text("description", "description"), integer("priority", "priority"),
				float("estimate", "estimate"), providers.Field{Name: "label_ids", Type: "text[]", Path: "labelIds"},
				date("due_date", "dueDate"), text("team_id", "team.id"), text("state_id", "state.id"),
				text("assignee_id", "assignee.id"), text("project_id", "project.id"), text("cycle_id", "cycle.id"),
				text("parent_id", "parent.id")),
			[]providers.Field{text("priority_label", "priorityLabel"), text("url", "url"), text("branch_name", "branchName"),
				float("sort_order", "sortOrder"), stamp("started_at", "startedAt"), stamp("completed_at", "completedAt"),
				stamp("canceled_at", "canceledAt"), flag("trashed", "trashed"), text("team_key", "team.key"),
				text("state_name", "state.name"), text("state_type", "state.type"), text("creator_id", "creator.id")},
			times()),
		pageSize:  50,
		mutations: createUpdateDelete,
	},
	{
		name: "projects", single: "project", webhook: "Project",
		description: "Projects: planned work spanning teams, with their lead, state and dates.",
		selection: selection("id name description slugId url color icon state priority progress startDate targetDate",
			"startedAt completedAt canceledAt createdAt updatedAt archivedAt trashed lead { id } creator { id }"),
		fields: fields([]providers.Field{
			text("name", "name"), text("description", "description"), text("slug_id", "slugId"), text("url", "url"),
			text("color", "color"), text("icon", "icon"), text("state", "state"), integer("priority", "priority"),
			float("progress", "progress"), date("start_date", "startDate"), date("target_date", "targetDate"),
			stamp("started_at", "startedAt"), stamp("completed_at", "completedAt"), stamp("canceled_at", "canceledAt"),
			flag("trashed", "trashed"), text("lead_id", "lead.id"), text("creator_id", "creator.id"),
		}, times()),
		pageSize: 100,
	},
	{
		name: "teams", single: "team",
		description: "Teams, whose keys prefix their issues' identifiers.",
		selection:   selection("id key name displayName description color icon private timezone cyclesEnabled createdAt updatedAt archivedAt"),
		fields: fields([]providers.Field{
			text("key", "key"), text("name", "name"), text("display_name", "displayName"), text("description", "description"),
			text("color", "color"), text("icon", "icon"), flag("private", "private"), text("timezone", "timezone"),
			flag("cycles_enabled", "cyclesEnabled"),
		}, times()),
		pageSize: 100,
	},
	{
		name: "users", single: "user", webhook: "User",
		description: "Users of the workspace, suspended ones included (active is false).",
		selection:   selection("id name displayName email active admin guest avatarUrl timezone url lastSeen createdAt updatedAt archivedAt"),
		fields: fields([]providers.Field{
			text("name", "name"), text("display_name", "displayName"), text("email", "email"), flag("active", "active"),
			flag("admin", "admin"), flag("guest", "guest"), text("avatar_url", "avatarUrl"), text("timezone", "timezone"),
			text("url", "url"), stamp("last_seen", "lastSeen"),
		}, times()),
		pageSize: 100,
		listArgs: "includeDisabled: true",
	},
	{
		name: "comments", single: "comment", webhook: "Comment",
		description: "Comments on issues, with their author and thread parent.",
		selection:   selection("id body url editedAt createdAt updatedAt archivedAt issue { id } user { id } parent { id }"),
		fields: fields([]providers.Field{
			text("body", "body"), text("url", "url"), stamp("edited_at", "editedAt"), text("issue_id", "issue.id"),
			text("user_id", "user.id"), text("parent_id", "parent.id"),
		}, times()),
		pageSize: 100,
	},
	{
		name: "cycles", single: "cycle", webhook: "Cycle",
		description: "Cycles: a team's time-boxed iterations.",
		selection:   selection("id number name description startsAt endsAt completedAt progress createdAt updatedAt archivedAt team { id }"),
		fields: fields([]providers.Field{
			integer("number", "number"), text("name", "name"), text("description", "description"),
			stamp("starts_at", "startsAt"), stamp("ends_at", "endsAt"), stamp("completed_at", "completedAt"),
			float("progress", "progress"), text("team_id", "team.id"),
		}, times()),
		pageSize: 100,
	},
}

// entityByWebhook finds the entity type of a webhook payload's type.
func entityByWebhook(typ string) *entityType {
	for _, t := range entityTypes {
		if t.webhook != "" && t.webhook == typ {
			return t
		}
	}
	return nil
}

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	out := make([]*providers.Collection, len(entityTypes))
	for i, t := range entityTypes {
		out[i] = t.collection()
	}
	return out
}
