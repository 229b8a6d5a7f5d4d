package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// uniqueKeyProperty is HubSpot's unique property for idempotent creates: a create carrying a key
// another object already holds is refused with a 409, and the object holding it can be read with
// idProperty.
const uniqueKeyProperty = "hs_unique_creation_key"

// readOnlyKeys are the top-level object fields a mutation cannot write.
var readOnlyKeys = []string{"id", "createdAt", "updatedAt", "archived", "archivedAt"}

// mutate applies a create, update or delete. A create carries the mutation's idempotency key in
// hs_unique_creation_key, so a create retried after a lost response (by the client, or by the engine
// running the mutation again) finds the object the first attempt made instead of making a second.
// Creates and updates read the object back, so the record holds the same properties as a sync's.
func (t *crmType) mutate(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
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
		if !validObjectID(m.UpstreamID) {
			return nil, notFound(fmt.Sprintf("%s %q does not exist: ids are numbers", t.name, clip(m.UpstreamID)))
		}
	}
	switch m.Kind {
	case providers.MutationCreate:
		return t.create(ctx, s, m)
	case providers.MutationUpdate:
		return t.update(ctx, s, m)
	default:
		return t.archive(ctx, s, m.UpstreamID)
	}
}

// writeBody is the body of a create or update.
type writeBody struct {
	Properties   map[string]string `json:"properties"`
	Associations []any             `json:"associations,omitempty"`
}

// create makes the object, or finds the one an earlier attempt of the same mutation made.
func (t *crmType) create(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	body, err := toWriteBody(m.Data, true)
	if err != nil {
		return nil, err
	}
	key := body.Properties[uniqueKeyProperty]
	if key == "" && m.ID != "" {
		key = m.IdempotencyKey()
		body.Properties[uniqueKeyProperty] = key
	}
	resp, err := sendJSON(ctx, s, http.MethodPost, t.path(), body)
	if err != nil {
		var pe *providers.Error
		if key != "" && errors.As(err, &pe) && pe.Status == http.StatusConflict {
			// The key (or another unique value) is taken: if by this mutation's object, that is the
			// result of an earlier attempt.
			o, ferr := t.fetch(ctx, s, key, uniqueKeyProperty)
			if ferr == nil {
				return &providers.Record{ID: o.id, UpdatedAt: o.updated, Data: o.raw}, nil
			}
			if !providers.IsNotFound(ferr) {
				return nil, ferr
			}
		}
		return nil, fmt.Errorf("hubspot: creating a %s: %w", t.singular, err)
	}
	created, err := decodeObject(resp.Body, "POST "+t.path())
	if err != nil {
		return nil, err
	}
	return t.readBack(ctx, s, created)
}

// update changes the object's properties.
func (t *crmType) update(ctx context.Context, s *providers.Session, m *providers.Mutation) (*providers.Record, error) {
	body, err := toWriteBody(m.Data, false)
	if err != nil {
		return nil, err
	}
	if len(body.Properties) == 0 {
		return nil, invalid("an update needs at least one property")
	}
	path := t.path() + "/" + url.PathEscape(m.UpstreamID)
	resp, err := sendJSON(ctx, s, http.MethodPatch, path, body)
	if err != nil {
		return nil, fmt.Errorf("hubspot: updating %s %s: %w", t.singular, m.UpstreamID, err)
	}
	updated, err := decodeObject(resp.Body, "PATCH "+t.path())
	if err != nil {
		return nil, err
	}
	return t.readBack(ctx, s, updated)
}

// readBack reads an object just written with the properties a sync requests; should that fail, the
// write's own answer is the record.
func (t *crmType) readBack(ctx context.Context, s *providers.Session, written object) (*providers.Record, error) {
	o, err := t.fetch(ctx, s, written.id, "")
	if err != nil {
		o = written
	}
	return &providers.Record{ID: o.id, UpdatedAt: o.updated, Data: o.raw}, nil
}

// archive deletes (archives) the object and returns its last copy marked Deleted. An object already
// gone (a delete run again) is reported deleted too.
func (t *crmType) archive(ctx context.Context, s *providers.Session, id string) (*providers.Record, error) {
	last, err := t.fetch(ctx, s, id, "")
	switch {
	case providers.IsNotFound(err):
		return &providers.Record{ID: id, UpdatedAt: now().UTC(), Deleted: true}, nil
	case err != nil:
		return nil, fmt.Errorf("hubspot: reading %s %s before archiving it: %w", t.singular, id, err)
	}
	_, err = s.Client.Do(ctx, &providers.Request{Method: http.MethodDelete, Path: t.path() + "/" + url.PathEscape(id)})
	if err != nil && !providers.IsNotFound(err) {
		return nil, fmt.Errorf("hubspot: archiving %s %s: %w", t.singular, id, err)
	}
	return &providers.Record{ID: id, UpdatedAt: now().UTC(), Data: last.raw, Deleted: true}, nil
}

// toWriteBody turns mutation data into a create or update body. Properties come from "properties"
// (where the columns' paths put them) and from any other top-level key; "associations" passes through
// on creates. Values become HubSpot's strings; null clears a property.
func toWriteBody(data map[string]any, creating bool) (*writeBody, error) {
	body := &writeBody{Properties: map[string]string{}}
	set := func(k string, v any) error {
		s, err := propertyString(v)
		if err != nil {
			return invalid(fmt.Sprintf("property %s: %v", k, err))
		}
		body.Properties[k] = s
		return nil
	}
	for k, v := range data {
		switch {
		case k == "properties":
			props, ok := v.(map[string]any)
			if !ok && v != nil {
				return nil, invalid("properties must be an object")
			}
			for pk, pv := range props {
				if err := set(pk, pv); err != nil {
					return nil, err
				}
			}
		case k == "associations":
			if !creating {
				return nil, invalid("associations can only be given when creating")
			}
			assoc, ok := v.([]any)
			if !ok {
				return nil, invalid("associations must be an array")
			}
			body.Associations = assoc
		case slices.Contains(readOnlyKeys, k):
			return nil, invalid(k + " cannot be written")
		default:
			if err := set(k, v); err != nil {
				return nil, err
			}
		}
	}
	return body, nil
}

// propertyString renders a value the way HubSpot stores property values.
func propertyString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", errors.New("not a finite number")
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000Z"), nil
	}
	return "", fmt.Errorf("%T is not a property value (properties are strings, numbers or booleans)", v)
}
