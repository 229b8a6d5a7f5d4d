package emulator

import (
	"fmt"
	"strings"
)

func customerSpec() *typeSpec {
	create := common(schema{
		"address": pObj(addressSchema()), "balance": pInt(), "cash_balance": pObj(nil).logic(), "coupon": pStr().logic(),
		"description": pStr(), "email": pStr(), "invoice_prefix": pStr(),
		"invoice_settings": pObj(schema{"custom_fields": pList(nil), "default_payment_method": pStr(), "footer": pStr(), "rendering_options": pAny()}),
		"name":             pStr(), "next_invoice_sequence": pInt(), "payment_method": pStr().logic(), "phone": pStr(),
		"preferred_locales": pList(pStr()), "promotion_code": pStr().logic(), "shipping": pObj(shippingSchema()),
		"source": pStr().logic(), "tax": pObj(nil).logic(), "tax_exempt": pStr(), "tax_id_data": pList(nil).logic(),
		"test_clock": pStr().logic(),
	})
	return &typeSpec{
		name: "customer", coll: "customers", prefix: "cus",
		create:     create,
		update:     with(without(create, "payment_method", "tax_id_data", "test_clock"), schema{"default_source": pStr()}),
		list:       schema{"email": pStr(), "test_clock": pStr()},
		filters:    []string{"email"},
		httpCreate: true, httpUpdate: true, del: delStub,
		blank: func(t *tx, id string) map[string]any {
			return blankCustomer(id, t.now, strings.ToUpper(t.randString(8)))
		},
		onCreate: func(_ *tx, obj, p map[string]any) error {
			return oneOf("tax_exempt", str(p["tax_exempt"]), "none", "exempt", "reverse")
		},
		onUpdate: func(_ *tx, _, _, p map[string]any) error {
			return oneOf("tax_exempt", str(p["tax_exempt"]), "none", "exempt", "reverse")
		},
		onDelete: func(t *tx, _ *record, obj map[string]any) error {
			// Deleting a customer cancels its subscriptions, as in Stripe.
			subs := t.a.coll("subscription")
			for _, r := range subs.order {
				if !r.deleted && r.vals[0] == obj["id"] && r.vals[1] != "canceled" {
					cancelSubscription(t, r)
				}
			}
			return nil
		},
		evCreated: func(map[string]any) string { return "customer.created" },
		evUpdated: "customer.updated", evDeleted: "customer.deleted",
	}
}

