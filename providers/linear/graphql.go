package linear

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// graphqlPath is the API's single endpoint.
const graphqlPath = "/graphql"

// gqlRequest is the body of a GraphQL request.
type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
	OperationName string         `json:"operationName,omitempty"`
}

// gqlError is one entry of an answer's "errors".
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code                   string `json:"code"`
		Type                   string `json:"type"`
		StatusCode             int    `json:"statusCode"`
		UserPresentableMessage string `json:"userPresentableMessage"`
	} `json:"extensions"`
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// call sends one operation and returns the value of the root field it asks for (its "data.<root>")
// and the response. Errors come back classified: a refused request (non-2xx) by the Client, an answer
// whose "errors" concern the root field itself (with HTTP 200, as Linear answers a missing entity) by
// the same classification. Errors about nested fields only (a related entity the key cannot see) leave
// the data usable: those fields are null in it.
func call(ctx context.Context, s *providers.Session, op, query, root string, vars map[string]any) (json.RawMessage, *providers.Response, error) {
	body, err := json.Marshal(gqlRequest{Query: query, Variables: vars, OperationName: op})
	if err != nil {
		return nil, nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: "linear: encoding the request: " + err.Error(), Err: err}
	}
	resp, err := s.Client.Do(ctx, &providers.Request{Method: http.MethodPost, Path: graphqlPath, Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}})
	if err != nil {
		return nil, nil, err
	}
	var r gqlResponse
	if err := resp.DecodeJSON(&r); err != nil {
		return nil, nil, err
	}
	var data map[string]json.RawMessage
	if len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, &data); err != nil {
			return nil, nil, providers.Malformed(err, "linear: %s: \"data\" is not an object: %v", op, err)
		}
	}
	value, ok := data[root]
	present := ok && len(value) > 0 && string(value) != "null"
	for _, e := range r.Errors {
		if !present || len(e.Path) <= 1 {
			return nil, nil, classify(resp.Status, resp.Header, resp.Body, time.Now())
		}
	}
	if !present {
		return nil, nil, providers.Malformed(nil, "linear: %s: the answer has no %q (HTTP %d, %d bytes)", op, root, resp.Status, len(resp.Body))
	}
	return value, resp, nil
}

// head holds the fields read from every entity.
type head struct {
	ID         string  `json:"id"`
	CreatedAt  string  `json:"createdAt"`
	UpdatedAt  string  `json:"updatedAt"`
	ArchivedAt *string `json:"archivedAt"`
}

// node is a decoded entity: its raw JSON, id, version time and whether it is archived (or trashed).
type node struct {
	raw      json.RawMessage
	id       string
	updated  time.Time
	archived bool
}

// decodeNode reads one entity and checks that it has an id and an update time.
func decodeNode(raw json.RawMessage, what string) (node, error) {
	var h head
	if err := json.Unmarshal(raw, &h); err != nil {
		return node{}, providers.Malformed(err, "linear: %s: decoding an entity: %v", what, err)
	}
	if h.ID == "" || len(h.ID) > maxID {
		return node{}, providers.Malformed(nil, "linear: %s: an entity has no valid id", what)
	}
	updated, err := time.Parse(time.RFC3339Nano, h.UpdatedAt)
	if err != nil {
		return node{}, providers.Malformed(err, "linear: %s: entity %s has no valid updatedAt (%q)", what, h.ID, clip(h.UpdatedAt))
	}
	n := node{raw: raw, id: h.ID, updated: updated.UTC()}
	if h.ArchivedAt != nil {
		n.archived = true
		// An archive that did not bump updatedAt still versions the copy after the live one.
		if at, err := time.Parse(time.RFC3339Nano, *h.ArchivedAt); err == nil && at.After(n.updated) {
			n.updated = at.UTC()
		}
	}
	return n, nil
}

// connection is a Relay connection: a page of nodes and where the next page starts.
type connection struct {
	Nodes    []json.RawMessage `json:"nodes"`
	PageInfo *struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
}

// next returns the cursor of the next page, or "" on the last page.
func (c *connection) next() string {
	if !c.PageInfo.HasNextPage || c.PageInfo.EndCursor == nil {
		return ""
	}
	return *c.PageInfo.EndCursor
}

// decodeConnection reads a connection and its nodes.
func decodeConnection(raw json.RawMessage, what string) (*connection, []node, error) {
	var c connection
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, nil, providers.Malformed(err, "linear: %s: decoding the connection: %v", what, err)
	}
	if c.Nodes == nil || c.PageInfo == nil {
		return nil, nil, providers.Malformed(nil, "linear: %s: the connection has no nodes or pageInfo", what)
	}
	if c.PageInfo.HasNextPage && (c.PageInfo.EndCursor == nil || !validCursor(*c.PageInfo.EndCursor) || len(c.Nodes) == 0) {
		return nil, nil, providers.Malformed(nil, "linear: %s: a page of %d nodes has a next page but no usable endCursor", what, len(c.Nodes))
	}
	nodes := make([]node, len(c.Nodes))
	for i, r := range c.Nodes {
		n, err := decodeNode(r, what)
		if err != nil {
			return nil, nil, err
		}
		nodes[i] = n
	}
	return &c, nodes, nil
}

// record turns a node into a record; an archived (or trashed) entity is a delete.
func (n node) record() providers.Record {
	return providers.Record{ID: n.id, UpdatedAt: n.updated, Data: n.raw, Deleted: n.archived}
}

// serverTime is when Linear answered, from the Date header (truncated to the second, so at or before
// the true time); without a usable Date, our clock a second early.
func serverTime(resp *providers.Response) time.Time {
	local := now()
	if d := resp.Header.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && t.Sub(local).Abs() < 24*time.Hour {
			return t.UTC()
		}
	}
	return local.Add(-time.Second).Truncate(time.Second).UTC()
}

// now is replaceable in tests.
var now = time.Now

// invalid is an invalid-request error raised before anything is sent.
func invalid(msg string) *providers.Error {
	return &providers.Error{Kind: providers.ErrInvalidRequest, Message: "linear: " + msg}
}

// clip shortens a value for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// describe names an operation in error messages.
func describe(op string, vars map[string]any) string {
	if id, ok := vars["id"].(string); ok {
		return fmt.Sprintf("%s(%s)", op, clip(id))
	}
	return op
}
