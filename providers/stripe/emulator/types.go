package emulator

import (
	"strings"
)

// deleteMode is what DELETE /v1/<coll>/{id} does for a type.
type deleteMode int

const (
	delNone   deleteMode = iota // no DELETE route
	delStub                     // deleted; GET answers {"id", "object", "deleted": true} (customers)
	delGone                     // deleted; GET answers 404
	delCancel                   // DELETE cancels and the object stays (subscriptions)
)

// action is a POST /v1/<coll>/{id}/<name> endpoint.
type action struct {
	params schema
	// fn validates and changes obj (it may create other objects), returning the events to emit.
	fn    func(t *tx, obj, p map[string]any) ([]string, error)
	after func(t *tx, obj map[string]any)
}

// typeSpec describes one Stripe object type: its routes, parameters, filters, events and behaviour.
type typeSpec struct {
	name   string // object type, e.g. "customer"
	coll   string // URL segment, e.g. "customers"
	prefix string // id prefix, e.g. "cus"; "" for random 8-character ids (coupons)
	userID bool   // the id may be chosen with the id parameter

	create, update schema
	list           schema   // list filters beyond limit, cursors, created and expand
	filters        []string // fields extracted for filtering
	extract        func(obj map[string]any) []string
	matcher        func(p map[string]any) (func(*record) bool, error)

	httpCreate, httpUpdate bool
	del                    deleteMode
	touch                  string // field set to the current time on every change ("updated")

	blank       func(t *tx, id string) map[string]any
	onCreate    func(t *tx, obj, p map[string]any) error
	afterCreate func(t *tx, rec *record, obj, p map[string]any) error
	onUpdate    func(t *tx, old, obj, p map[string]any) error
	onDelete    func(t *tx, rec *record, obj map[string]any) error
	actions     map[string]*action

	evCreated func(obj map[string]any) string
	evUpdated string
	evDeleted string
}

func (spec *typeSpec) extractVals(obj map[string]any) []string {
	if spec.extract != nil {
		return spec.extract(obj)
	}
	if len(spec.filters) == 0 {
		return nil
	}
	vals := make([]string, len(spec.filters))
	for i, f := range spec.filters {
		vals[i] = filterString(obj[f])
	}
	return vals
}

func filterString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case map[string]any:
		return str(x["id"])
	}
	if n, ok := toInt64(v); ok {
		return itoa(n)
	}
	return ""
}

// eqMatcher matches records whose filter values equal the given parameters.
func (spec *typeSpec) eqMatcher(p map[string]any, skip ...string) func(*record) bool {
	type cond struct {
		i int
		v string
	}
	var conds []cond
	for i, f := range spec.filters {
		v, ok := p[f]
		if !ok || v == nil || contains(skip, f) {
			continue
		}
		conds = append(conds, cond{i, filterString(v)})
	}
	if len(conds) == 0 {
		return nil
	}
	return func(r *record) bool {
		for _, c := range conds {
			if r.vals[c.i] != c.v {
				return false
			}
		}
		return true
	}
}

func and(fs ...func(*record) bool) func(*record) bool {
	var live []func(*record) bool
	for _, f := range fs {
		if f != nil {
			live = append(live, f)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0]
	}
	return func(r *record) bool {
		for _, f := range live {
			if !f(r) {
				return false
			}
		}
		return true
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// specs lists the collections in seeding order; specByName and specByColl index them.
var (
	specs      []*typeSpec
	specByName = map[string]*typeSpec{}
	specByColl = map[string]*typeSpec{}
	eventSpec  = &typeSpec{name: "event", coll: "events", prefix: "evt",
		list: schema{"type": pStr(), "types": pList(pStr()), "delivery_success": pBool()}}
)

func init() {
	specs = []*typeSpec{customerSpec(), productSpec(), priceSpec(), couponSpec(), subscriptionSpec(), invoiceSpec(),
		paymentIntentSpec(), chargeSpec(), balanceTransactionSpec(), refundSpec(), disputeSpec(), payoutSpec()}
	eventSpec.matcher = eventMatcher
	for _, s := range append(specs, eventSpec) {
		specByName[s.name] = s
		specByColl[s.coll] = s
	}
}

// Shared parameter schemas.

func addressSchema() schema {
	return schema{"city": pStr(), "country": pStr(), "line1": pStr(), "line2": pStr(), "postal_code": pStr(), "state": pStr()}
}

func shippingSchema() schema {
	return schema{"address": pObj(addressSchema()), "name": pStr(), "phone": pStr(), "carrier": pStr(), "tracking_number": pStr()}
}

func recurringSchema() schema {
	return schema{"interval": pStr(), "interval_count": pInt(), "usage_type": pStr(), "aggregate_usage": pStr(),
		"meter": pStr(), "trial_period_days": pInt()}
}

var expandParam = pList(pStr()).logic()

func common(s schema) schema { return with(s, schema{"expand": expandParam, "metadata": pHash()}) }

func requireStr(p map[string]any, name string) (string, error) {
	s, _ := p[name].(string)
	if s == "" {
		return "", errRequired(name)
	}
	return s, nil
}

func requireAmount(p map[string]any, name string) (int64, error) {
	v, ok := p[name]
	if !ok || v == nil {
		return 0, errRequired(name)
	}
	n, _ := toInt64(v)
	return n, nil
}

func validCurrency(obj map[string]any) error {
	c := strings.ToLower(str(obj["currency"]))
	if c == "" {
		return errRequired("currency")
	}
	if len(c) != 3 {
		return invalid("parameter_invalid_string", "currency", "Invalid currency: %s. Stripe currently supports these currencies: usd, eur, gbp, ...", c)
	}
	obj["currency"] = c
	return nil
}

func oneOf(name, v string, allowed ...string) error {
	if v == "" || contains(allowed, v) {
		return nil
	}
	return invalid("", name, "Invalid %s: must be one of %s", name, strings.Join(allowed, ", "))
}

// onlyParams rejects parameters outside allowed with msg.
func onlyParams(p map[string]any, msg string, allowed ...string) error {
	for k := range p {
		if k != "expand" && k != "metadata" && !contains(allowed, k) {
			return invalid("", k, "%s", msg)
		}
	}
	return nil
}