func productSpec() *typeSpec {
	create := common(schema{
		"id": pStr().logic(), "name": pStr(), "active": pBool(), "description": pStr(), "images": pList(pStr()),
		"marketing_features": pList(pObj(schema{"name": pStr()})),
		"package_dimensions": pObj(schema{"height": pFloat(), "length": pFloat(), "weight": pFloat(), "width": pFloat()}),
		"shippable":          pBool(), "statement_descriptor": pStr(), "tax_code": pStr(), "unit_label": pStr(), "url": pStr(),
		"type": pStr(),
		"default_price_data": pObj(schema{"currency": pStr(), "unit_amount": pInt(), "unit_amount_decimal": pStr(),
			"recurring": pObj(recurringSchema()), "tax_behavior": pStr(), "currency_options": pAny()}).logic(),
	})
	update := without(create, "id", "type", "default_price_data")
	update["default_price"] = pStr()
	return &typeSpec{
		name: "product", coll: "products", prefix: "prod", userID: true,
		create: create, update: update,
		list:       schema{"active": pBool(), "ids": pList(pStr()), "shippable": pBool(), "url": pStr(), "type": pStr()},
		filters:    []string{"active", "shippable", "url", "type"},
		httpCreate: true, httpUpdate: true, del: delGone, touch: "updated",
		matcher: func(p map[string]any) (func(*record) bool, error) {
			var idf func(*record) bool
			if ids, _ := p["ids"].([]any); len(ids) > 0 {
				set := map[string]bool{}
				for _, id := range ids {
					set[str(id)] = true
				}
				idf = func(r *record) bool { return set[r.id] }
			}
			return and(specByName["product"].eqMatcher(p), idf), nil
		},
		blank: func(t *tx, id string) map[string]any { return blankProduct(id, t.now) },
		onCreate: func(_ *tx, obj, p map[string]any) error {
			if _, err := requireStr(p, "name"); err != nil {
				return err
			}
			if dpd, ok := p["default_price_data"].(map[string]any); ok && str(dpd["currency"]) == "" {
				return errRequired("default_price_data[currency]")
			}
			return oneOf("type", str(p["type"]), "good", "service")
		},
		afterCreate: func(t *tx, rec *record, obj, p map[string]any) error {
			dpd, ok := p["default_price_data"].(map[string]any)
			if !ok {
				return nil
			}
			params := map[string]any{"product": obj["id"]}
			for k, v := range dpd {
				if k != "currency_options" {
					params[k] = v
				}
			}
			price, err := t.create(specByName["price"], normalize(params).(map[string]any))
			if err != nil {
				return err
			}
			t.change("product", rec.id, func(o map[string]any) { o["default_price"] = price.id }, "product.updated")
			return nil
		},
		onUpdate: func(t *tx, _, obj, p map[string]any) error {
			if p["name"] == nil && hasKey(p, "name") {
				return invalid("", "name", "You cannot unset the name of a product.")
			}
			if id, _ := p["default_price"].(string); id != "" {
				_, price, err := t.ref("price", id, "default_price")
				if err != nil {
					return err
				}
				if price["product"] != obj["id"] {
					return invalid("", "default_price", "The price %s does not belong to product %s.", id, obj["id"])
				}
			}
			return nil
		},
		evCreated: func(map[string]any) string { return "product.created" },
		evUpdated: "product.updated", evDeleted: "product.deleted",
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func priceSpec() *typeSpec {
	create := common(schema{
		"currency": pStr(), "product": pStr(),
		"product_data": pObj(schema{"name": pStr(), "active": pBool(), "metadata": pHash(), "statement_descriptor": pStr(),
			"tax_code": pStr(), "unit_label": pStr(), "id": pStr()}).logic(),
		"unit_amount": pInt(), "unit_amount_decimal": pStr(), "active": pBool(), "billing_scheme": pStr(),
		"lookup_key": pStr(), "nickname": pStr(), "recurring": pObj(recurringSchema()), "tax_behavior": pStr(),
		"tiers": pList(nil).logic(), "tiers_mode": pStr(), "transfer_lookup_key": pBool().logic(),
		"transform_quantity": pObj(schema{"divide_by": pInt(), "round": pStr()}),
		"custom_unit_amount": pObj(schema{"enabled": pBool(), "maximum": pInt(), "minimum": pInt(), "preset": pInt()}),
		"currency_options":   pAny().logic(),
	})
	return &typeSpec{
		name: "price", coll: "prices", prefix: "price",
		create: create,
		update: common(schema{"active": pBool(), "lookup_key": pStr(), "nickname": pStr(), "tax_behavior": pStr(),
			"transfer_lookup_key": pBool().logic(), "currency_options": pAny().logic()}),
		list: schema{"active": pBool(), "currency": pStr(), "product": pStr(), "type": pStr(),
			"lookup_keys": pList(pStr()), "recurring": pObj(nil).logic()},
		filters:    []string{"active", "currency", "product", "type", "lookup_key"},
		httpCreate: true, httpUpdate: true,
		matcher: func(p map[string]any) (func(*record) bool, error) {
			var lk func(*record) bool
			if keys, _ := p["lookup_keys"].([]any); len(keys) > 0 {
				set := map[string]bool{}
				for _, k := range keys {
					set[str(k)] = true
				}
				lk = func(r *record) bool { return set[r.vals[4]] }
			}
			return and(specByName["price"].eqMatcher(p), lk), nil
		},
		blank: func(t *tx, id string) map[string]any { return blankPrice(id, t.now) },
		onCreate: func(t *tx, obj, p map[string]any) error {
			if err := validCurrency(obj); err != nil {
				return err
			}
			pd, hasPD := p["product_data"].(map[string]any)
			if hasPD {
				if str(pd["name"]) == "" {
					return errRequired("product_data[name]")
				}
			} else {
				id, err := requireStr(p, "product")
				if err != nil {
					return err
				}
				if _, _, err := t.ref("product", id, "product"); err != nil {
					return err
				}
			}
			if err := oneOf("billing_scheme", str(p["billing_scheme"]), "per_unit", "tiered"); err != nil {
				return err
			}
			if err := oneOf("tax_behavior", str(p["tax_behavior"]), "exclusive", "inclusive", "unspecified"); err != nil {
				return err
			}
			if n, ok := p["unit_amount"].(int64); ok {
				if n < 0 {
					return invalid("", "unit_amount", "This value must be greater than or equal to 0.")
				}
				obj["unit_amount_decimal"] = itoa(n)
			} else if d, ok := p["unit_amount_decimal"].(string); ok {
				if n, ok := toInt64(d); ok {
					obj["unit_amount"] = n
				}
			}
			if rec, ok := obj["recurring"].(map[string]any); ok {
				iv := str(rec["interval"])
				if iv == "" {
					return errRequired("recurring[interval]")
				}
				if err := oneOf("recurring[interval]", iv, "day", "week", "month", "year"); err != nil {
					return err
				}
				if rec["interval_count"] == nil {
					rec["interval_count"] = int64(1)
				}
				if rec["usage_type"] == nil {
					rec["usage_type"] = "licensed"
				}
				obj["type"] = "recurring"
			}
			if hasPD {
				params := map[string]any{}
				for k, v := range pd {
					params[k] = v
				}
				prod, err := t.create(specByName["product"], normalize(params).(map[string]any))
				if err != nil {
					return err
				}
				obj["product"] = prod.id
			}
			return nil
		},
		evCreated: func(map[string]any) string { return "price.created" },
		evUpdated: "price.updated",
	}
}

func couponSpec() *typeSpec {
	create := common(schema{
		"id": pStr().logic(), "amount_off": pInt(), "currency": pStr(), "duration": pStr(), "duration_in_months": pInt(),
		"max_redemptions": pInt(), "name": pStr(), "percent_off": pFloat(), "redeem_by": pInt(),
		"applies_to": pObj(nil).logic(), "currency_options": pAny().logic(),
	})
	return &typeSpec{
		name: "coupon", coll: "coupons", prefix: "", userID: true,
		create:     create,
		update:     common(schema{"name": pStr(), "currency_options": pAny().logic()}),
		httpCreate: true, httpUpdate: true, del: delGone,
		blank: func(t *tx, id string) map[string]any { return blankCoupon(id, t.now) },
		onCreate: func(_ *tx, obj, p map[string]any) error {
			pct, amt := p["percent_off"], p["amount_off"]
			switch {
			case pct == nil && amt == nil:
				return invalid("parameter_missing", "percent_off", "Must provide either `percent_off` or `amount_off`.")
			case pct != nil && amt != nil:
				return invalid("", "amount_off", "You may only specify one of these parameters: amount_off, percent_off.")
			case pct != nil:
				if f := pct.(float64); f <= 0 || f > 100 {
					return invalid("", "percent_off", "percent_off must be greater than 0 and at most 100.")
				}
			default:
				if str(p["currency"]) == "" {
					return invalid("parameter_missing", "currency", "You must pass currency when passing amount_off.")
				}
				if err := validCurrency(obj); err != nil {
					return err
				}
			}
			d := str(p["duration"])
			if err := oneOf("duration", d, "forever", "once", "repeating"); err != nil {
				return err
			}
			if d == "repeating" && p["duration_in_months"] == nil {
				return errRequired("duration_in_months")
			}
			if d != "repeating" && p["duration_in_months"] != nil {
				return invalid("", "duration_in_months", "duration_in_months can only be set when duration is repeating.")
			}
			if d == "" {
				obj["duration"] = "once"
			}
			return nil
		},
		evCreated: func(map[string]any) string { return "coupon.created" },
		evUpdated: "coupon.updated", evDeleted: "coupon.deleted",
	}
}

var itemSchema = schema{
	"id": pStr(), "price": pStr(), "quantity": pInt(), "metadata": pHash(), "deleted": pBool(), "clear_usage": pBool(),
	"price_data": pObj(schema{"currency": pStr(), "product": pStr(), "recurring": pObj(recurringSchema()),
		"unit_amount": pInt(), "unit_amount_decimal": pStr(), "tax_behavior": pStr()}),
	"tax_rates": pList(pStr()), "discounts": pList(nil), "billing_thresholds": pAny(),
}

func subscriptionSpec() *typeSpec {
	create := common(schema{
		"customer": pStr(), "items": pList(pObj(itemSchema)).logic(), "add_invoice_items": pList(nil).logic(),
		"application_fee_percent": pFloat(), "automatic_tax": pObj(schema{"enabled": pBool(), "liability": pAny()}),
		"backdate_start_date": pInt().logic(), "billing_cycle_anchor": pInt(), "billing_cycle_anchor_config": pAny().logic(),
		"billing_thresholds": pAny(), "cancel_at": pInt(), "cancel_at_period_end": pBool(), "collection_method": pStr(),
		"coupon": pStr().logic(), "currency": pStr(), "days_until_due": pInt(), "default_payment_method": pStr(),
		"default_source": pStr(), "default_tax_rates": pList(pStr()), "description": pStr(), "discounts": pList(nil).logic(),
		"invoice_settings": pAny().logic(), "off_session": pBool().logic(), "on_behalf_of": pStr(),
		"payment_behavior": pStr().logic(), "payment_settings": pObj(nil), "pending_invoice_item_interval": pAny(),
		"promotion_code": pStr().logic(), "proration_behavior": pStr().logic(), "transfer_data": pAny(),
		"trial_end": pStr().logic(), "trial_from_plan": pBool().logic(), "trial_period_days": pInt().logic(),
		"trial_settings": pAny().logic(),
	})
	update := without(create, "customer", "backdate_start_date", "currency", "trial_period_days", "billing_cycle_anchor")
	update["billing_cycle_anchor"] = pStr().logic()
	update["cancellation_details"] = pObj(schema{"comment": pStr(), "feedback": pStr()})
	update["pause_collection"] = pObj(schema{"behavior": pStr(), "resumes_at": pInt()})
	update["proration_date"] = pInt().logic()
	return &typeSpec{
		name: "subscription", coll: "subscriptions", prefix: "sub",
		create: create, update: update,
		list: schema{"customer": pStr(), "price": pStr(), "status": pStr(), "collection_method": pStr(),
			"current_period_end": pAny().logic(), "current_period_start": pAny().logic(), "test_clock": pStr(),
			"automatic_tax": pObj(nil).logic()},
		filters: []string{"customer", "status", "collection_method", "price"},
		extract: func(obj map[string]any) []string {
			var prices []string
			for _, it := range items(obj) {
				prices = append(prices, filterString(it["price"]))
			}
			return []string{filterString(obj["customer"]), str(obj["status"]), str(obj["collection_method"]), strings.Join(prices, " ")}
		},
		matcher: func(p map[string]any) (func(*record) bool, error) {
			spec := specByName["subscription"]
			var st func(*record) bool
			switch status := str(p["status"]); status {
			case "":
				st = func(r *record) bool { return r.vals[1] != "canceled" }
			case "all":
			case "ended":
				st = func(r *record) bool { return r.vals[1] == "canceled" || r.vals[1] == "incomplete_expired" }
			default:
				if err := oneOf("status", status, "active", "past_due", "unpaid", "canceled", "incomplete",
					"incomplete_expired", "trialing", "paused"); err != nil {
					return nil, err
				}
				st = func(r *record) bool { return r.vals[1] == status }
			}
			var pr func(*record) bool
			if price := str(p["price"]); price != "" {
				pr = func(r *record) bool { return contains(strings.Fields(r.vals[3]), price) }
			}
			return and(spec.eqMatcher(p, "status", "price"), st, pr), nil
		},
		httpCreate: true, httpUpdate: true, del: delCancel,
		blank: func(t *tx, id string) map[string]any { return blankSubscription(id, t.now) },
		onCreate: func(t *tx, obj, p map[string]any) error {
			cus, err := requireStr(p, "customer")
			if err != nil {
				return err
			}
			if _, _, err := t.ref("customer", cus, "customer"); err != nil {
				return err
			}
			list, _ := p["items"].([]any)
			if len(list) == 0 {
				return errRequired("items")
			}
			if err := oneOf("collection_method", str(p["collection_method"]), "charge_automatically", "send_invoice"); err != nil {
				return err
			}
			if str(p["collection_method"]) == "send_invoice" && p["days_until_due"] == nil {
				return errRequired("days_until_due")
			}
			var data []any
			for i, e := range list {
				it, err := subscriptionItemFromParams(t, obj, e.(map[string]any), i)
				if err != nil {
					return err
				}
				data = append(data, it)
			}
			setItems(obj, data)
			if price, ok := data[0].(map[string]any)["price"].(map[string]any); ok && p["currency"] == nil {
				obj["currency"] = price["currency"]
			}
			if anchor, ok := p["billing_cycle_anchor"].(int64); ok {
				obj["current_period_end"] = anchor
			} else {
				obj["current_period_end"] = addMonths(t.now, 1)
			}
			if days, ok := p["trial_period_days"].(int64); ok && days > 0 {
				obj["status"] = "trialing"
				obj["trial_start"] = t.now
				obj["trial_end"] = t.now + days*86400
				obj["current_period_end"] = t.now + days*86400
			} else if te := str(p["trial_end"]); te != "" && te != "now" {
				end, ok := toInt64(te)
				if !ok || end <= t.now {
					return invalid("", "trial_end", "Invalid timestamp: must be an integer Unix timestamp in the future.")
				}
				obj["status"] = "trialing"
				obj["trial_start"] = t.now
				obj["trial_end"] = end
				obj["current_period_end"] = end
			}
			if obj["cancel_at_period_end"] == true {
				obj["cancel_at"] = obj["current_period_end"]
				obj["canceled_at"] = t.now
			}
			return nil
		},
		onUpdate: func(t *tx, old, obj, p map[string]any) error {
			if old["status"] == "canceled" {
				return onlyParams(p, "A canceled subscription can only update its cancellation_details and metadata.", "cancellation_details")
			}
			if list, ok := p["items"].([]any); ok {
				if err := updateItems(t, obj, list); err != nil {
					return err
				}
			}
			if v, ok := p["cancel_at_period_end"].(bool); ok {
				if v {
					obj["cancel_at"] = obj["current_period_end"]
					obj["canceled_at"] = t.now
				} else {
					obj["cancel_at"] = nil
					obj["canceled_at"] = nil
				}
			}
			if te := str(p["trial_end"]); te == "now" && obj["status"] == "trialing" {
				obj["status"] = "active"
				obj["trial_end"] = t.now
				obj["current_period_start"] = t.now
				obj["current_period_end"] = addMonths(t.now, 1)
			} else if end, ok := toInt64(te); ok && te != "" {
				obj["trial_end"] = end
				obj["status"] = "trialing"
			}
			if pc, ok := p["pause_collection"]; ok && pc != nil {
				if err := oneOf("pause_collection[behavior]", str(pc.(map[string]any)["behavior"]), "keep_as_draft", "mark_uncollectible", "void"); err != nil {
					return err
				}
			}
			return nil
		},
		onDelete: func(t *tx, rec *record, obj map[string]any) error {
			if obj["status"] == "canceled" {
				return invalid("", "", "This subscription has already been canceled. You cannot cancel it again.")
			}
			cancelSubscription(t, rec)
			return nil
		},
		evCreated: func(map[string]any) string { return "customer.subscription.created" },
		evUpdated: "customer.subscription.updated",
	}
}

// cancelSubscription ends a subscription now and emits customer.subscription.deleted.
func cancelSubscription(t *tx, rec *record) {
	t.change("subscription", rec.id, func(o map[string]any) {
		o["status"] = "canceled"
		o["canceled_at"] = t.now
		o["ended_at"] = t.now
		o["cancel_at_period_end"] = false
		cd, _ := o["cancellation_details"].(map[string]any)
		if cd == nil {
			cd = map[string]any{"comment": nil, "feedback": nil}
			o["cancellation_details"] = cd
		}
		cd["reason"] = "cancellation_requested"
	}, "customer.subscription.deleted")
}

func items(obj map[string]any) []map[string]any {
	list, _ := obj["items"].(map[string]any)
	data, _ := list["data"].([]any)
	out := make([]map[string]any, 0, len(data))
	for _, d := range data {
		if m, ok := d.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func setItems(obj map[string]any, data []any) {
	list, _ := obj["items"].(map[string]any)
	if list == nil {
		list = map[string]any{"object": "list", "has_more": false, "url": "/v1/subscription_items?subscription=" + str(obj["id"])}
		obj["items"] = list
	}
	if data == nil {
		data = []any{}
	}
	list["data"] = data
	list["total_count"] = int64(len(data))
	if len(data) > 0 {
		if q, ok := data[0].(map[string]any)["quantity"]; ok {
			obj["quantity"] = q
		}
	}
}

// resolvePrice returns the price an item parameter names, creating an inline one for price_data.
func resolvePrice(t *tx, it map[string]any, i int) (map[string]any, error) {
	if pd, ok := it["price_data"].(map[string]any); ok {
		params := map[string]any{}
		for k, v := range pd {
			params[k] = v
		}
		if params["product"] == nil {
			return nil, errRequired(fmt.Sprintf("items[%d][price_data][product]", i))
		}
		rec, err := t.create(specByName["price"], normalize(params).(map[string]any))
		if err != nil {
			return nil, err
		}
		return decodeObject(rec.json())
	}
	id := str(it["price"])
	if id == "" {
		return nil, errRequired(fmt.Sprintf("items[%d][price]", i))
	}
	_, price, err := t.ref("price", id, fmt.Sprintf("items[%d][price]", i))
	if err != nil {
		return nil, err
	}
	if price["active"] == false {
		return nil, invalid("", fmt.Sprintf("items[%d][price]", i), "The price specified is inactive. This field only accepts active prices.")
	}
	return price, nil
}

func subscriptionItemFromParams(t *tx, sub, it map[string]any, i int) (map[string]any, error) {
	price, err := resolvePrice(t, it, i)
	if err != nil {
		return nil, err
	}
	q := int64(1)
	if n, ok := it["quantity"].(int64); ok {
		q = n
	}
	item := subscriptionItem(t.newID("si"), str(sub["id"]), t.now, price, q)
	if md, ok := it["metadata"].(map[string]any); ok {
		item["metadata"] = mergeHash(nil, md)
	}
	return item, nil
}

// updateItems applies items[] of a subscription update: entries with an id change (or delete) that
// item, entries without one add an item.
func updateItems(t *tx, obj map[string]any, list []any) error {
	cur := items(obj)
	for i, e := range list {
		it := e.(map[string]any)
		id := str(it["id"])
		if id == "" {
			item, err := subscriptionItemFromParams(t, obj, it, i)
			if err != nil {
				return err
			}
			cur = append(cur, item)
			continue
		}
		idx := -1
		for j, c := range cur {
			if c["id"] == id {
				idx = j
			}
		}
		if idx < 0 {
			return errNoSuchParam("subscription_item", id, fmt.Sprintf("items[%d][id]", i))
		}
		if it["deleted"] == true {
			cur = append(cur[:idx], cur[idx+1:]...)
			continue
		}
		item := cur[idx]
		if it["price"] != nil || it["price_data"] != nil {
			price, err := resolvePrice(t, it, i)
			if err != nil {
				return err
			}
			item["price"] = price
		}
		if q, ok := it["quantity"].(int64); ok {
			item["quantity"] = q
		}
		if md, ok := it["metadata"]; ok {
			item["metadata"] = mergeHash(item["metadata"], md)
		}
	}
	if len(cur) == 0 {
		return invalid("", "items", "A subscription must have at least one active plan.")
	}
	data := make([]any, len(cur))
	for i, c := range cur {
		data[i] = c
	}
	setItems(obj, data)
	return nil
}

func invoiceSpec() *typeSpec {
	create := common(schema{
		"customer": pStr(), "auto_advance": pBool(), "collection_method": pStr(), "currency": pStr(),
		"custom_fields": pList(pObj(schema{"name": pStr(), "value": pStr()})), "days_until_due": pInt().logic(),
		"default_payment_method": pStr(), "default_source": pStr(), "default_tax_rates": pList(pStr()),
		"description": pStr(), "discounts": pList(nil).logic(), "due_date": pInt(), "effective_at": pInt(), "footer": pStr(),
		"from_invoice": pObj(nil).logic(), "issuer": pObj(nil).logic(), "number": pStr(), "on_behalf_of": pStr(),
		"payment_settings": pObj(nil), "pending_invoice_items_behavior": pStr().logic(), "rendering": pObj(nil).logic(),
		"shipping_cost": pObj(nil).logic(), "shipping_details": pObj(nil).logic(), "statement_descriptor": pStr(),
		"subscription": pStr(), "transfer_data": pAny(), "account_tax_ids": pList(pStr()),
		"application_fee_amount": pInt().logic(), "automatic_tax": pObj(schema{"enabled": pBool(), "liability": pAny()}),
	})
	update := without(create, "customer", "currency", "from_invoice", "pending_invoice_items_behavior", "subscription")
	return &typeSpec{
		name: "invoice", coll: "invoices", prefix: "in",
		create: create, update: update,
		list:       schema{"customer": pStr(), "subscription": pStr(), "status": pStr(), "collection_method": pStr(), "due_date": pAny().logic()},
		filters:    []string{"customer", "subscription", "status", "collection_method"},
		httpCreate: true, httpUpdate: true, del: delGone,
		blank: func(t *tx, id string) map[string]any { return blankInvoice(id, t.now) },
		matcher: func(p map[string]any) (func(*record) bool, error) {
			if err := oneOf("status", str(p["status"]), "draft", "open", "paid", "uncollectible", "void"); err != nil {
				return nil, err
			}
			return specByName["invoice"].eqMatcher(p), nil
		},
		onCreate: func(t *tx, obj, p map[string]any) error {
			id, err := requireStr(p, "customer")
			if err != nil {
				return err
			}
			_, cus, err := t.ref("customer", id, "customer")
			if err != nil {
				return err
			}
			if sub := str(p["subscription"]); sub != "" {
				if _, _, err := t.ref("subscription", sub, "subscription"); err != nil {
					return err
				}
			}
			if err := oneOf("collection_method", str(p["collection_method"]), "charge_automatically", "send_invoice"); err != nil {
				return err
			}
			if obj["collection_method"] == "send_invoice" && obj["due_date"] == nil {
				days, ok := p["days_until_due"].(int64)
				if !ok {
					days = 30
				}
				obj["due_date"] = t.now + days*86400
			}
			if c, ok := cus["currency"].(string); ok && p["currency"] == nil {
				obj["currency"] = c
			}
			obj["customer_email"] = cus["email"]
			obj["customer_name"] = cus["name"]
			obj["customer_phone"] = cus["phone"]
			obj["customer_address"] = cus["address"]
			obj["customer_shipping"] = cus["shipping"]
			obj["customer_tax_exempt"] = cus["tax_exempt"]
			obj["ending_balance"] = nil
			return nil
		},
		onUpdate: func(_ *tx, old, _, p map[string]any) error {
			if old["status"] != "draft" {
				return onlyParams(p, "Finalized invoices can't be updated in this way.", "description", "footer",
					"custom_fields", "auto_advance", "statement_descriptor", "on_behalf_of", "rendering")
			}
			return nil
		},
		onDelete: func(_ *tx, _ *record, obj map[string]any) error {
			if obj["status"] != "draft" {
				return invalid("", "", "You can only delete draft invoices.")
			}
			return nil
		},
		actions: map[string]*action{
			"finalize": {params: schema{"auto_advance": pBool(), "expand": expandParam}, fn: finalizeInvoice},
			"pay": {params: schema{"paid_out_of_band": pBool(), "payment_method": pStr(), "source": pStr(), "forgive": pBool(),
				"off_session": pBool(), "mandate": pStr(), "expand": expandParam}, fn: payInvoice},
			"void": {params: schema{"expand": expandParam}, fn: func(t *tx, obj, _ map[string]any) ([]string, error) {
				if obj["status"] != "open" && obj["status"] != "uncollectible" {
					return nil, invalid("", "", "You can only void an open or uncollectible invoice.")
				}
				obj["status"] = "void"
				obj["amount_remaining"] = int64(0)
				obj["status_transitions"].(map[string]any)["voided_at"] = t.now
				return []string{"invoice.voided"}, nil
			}},
			"mark_uncollectible": {params: schema{"expand": expandParam}, fn: func(t *tx, obj, _ map[string]any) ([]string, error) {
				if obj["status"] != "open" {
					return nil, invalid("", "", "You can only mark an open invoice as uncollectible.")
				}
				obj["status"] = "uncollectible"
				obj["status_transitions"].(map[string]any)["marked_uncollectible_at"] = t.now
				return []string{"invoice.marked_uncollectible"}, nil
			}},
		},
		evCreated: func(map[string]any) string { return "invoice.created" },
		evUpdated: "invoice.updated", evDeleted: "invoice.deleted",
	}
}

func finalizeFields(t *tx, obj map[string]any) {
	obj["status"] = "open"
	obj["number"] = fmt.Sprintf("%s-%04d", strings.ToUpper(t.randString(8)), t.a.coll("invoice").live)
	obj["hosted_invoice_url"] = "https://invoice.stripe.com/i/" + str(obj["id"])
	obj["invoice_pdf"] = "https://pay.stripe.com/invoice/" + str(obj["id"]) + "/pdf"
	obj["effective_at"] = t.now
	obj["status_transitions"].(map[string]any)["finalized_at"] = t.now
	due, _ := toInt64(obj["amount_due"])
	obj["amount_remaining"] = due
	obj["ending_balance"] = int64(0)
}

func finalizeInvoice(t *tx, obj, p map[string]any) ([]string, error) {
	if obj["status"] != "draft" {
		return nil, invalid("invoice_not_editable", "", "This invoice is already finalized, you can't re-finalize a non-draft invoice.")
	}
	if v, ok := p["auto_advance"].(bool); ok {
		obj["auto_advance"] = v
	}
	finalizeFields(t, obj)
	if due, _ := toInt64(obj["amount_due"]); due == 0 {
		markPaid(t, obj)
		return []string{"invoice.finalized", "invoice.paid", "invoice.payment_succeeded"}, nil
	}
	return []string{"invoice.finalized"}, nil
}

func markPaid(t *tx, obj map[string]any) {
	due, _ := toInt64(obj["amount_due"])
	obj["status"] = "paid"
	obj["paid"] = true
	obj["amount_paid"] = due
	obj["amount_remaining"] = int64(0)
	obj["attempted"] = true
	obj["attempt_count"] = int64(1)
	obj["status_transitions"].(map[string]any)["paid_at"] = t.now
}

func payInvoice(t *tx, obj, p map[string]any) ([]string, error) {
	var evs []string
	switch obj["status"] {
	case "draft":
		finalizeFields(t, obj)
		evs = append(evs, "invoice.finalized")
	case "open", "uncollectible":
	default:
		return nil, invalid("invoice_not_editable", "", "Invoice is already %s.", obj["status"])
	}
	due, _ := toInt64(obj["amount_due"])
	if due > 0 && p["paid_out_of_band"] != true {
		ch, err := t.create(specByName["charge"], map[string]any{"amount": itoa(due), "currency": str(obj["currency"]),
			"customer": str(obj["customer"]), "description": "Payment for Invoice"})
		if err != nil {
			return nil, err
		}
		t.change("charge", ch.id, func(o map[string]any) { o["invoice"] = obj["id"] })
		obj["charge"] = ch.id
	}
	if p["paid_out_of_band"] == true {
		obj["paid_out_of_band"] = true
	}
	markPaid(t, obj)
	return append(evs, "invoice.paid", "invoice.payment_succeeded"), nil
}
