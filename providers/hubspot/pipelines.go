package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/sequinsync/sequin/providers"
)

// pipelineTypes are the object types whose pipelines are synced.
var pipelineTypes = []string{"deals", "tickets"}

// pipelinesCollection is the pipelines of deals and tickets with their stages. Pipelines are few and
// unpaged, so polling lists them again and one no longer listed is deleted by the sweep. A pipeline's
// id is only unique within its object type, so the record id is "<object type>:<pipeline id>" and the
// object carries an added "objectType".
func pipelinesCollection() *providers.Collection {
	return &providers.Collection{
		ID:          Name + ":pipelines",
		Name:        "pipelines",
		Description: "Deal and ticket pipelines with their stages.",
		Fields: []providers.Field{
			{Name: "object_type", Type: "text", Path: "objectType"},
			{Name: "pipeline_id", Type: "text", Path: "id"},
			{Name: "label", Type: "text"},
			{Name: "display_order", Type: "integer", Path: "displayOrder"},
			{Name: "stages", Type: "jsonb"},
			{Name: "created_at", Type: "timestamptz", Path: "createdAt"},
			{Name: "updated_at", Type: "timestamptz", Path: "updatedAt"},
			{Name: "archived", Type: "boolean"},
		},
		Deletes:  providers.DeletesBySweep,
		Backfill: backfillPipelines,
		Get:      getPipeline,
	}
}

// backfillPipelines lists every pipeline of deals and tickets in one page.
func backfillPipelines(ctx context.Context, s *providers.Session, cur string) (*providers.Page, error) {
	if cur != "" {
		return nil, &providers.Error{Kind: providers.ErrInvalidRequest, Message: fmt.Sprintf("%v %q: pipelines are listed in one page", errCursor, clip(cur))}
	}
	out := &providers.Page{Done: true}
	for _, typ := range pipelineTypes {
		path := "/crm/v3/pipelines/" + typ
		resp, err := getJSON(ctx, s, path, nil)
		if err != nil {
			return nil, fmt.Errorf("hubspot: listing %s pipelines: %w", typ, err)
		}
		_, objs, err := decodePage(resp, "GET "+path)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			r, err := pipelineRecord(typ, o)
			if err != nil {
				return nil, err
			}
			out.Records = append(out.Records, r)
		}
	}
	out.Total = int64(len(out.Records))
	return out, nil
}

// getPipeline fetches one pipeline by its record id.
func getPipeline(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	typ, pid, ok := strings.Cut(id, ":")
	if !ok || pid == "" || !validAfter(pid) || !isPipelineType(typ) {
		return nil, notFound(fmt.Sprintf("pipeline %q does not exist: ids are <deals|tickets>:<pipeline id>", clip(id)))
	}
	path := "/crm/v3/pipelines/" + typ + "/" + url.PathEscape(pid)
	resp, err := getJSON(ctx, s, path, nil)
	if err != nil {
		return nil, fmt.Errorf("hubspot: reading %s pipeline %s: %w", typ, pid, err)
	}
	o, err := decodeObject(resp.Body, "GET /crm/v3/pipelines/"+typ)
	if err != nil {
		return nil, err
	}
	r, err := pipelineRecord(typ, o)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// isPipelineType reports whether typ is a synced pipeline object type.
func isPipelineType(typ string) bool {
	for _, t := range pipelineTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// pipelineRecord makes the record of a pipeline of typ: its id qualified by the type, and the object
// with "objectType" added.
func pipelineRecord(typ string, o object) (providers.Record, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(o.raw, &m); err != nil {
		return providers.Record{}, providers.Malformed(err, "hubspot: decoding a %s pipeline: %v", typ, err)
	}
	m["objectType"], _ = json.Marshal(typ)
	data, err := json.Marshal(m)
	if err != nil {
		return providers.Record{}, providers.Malformed(err, "hubspot: encoding a %s pipeline: %v", typ, err)
	}
	return providers.Record{ID: typ + ":" + o.id, UpdatedAt: o.updated, Data: data}, nil
}
