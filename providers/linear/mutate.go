package linear

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// The issue mutations. Each reads the issue back with the selection a sync uses, so that the record
// holds what a sync's would.
func (t *entityType) mutationDocs() (create, update, del string) {
	create = "mutation SequinIssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { " + t.selection + " } } }"
	update = "mutation SequinIssueUpdate($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success issue { " + t.selection + " } } }"
	del = "mutation SequinIssueDelete($id: String!) { issueDelete(id: $id) { success entity { " + t.selection + " } } }"
	return create, update, del
}

// mutate applies a create, update or delete of an issue. Linear lets the client choose a new issue's
// id, so a create sends an id derived from the mutation's id: a create retried after a lost response
// (by the client, or by the engine running the mutation again) is refused as a duplicate, and the
// issue the first attempt made is read back instead of a second being made. A delete moves the issue
// to the trash, from which Linear deletes it for good after 30 days.
func (t *entityType) mutate(ctx context.Context, s *providers.Session, q queries, m *providers.Mutation) (*providers.Record, error) {
	if m == nil {
		return nil, invalid("no mutation")
	}
	if !slices.Contains(t.mutations, m.Kind) {
		return nil, invalid(fmt.Sprintf("%s does not accept %q mutations", t.collectionID(), m.Kind))
	}
	if m.Kind != providers.MutationCreate {
		if m.UpstreamID == "" {
			return nil, invalid(fmt.Sprintf("a %s mutation of %s needs the upstream id", m.Kind, t.collectionID()))
		}
		if !validCursor(m.UpstreamID) {
			return nil, &providers.Error{Kind: providers.ErrNotFound, Message: fmt.Sprintf("linear: issue %q does not exist: not an id", clip(m.UpstreamID))}
		}
	}
	create, update, del := t.mutationDocs()
	switch m.Kind {
	case providers.MutationCreate:
		input, err := issueInput(m.Data, true)
		if err != nil {
			return nil, err
		}
		if _, ok := input["id"]; !ok && m.ID != "" {
			input["id"] = mutationUUID(m.IdempotencyKey())
		}
		rec, err := t.write(ctx, s, "SequinIssueCreate", create, "issueCreate", "issue", map[string]any{"input": input})
		if err != nil {
			id, _ := input["id"].(string)
			if id != "" && providers.IsInvalidRequest(err) {
				// Refused as a duplicate id: an earlier attempt of this mutation made the issue.
				if got, gerr := t.get(ctx, s, q, id); gerr == nil {
					return got, nil
				}
			}
			return nil, fmt.Errorf("linear: creating an issue: %w", err)
		}
		return rec, nil
	case providers.MutationUpdate:
		input, err := issueInput(m.Data, false)
		if err != nil {
			return nil, err
		}
		if len(input) == 0 {
			return nil, invalid("an update needs at least one field")
		}
		rec, err := t.write(ctx, s, "SequinIssueUpdate", update, "issueUpdate", "issue", map[string]any{"id": m.UpstreamID, "input": input})
		if err != nil {
			return nil, fmt.Errorf("linear: updating issue %s: %w", m.UpstreamID, err)
		}
		return rec, nil
	default:
		rec, err := t.write(ctx, s, "SequinIssueDelete", del, "issueDelete", "entity", map[string]any{"id": m.UpstreamID})
		switch {
		case providers.IsNotFound(err):
			// Deleted for good already (a delete run again after the trash was emptied).
			return &providers.Record{ID: m.UpstreamID, UpdatedAt: now().UTC(), Deleted: true}, nil
		case err != nil:
			return nil, fmt.Errorf("linear: deleting issue %s: %w", m.UpstreamID, err)
		}
		rec.Deleted = true
		return rec, nil
	}
}

// payload is the answer of an issue mutation.
type payload struct {
	Success bool            `json:"success"`
	Issue   json.RawMessage `json:"issue"`
	Entity  json.RawMessage `json:"entity"`
}

// write sends a mutation and returns the issue of its payload (field "issue" or "entity").
func (t *entityType) write(ctx context.Context, s *providers.Session, op, doc, root, field string, vars map[string]any) (*providers.Record, error) {
	raw, _, err := call(ctx, s, op, doc, root, vars)
	if err != nil {
		return nil, err
	}
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, providers.Malformed(err, "linear: %s: decoding the payload: %v", op, err)
	}
	if !p.Success {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "linear: " + describe(op, vars) + " did not succeed"}
	}
	issue := p.Issue
	if field == "entity" {
		issue = p.Entity
	}
	if len(issue) == 0 || string(issue) == "null" {
		if field == "entity" { // deleted for good: no copy left
			id, _ := vars["id"].(string)
			return &providers.Record{ID: id, UpdatedAt: now().UTC(), Deleted: true}, nil
		}
		return nil, providers.Malformed(nil, "linear: %s: the payload has no issue", op)
	}
	n, err := decodeNode(issue, op)
	if err != nil {
		return nil, err
	}
	r := n.record()
	return &r, nil
}

