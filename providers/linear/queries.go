package linear

import "strings"

// queries are the GraphQL documents of one entity type, built once from its declaration.
type queries struct {
	// page lists a page of live entities, newest created first.
	page string
	// changed lists a page of entities (archived ones included) updated at or after $since, most
	// recently updated first.
	changed string
	// probe lists one entity id: the checkpoint's request, which also checks the credential.
	probe string
	// get fetches one entity by id.
	get string
	// Operation names, which Linear logs and which make requests easy to tell apart.
	pageOp, changedOp, probeOp, getOp string
}

// buildQueries writes the documents of t.
func (t *entityType) buildQueries() queries {
	title := strings.ToUpper(t.name[:1]) + t.name[1:]
	extra := ""
	if t.listArgs != "" {
		extra = ", " + t.listArgs
	}
	q := queries{
		pageOp:    "Sequin" + title + "Page",
		changedOp: "Sequin" + title + "Changed",
		probeOp:   "Sequin" + title + "Checkpoint",
		getOp:     "Sequin" + strings.ToUpper(t.single[:1]) + t.single[1:],
	}
	q.page = "query " + q.pageOp + "($first: Int!, $after: String) { " + t.name +
		"(first: $first, after: $after, orderBy: createdAt" + extra + ") { nodes { " + t.selection +
		" } pageInfo { hasNextPage endCursor } } }"
	q.changed = "query " + q.changedOp + "($first: Int!, $after: String, $since: DateTimeOrDuration!) { " + t.name +
		"(first: $first, after: $after, orderBy: updatedAt, includeArchived: true" + extra +
		", filter: { updatedAt: { gte: $since } }) { nodes { " + t.selection + " } pageInfo { hasNextPage endCursor } } }"
	q.probe = "query " + q.probeOp + " { " + t.name + "(first: 1" + extra + ") { nodes { id } } }"
	q.get = "query " + q.getOp + "($id: String!) { " + t.single + "(id: $id) { " + t.selection + " } }"
	return q
}
