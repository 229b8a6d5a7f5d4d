package emulator

import (
	"path"
	"strconv"
)

// APIVersion is the Stripe API version the emulator's events claim.
const APIVersion = "2024-06-20"

// event is a stored Stripe event. The object snapshot is shared with the record it was taken from,
// so an event costs little more than its header.
type event struct {
	id       string
	typ      string
	created  int64
	account  string
	object   []byte
	seed     *seedRef // the object snapshot of a seeded event, when object is nil
	prev     []byte   // encoded previous_attributes, nil when absent
	reqID    string
	idemKey  string
	webhooks int
}

func (e *event) encode() []byte {
	object := e.object
	if object == nil && e.seed != nil {
		object = e.seed.bytes()
	}
	b := make([]byte, 0, len(object)+len(e.prev)+320)
	b = append(b, `{"id":`...)
	b = appendString(b, e.id)
	b = append(b, `,"object":"event"`...)
	if e.account != "" {
		b = append(b, `,"account":`...)
		b = appendString(b, e.account)
	}
	b = append(b, `,"api_version":"`+APIVersion+`","created":`...)
	b = strconv.AppendInt(b, e.created, 10)
	b = append(b, `,"data":{"object":`...)
	b = append(b, object...)
	if e.prev != nil {
		b = append(b, `,"previous_attributes":`...)
		b = append(b, e.prev...)
	}
	b = append(b, `},"livemode":false,"pending_webhooks":`...)
	b = strconv.AppendInt(b, int64(e.webhooks), 10)
	b = append(b, `,"request":{"id":`...)
	b = appendJSON(b, nilIfEmpty(e.reqID))
	b = append(b, `,"idempotency_key":`...)
	b = appendJSON(b, nilIfEmpty(e.idemKey))
	b = append(b, `},"type":`...)
	b = appendString(b, e.typ)
	return append(b, '}')
}

// eventMatcher builds the predicate of GET /v1/events from its type and types[] filters.
func eventMatcher(p map[string]any) (func(*record) bool, error) {
	typ, _ := p["type"].(string)
	types, _ := p["types"].([]any)
	if typ != "" && len(types) > 0 {
		return nil, invalid("", "types", "You may only specify one of these parameters: type, types.")
	}
	if len(types) > 20 {
		return nil, invalid("", "types", "You may specify at most 20 event types in `types`.")
	}
	switch {
	case typ != "":
		if _, err := path.Match(typ, ""); err != nil {
			return nil, invalid("", "type", "Invalid event type pattern: %s", typ)
		}
		return func(r *record) bool {
			ok, _ := path.Match(typ, r.ev.typ)
			return ok
		}, nil
	case len(types) > 0:
		set := make(map[string]bool, len(types))
		for _, t := range types {
			set[str(t)] = true
		}
		return func(r *record) bool { return set[r.ev.typ] }, nil
	}
	return nil, nil
}

// diff returns the previous values of the top-level fields that differ between old and obj.
func diff(old, obj map[string]any) map[string]any {
	prev := map[string]any{}
	for k, v := range old {
		if nv, ok := obj[k]; !ok || !sameJSON(v, nv) {
			prev[k] = v
		}
	}
	for k := range obj {
		if _, ok := old[k]; !ok {
			prev[k] = nil
		}
	}
	return prev
}