// mutationUUID derives a UUID v4 (the form Linear wants of a client-chosen id) from an idempotency
// key: the same mutation always asks for the same id.
func mutationUUID(key string) string {
	sum := sha256.Sum256([]byte(key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// relations map the related-entity objects of an issue, as its columns' paths write them
// ({"team": {"id": ...}}), to the input fields that set them.
var relations = map[string]string{"team": "teamId", "state": "stateId", "assignee": "assigneeId",
	"project": "projectId", "cycle": "cycleId", "parent": "parentId"}

// issueInput turns mutation data into an IssueCreateInput or IssueUpdateInput. Data holds API field
// names: scalars (title, description, priority, estimate, labelIds, dueDate, sortOrder), related
// entities as {"team": {"id": ...}} or directly as teamId, and on creates an id. Null clears a field.
func issueInput(data map[string]any, creating bool) (map[string]any, error) {
	in := map[string]any{}
	for k, v := range data {
		switch {
		case k == "id":
			s, ok := v.(string)
			if !creating || !ok || !validCursor(s) {
				return nil, invalid("id can only be chosen, as a UUID, when creating")
			}
			in["id"] = s
		case k == "title" || k == "description":
			if v != nil {
				if _, ok := v.(string); !ok {
					return nil, invalid(k + " must be a string")
				}
			}
			in[k] = v
		case k == "priority" || k == "estimate":
			n, err := integral(v)
			if err != nil {
				return nil, invalid(k + ": " + err.Error())
			}
			if k == "priority" && n != nil && (*n < 0 || *n > 4) {
				return nil, invalid("priority must be 0 (none), 1 (urgent), 2 (high), 3 (medium) or 4 (low)")
			}
			if n == nil {
				in[k] = nil
			} else {
				in[k] = *n
			}
		case k == "sortOrder":
			f, ok := number(v)
			if !ok {
				return nil, invalid("sortOrder must be a number")
			}
			in[k] = f
		case k == "labelIds":
			ids, err := stringList(v)
			if err != nil {
				return nil, invalid("labelIds: " + err.Error())
			}
			in[k] = ids
		case k == "dueDate":
			switch d := v.(type) {
			case nil:
				in[k] = nil
			case time.Time:
				in[k] = d.UTC().Format("2006-01-02")
			case string:
				if _, err := time.Parse("2006-01-02", d); err != nil {
					return nil, invalid("dueDate must be a date (YYYY-MM-DD)")
				}
				in[k] = d
			default:
				return nil, invalid("dueDate must be a date (YYYY-MM-DD)")
			}
		case relations[k] != "":
			id, err := relationID(v)
			if err != nil {
				return nil, invalid(k + ": " + err.Error())
			}
			in[relations[k]] = id
		case slices.Contains(mapValues(relations), k):
			if v != nil {
				if s, ok := v.(string); !ok || !validCursor(s) {
					return nil, invalid(k + " must be an id")
				}
			}
			in[k] = v
		default:
			return nil, invalid(fmt.Sprintf("issue field %q cannot be written", clip(k)))
		}
	}
	if creating {
		if team, _ := in["teamId"].(string); team == "" {
			return nil, invalid("creating an issue needs its team (team_id, or {\"team\": {\"id\": ...}})")
		}
	}
	return in, nil
}

// relationID reads {"id": "..."} (or null, which clears the relation).
func relationID(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, fmt.Errorf(`want {"id": "<id>"} or null`)
	}
	id, ok := m["id"]
	if !ok {
		return nil, fmt.Errorf(`want {"id": "<id>"} or null`)
	}
	if id == nil {
		return nil, nil
	}
	s, ok := id.(string)
	if !ok || !validCursor(s) {
		return nil, fmt.Errorf("the id must be a string id")
	}
	return s, nil
}

// integral reads an integer (JSON numbers arrive as float64 or json.Number); nil stays nil.
func integral(v any) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	f, ok := number(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return nil, fmt.Errorf("must be an integer")
	}
	n := int64(f)
	return &n, nil
}

// number reads a JSON number in any of the forms mutation data holds it.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		return f, err == nil
	}
	return 0, false
}

// stringList reads a list of strings.
func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return []string{}, nil
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("must be a list of ids")
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be a list of ids")
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
