package emulator

import "slices"

// The emulated types. Each entity type has scalar fields (read from the entity) and object fields
// (read through a foreign key held among the entity's properties).
const (
	tIssue         = "Issue"
	tProject       = "Project"
	tTeam          = "Team"
	tUser          = "User"
	tComment       = "Comment"
	tCycle         = "Cycle"
	tWorkflowState = "WorkflowState"
)

// relation is an object field: the type it points to and the property holding the target's id.
type relation struct {
	typ string
	fk  string
}

// typeDef describes one entity type.
type typeDef struct {
	name    string
	scalars []string
	objects map[string]relation
	// list and single are the root query fields listing and fetching the type ("issues", "issue").
	list, single string
	// webhook is the type's name in webhook payloads, "" when Linear sends none for it.
	webhook string
}

// has reports whether the type has the scalar field name.
func (t *typeDef) has(name string) bool { return slices.Contains(t.scalars, name) }

// common are the scalar fields every entity has.
var common = []string{"id", "createdAt", "updatedAt", "archivedAt"}

// types is the schema of the emulated entity types.
var types = map[string]*typeDef{
	tIssue: {
		name: tIssue, list: "issues", single: "issue", webhook: "Issue",
		scalars: append([]string{"identifier", "number", "title", "description", "priority", "priorityLabel", "estimate",
			"url", "branchName", "sortOrder", "labelIds", "dueDate", "startedAt", "completedAt", "canceledAt", "trashed"}, common...),
		objects: map[string]relation{
			"team": {tTeam, "teamId"}, "state": {tWorkflowState, "stateId"}, "assignee": {tUser, "assigneeId"},
			"creator": {tUser, "creatorId"}, "project": {tProject, "projectId"}, "cycle": {tCycle, "cycleId"},
			"parent": {tIssue, "parentId"},
		},
	},
	tProject: {
		name: tProject, list: "projects", single: "project", webhook: "Project",
		scalars: append([]string{"name", "description", "slugId", "url", "color", "icon", "state", "priority", "progress",
			"startDate", "targetDate", "startedAt", "completedAt", "canceledAt", "trashed"}, common...),
		objects: map[string]relation{"lead": {tUser, "leadId"}, "creator": {tUser, "creatorId"}},
	},
	tTeam: {
		name: tTeam, list: "teams", single: "team",
		scalars: append([]string{"key", "name", "displayName", "description", "color", "icon", "private", "timezone",
			"cyclesEnabled"}, common...),
		objects: map[string]relation{},
	},
	tUser: {
		name: tUser, list: "users", single: "user", webhook: "User",
		scalars: append([]string{"name", "displayName", "email", "active", "admin", "guest", "avatarUrl", "timezone",
			"url", "lastSeen"}, common...),
		objects: map[string]relation{},
	},
	tComment: {
		name: tComment, list: "comments", single: "comment", webhook: "Comment",
		scalars: append([]string{"body", "url", "editedAt", "issueId", "parentId"}, common...),
		objects: map[string]relation{"issue": {tIssue, "issueId"}, "user": {tUser, "userId"}, "parent": {tComment, "parentId"}},
	},
	tCycle: {
		name: tCycle, list: "cycles", single: "cycle", webhook: "Cycle",
		scalars: append([]string{"number", "name", "description", "startsAt", "endsAt", "completedAt", "progress"}, common...),
		objects: map[string]relation{"team": {tTeam, "teamId"}},
	},
	tWorkflowState: {
		name:    tWorkflowState,
		scalars: append([]string{"name", "type", "color", "position"}, common...),
		objects: map[string]relation{"team": {tTeam, "teamId"}},
	},
}

// Collections are the entity types a sync lists, by their root list field, in a stable order.
var Collections = []string{"issues", "projects", "teams", "users", "comments", "cycles"}

// typeByList finds a type by its root list field ("issues").
func typeByList(name string) *typeDef {
	for _, t := range types {
		if t.list != "" && t.list == name {
			return t
		}
	}
	return nil
}

// typeBySingle finds a type by its root single field ("issue").
func typeBySingle(name string) *typeDef {
	for _, t := range types {
		if t.single != "" && t.single == name {
			return t
		}
	}
	return nil
}
