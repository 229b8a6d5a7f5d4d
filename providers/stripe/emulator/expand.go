package emulator

import (
	"strings"
)

// expandable maps fields holding an id to the type of object they name.
var expandable = map[string]string{
	"customer": "customer", "subscription": "subscription", "invoice": "invoice", "latest_invoice": "invoice",
	"charge": "charge", "latest_charge": "charge", "payment_intent": "payment_intent", "product": "product",
	"default_price": "price", "price": "price", "balance_transaction": "balance_transaction",
	"failure_balance_transaction": "balance_transaction",
}

// expanded applies expand[] paths (e.g. "customer", or "data.customer" on lists) to an encoded object.
// The caller holds s.mu.
func (s *Server) expanded(a *account, body []byte, expand any, isList bool) ([]byte, error) {
	paths, _ := expand.([]any)
	if len(paths) == 0 {
		return body, nil
	}
	obj, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		path := str(p)
		segs := strings.Split(path, ".")
		if len(segs) > 4 || (isList && (len(segs) < 2 || segs[0] != "data")) {
			return nil, invalid("", "expand", "This property cannot be expanded (%s).", path)
		}
		if err := expandPath(a, obj, segs, path); err != nil {
			return nil, err
		}
	}
	return encode(obj), nil
}

func expandPath(a *account, v any, segs []string, path string) error {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if err := expandPath(a, e, segs, path); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		field := segs[0]
		val, ok := x[field]
		if !ok {
			return invalid("", "expand", "This property cannot be expanded (%s).", path)
		}
		if id, isID := val.(string); isID {
			typ, can := expandable[field]
			if !can {
				return invalid("", "expand", "This property cannot be expanded (%s).", path)
			}
			if rec := a.coll(typ).byID[id]; rec != nil {
				if rec.deleted {
					x[field] = map[string]any{"id": id, "object": typ, "deleted": true}
				} else if obj, err := decodeObject(rec.json()); err == nil {
					x[field] = obj
				}
			}
		}
		if len(segs) > 1 && x[field] != nil {
			return expandPath(a, x[field], segs[1:], path)
		}
		return nil
	}
	return nil
}
