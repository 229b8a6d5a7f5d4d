package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// reqInfo identifies the API request behind a change, for the event's request field.
type reqInfo struct {
	id, idemKey string
}

// tx is one state change in progress; the server's lock is held for its lifetime.
type tx struct {
	s   *Server
	a   *account
	now int64
	req reqInfo
}

func (s *Server) newTx(a *account, req reqInfo) *tx {
	return &tx{s: s, a: a, now: s.now().Unix(), req: req}
}

// randString returns n random base62 characters.
func (t *tx) randString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[t.s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func (t *tx) newID(prefix string) string { return prefix + "_" + t.randString(24) }

// load returns the live record of spec with id, decoded.
func (t *tx) load(spec *typeSpec, id, param string, notFound int) (*record, map[string]any, error) {
	rec := t.a.coll(spec.name).get(id)
	if rec == nil {
		e := errMissing(spec.name, id, param)
		e.Status = notFound
		return nil, nil, e
	}
	obj, err := decodeObject(rec.json())
	if err != nil {
		return nil, nil, fmt.Errorf("decoding stored %s %s: %w", spec.name, id, err)
	}
	return rec, obj, nil
}

// ref loads the object a parameter names (e.g. customer=cus_x), answering 400 when it does not exist.
func (t *tx) ref(typ, id, param string) (*record, map[string]any, error) {
	return t.load(specByName[typ], id, param, http.StatusBadRequest)
}

// insert stores a new object.
func (t *tx) insert(spec *typeSpec, obj map[string]any) *record {
	created, _ := toInt64(obj["created"])
	rec := &record{id: str(obj["id"]), seq: t.a.nextSeq(), created: created, data: encode(obj), vals: spec.extractVals(obj)}
	t.a.coll(spec.name).insert(rec)
	return rec
}

// commit saves obj over rec if it differs from old and emits evType (and any further event types) with
// the previous values of the changed fields. It reports whether anything changed.
func (t *tx) commit(spec *typeSpec, rec *record, old, obj map[string]any, evTypes ...string) bool {
	prev := diff(old, obj)
	if len(prev) == 0 {
		return false
	}
	if spec.touch != "" {
		if _, changed := prev[spec.touch]; !changed {
			prev[spec.touch] = old[spec.touch]
			obj[spec.touch] = t.now
		}
	}
	rec.data = encode(obj)
	rec.vals = spec.extractVals(obj)
	for _, typ := range evTypes {
		if typ != "" {
			t.emit(typ, rec.json(), prev)
		}
	}
	return true
}

// change loads the object with id, applies fn and commits it with the given events.
func (t *tx) change(typ, id string, fn func(obj map[string]any), evTypes ...string) {
	spec := specByName[typ]
	rec, obj, err := t.load(spec, id, "id", http.StatusNotFound)
	if err != nil {
		return
	}
	old, _ := decodeObject(rec.json())
	fn(obj)
	t.commit(spec, rec, old, obj, evTypes...)
}

// emit records an event and queues its webhook.
func (t *tx) emit(typ string, object []byte, prev map[string]any) {
	ev := &event{id: t.newID("evt"), typ: typ, created: t.now, account: t.a.id, object: object,
		reqID: t.req.id, idemKey: t.req.idemKey}
	if prev != nil {
		ev.prev = encode(prev)
	}
	if t.s.hooks != nil {
		ev.webhooks = 1
	}
	t.a.events.insert(&record{id: ev.id, seq: t.a.nextSeq(), created: ev.created, ev: ev})
	if t.s.hooks != nil {
		t.s.hooks.enqueue(ev, ev.encode())
	}
}

// create runs a create request for spec.
func (t *tx) create(spec *typeSpec, raw map[string]any) (*record, error) {
	p, err := coerce(spec.create, raw)
	if err != nil {
		return nil, err
	}
	var id string
	if spec.userID {
		id, _ = p["id"].(string)
	}
	if id != "" {
		if t.a.coll(spec.name).byID[id] != nil {
			return nil, invalid("resource_already_exists", "id", "%s already exists.", capitalize(spec.name))
		}
	} else if spec.prefix == "" {
		id = strings.ToUpper(t.randString(8))
	} else {
		id = t.newID(spec.prefix)
	}
	obj := spec.blank(t, id)
	applyParams(obj, spec.create, p)
	if spec.onCreate != nil {
		if err := spec.onCreate(t, obj, p); err != nil {
			return nil, err
		}
	}
	rec := t.insert(spec, obj)
	if spec.evCreated != nil {
		if typ := spec.evCreated(obj); typ != "" {
			t.emit(typ, rec.json(), nil)
		}
	}
	if spec.afterCreate != nil {
		if err := spec.afterCreate(t, rec, obj, p); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// update runs an update request for spec.
func (t *tx) update(spec *typeSpec, id string, raw map[string]any) (*record, error) {
	rec, obj, err := t.load(spec, id, "id", http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	p, err := coerce(spec.update, raw)
	if err != nil {
		return nil, err
	}
	old, _ := decodeObject(rec.json())
	applyParams(obj, spec.update, p)
	if spec.onUpdate != nil {
		if err := spec.onUpdate(t, old, obj, p); err != nil {
			return nil, err
		}
	}
	t.commit(spec, rec, old, obj, spec.evUpdated)
	return rec, nil
}

// remove runs a delete request for spec and returns the response body.
func (t *tx) remove(spec *typeSpec, id string) ([]byte, error) {
	rec, obj, err := t.load(spec, id, "id", http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	if spec.onDelete != nil {
		if err := spec.onDelete(t, rec, obj); err != nil {
			return nil, err
		}
	}
	if spec.del == delCancel {
		return rec.json(), nil
	}
	t.a.coll(spec.name).markDeleted(rec)
	if spec.evDeleted != "" {
		t.emit(spec.evDeleted, rec.json(), nil)
	}
	return deletedStub(spec.name, id), nil
}

// action runs POST /v1/<coll>/{id}/<name>.
func (t *tx) action(spec *typeSpec, id, name string, raw map[string]any) (*record, error) {
	act := spec.actions[name]
	rec, obj, err := t.load(spec, id, "id", http.StatusNotFound)
	if err != nil {
		return nil, err
	}
	p, err := coerce(act.params, raw)
	if err != nil {
		return nil, err
	}
	old, _ := decodeObject(rec.json())
	evTypes, err := act.fn(t, obj, p)
	if err != nil {
		return nil, err
	}
	t.commit(spec, rec, old, obj, evTypes...)
	if act.after != nil {
		act.after(t, obj)
	}
	return rec, nil
}

func deletedStub(object, id string) []byte {
	return appendJSON(nil, map[string]any{"id": id, "object": object, "deleted": true})
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func addMonths(t int64, n int) int64 { return time.Unix(t, 0).UTC().AddDate(0, n, 0).Unix() }
