package emulator

import (
	"fmt"
	"net/http"
)

// declineTokens are test payment sources that Stripe declines.
var declineTokens = map[string]string{
	"tok_chargeDeclined":                      "generic_decline",
	"tok_chargeDeclinedInsufficientFunds":     "insufficient_funds",
	"tok_chargeDeclinedFraudulent":            "fraudulent",
	"pm_card_chargeDeclined":                  "generic_decline",
	"pm_card_visa_chargeDeclined":             "generic_decline",
	"pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}

func minimumAmount(n int64, param string) error {
	if n < 50 {
		return invalid("amount_too_small", param, "Amount must be at least $0.50 usd")
	}
	return nil
}

func chargeSpec() *typeSpec {
	create := common(schema{
		"amount": pInt(), "currency": pStr(), "customer": pStr(), "description": pStr(), "receipt_email": pStr(),
		"shipping": pObj(shippingSchema()), "source": pStr().logic(), "statement_descriptor": pStr(),
		"statement_descriptor_suffix": pStr(), "capture": pBool().logic(), "application_fee_amount": pInt(),
		"on_behalf_of": pStr(), "transfer_data": pAny(), "transfer_group": pStr(), "radar_options": pAny().logic(),
	})
	return &typeSpec{
		name: "charge", coll: "charges", prefix: "ch",
		create: create,
		update: common(schema{"customer": pStr(), "description": pStr(), "fraud_details": pObj(schema{"user_report": pStr()}),
			"receipt_email": pStr(), "shipping": pObj(shippingSchema()), "transfer_group": pStr()}),
		list:       schema{"customer": pStr(), "payment_intent": pStr(), "transfer_group": pStr()},
		filters:    []string{"customer", "payment_intent", "transfer_group"},
		httpCreate: true, httpUpdate: true,
		blank: func(t *tx, id string) map[string]any { return blankCharge(id, t.now) },
		onCreate: func(t *tx, obj, p map[string]any) error {
			amount, err := requireAmount(p, "amount")
			if err != nil {
				return err
			}
			if err := validCurrency(obj); err != nil {
				return err
			}
			if err := minimumAmount(amount, "amount"); err != nil {
				return err
			}
			if cus := str(p["customer"]); cus != "" {
				_, c, err := t.ref("customer", cus, "customer")
				if err != nil {
					return err
				}
				bd := obj["billing_details"].(map[string]any)
				bd["email"], bd["name"] = c["email"], c["name"]
			}
			obj["payment_method"] = t.newID("card")
			if code, declined := declineTokens[str(p["source"])]; declined {
				obj["status"] = "failed"
				obj["paid"] = false
				obj["captured"] = false
				obj["failure_code"] = "card_declined"
				obj["failure_message"] = "Your card was declined."
				obj["outcome"] = map[string]any{"network_status": "declined_by_network", "reason": code, "risk_level": "normal",
					"risk_score": int64(20), "seller_message": "The bank did not return any further details with this decline.", "type": "issuer_declined"}
				return nil
			}
			if p["capture"] == false {
				obj["captured"] = false
				obj["amount_captured"] = int64(0)
				return nil
			}
			obj["amount_captured"] = amount
			obj["balance_transaction"] = t.newID("txn")
			return nil
		},
		afterCreate: func(t *tx, rec *record, obj, _ map[string]any) error {
			if obj["status"] == "failed" {
				return &Error{Status: http.StatusPaymentRequired, Type: "card_error", Code: "card_declined",
					DeclineCode: str(obj["outcome"].(map[string]any)["reason"]), Message: "Your card was declined.", Charge: rec.id}
			}
			if txn := str(obj["balance_transaction"]); txn != "" {
				amount, _ := toInt64(obj["amount"])
				insertTxn(t, txn, amount, stripeFee(amount), str(obj["currency"]), rec.id, "charge", str(obj["description"]))
			}
			return nil
		},
		actions: map[string]*action{
			"capture": {params: schema{"amount": pInt(), "expand": expandParam, "receipt_email": pStr(),
				"statement_descriptor": pStr(), "statement_descriptor_suffix": pStr()},
				fn: func(t *tx, obj, p map[string]any) ([]string, error) {
					if obj["captured"] == true || obj["status"] != "succeeded" {
						return nil, invalid("charge_already_captured", "", "Charge %s has already been captured.", obj["id"])
					}
					amount, _ := toInt64(obj["amount"])
					if n, ok := p["amount"].(int64); ok {
						if n > amount {
							return nil, invalid("amount_too_large", "amount", "You cannot capture more than the authorized amount.")
						}
						amount = n
					}
					obj["captured"] = true
					obj["amount_captured"] = amount
					txn := t.newID("txn")
					obj["balance_transaction"] = txn
					insertTxn(t, txn, amount, stripeFee(amount), str(obj["currency"]), str(obj["id"]), "charge", str(obj["description"]))
					return []string{"charge.captured"}, nil
				}},
		},
		evCreated: func(obj map[string]any) string {
			if obj["status"] == "failed" {
				return "charge.failed"
			}
			return "charge.succeeded"
		},
		evUpdated: "charge.updated",
	}
}

// insertTxn stores a balance transaction (Stripe emits no events for them).
func insertTxn(t *tx, id string, amount, fee int64, currency, source, typ, description string) {
	m := blankBalanceTransaction(id, t.now)
	m["amount"] = amount
	m["fee"] = fee
	m["net"] = amount - fee
	m["fee_details"] = feeDetails(fee, currency)
	m["currency"] = currency
	m["source"] = source
	m["type"] = typ
	m["reporting_category"] = typ
	m["description"] = nilIfEmpty(description)
	t.insert(specByName["balance_transaction"], m)
}

func paymentIntentSpec() *typeSpec {
	create := common(schema{
		"amount": pInt(), "currency": pStr(), "customer": pStr(), "description": pStr(), "payment_method": pStr(),
		"payment_method_types": pList(pStr()), "confirm": pBool().logic(), "capture_method": pStr(),
		"confirmation_method": pStr(), "receipt_email": pStr(), "setup_future_usage": pStr(), "shipping": pObj(shippingSchema()),
		"statement_descriptor": pStr(), "statement_descriptor_suffix": pStr(),
		"automatic_payment_methods": pObj(schema{"enabled": pBool(), "allow_redirects": pStr()}),
		"off_session":               pAny().logic(), "return_url": pStr().logic(), "on_behalf_of": pStr(), "transfer_data": pAny(),
		"transfer_group": pStr(), "application_fee_amount": pInt(), "error_on_requires_action": pBool().logic(),
		"mandate": pStr().logic(), "mandate_data": pAny().logic(), "payment_method_data": pAny().logic(),
		"payment_method_options": pAny(), "payment_method_configuration": pStr().logic(), "radar_options": pAny().logic(),
		"use_stripe_sdk": pBool().logic(), "confirmation_token": pStr().logic(),
	})
	update := common(schema{
		"amount": pInt(), "currency": pStr(), "customer": pStr(), "description": pStr(), "payment_method": pStr(),
		"payment_method_types": pList(pStr()), "receipt_email": pStr(), "setup_future_usage": pStr(),
		"shipping": pObj(shippingSchema()), "statement_descriptor": pStr(), "statement_descriptor_suffix": pStr(),
		"application_fee_amount": pInt(), "capture_method": pStr(), "payment_method_data": pAny().logic(),
		"payment_method_options": pAny(), "transfer_data": pAny(), "transfer_group": pStr(),
	})
	return &typeSpec{
		name: "payment_intent", coll: "payment_intents", prefix: "pi",
		create: create, update: update,
		list:       schema{"customer": pStr()},
		filters:    []string{"customer"},
		httpCreate: true, httpUpdate: true,
		blank: func(t *tx, id string) map[string]any {
			return blankPaymentIntent(id, t.now, t.randString(25))
		},
		onCreate: func(t *tx, obj, p map[string]any) error {
			amount, err := requireAmount(p, "amount")
			if err != nil {
				return err
			}
			if err := validCurrency(obj); err != nil {
				return err
			}
			if err := minimumAmount(amount, "amount"); err != nil {
				return err
			}
			if cus := str(p["customer"]); cus != "" {
				if _, _, err := t.ref("customer", cus, "customer"); err != nil {
					return err
				}
			}
			if err := oneOf("capture_method", str(p["capture_method"]), "automatic", "automatic_async", "manual"); err != nil {
				return err
			}
			if p["payment_method"] != nil {
				obj["status"] = "requires_confirmation"
			}
			if p["confirm"] == true && p["payment_method"] == nil {
				return invalid("payment_intent_unexpected_state", "", "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with %s, specify a payment method attached to this customer along with the customer ID.", obj["customer"])
			}
			return nil
		},
		afterCreate: func(t *tx, rec *record, obj, p map[string]any) error {
			if p["confirm"] != true {
				return nil
			}
			old, _ := decodeObject(rec.json())
			evs, err := confirmPaymentIntent(t, obj, p)
			if err != nil {
				return err
			}
			t.commit(specByName["payment_intent"], rec, old, obj, evs...)
			return nil
		},
		onUpdate: func(t *tx, old, obj, p map[string]any) error {
			switch old["status"] {
			case "succeeded", "canceled":
				if err := onlyParams(p, fmt.Sprintf("You cannot update this PaymentIntent because it has a status of %s.", old["status"]),
					"description", "receipt_email", "shipping", "statement_descriptor", "statement_descriptor_suffix"); err != nil {
					e := err.(*Error)
					e.Code = "payment_intent_unexpected_state"
					return e
				}
			}
			if cus := str(p["customer"]); cus != "" {
				if _, _, err := t.ref("customer", cus, "customer"); err != nil {
					return err
				}
			}
			if p["payment_method"] != nil && obj["status"] == "requires_payment_method" {
				obj["status"] = "requires_confirmation"
			}
			return nil
		},
		actions: map[string]*action{
			"confirm": {params: schema{"payment_method": pStr(), "return_url": pStr(), "off_session": pAny(), "receipt_email": pStr(),
				"setup_future_usage": pStr(), "shipping": pObj(shippingSchema()), "mandate_data": pAny(), "payment_method_data": pAny(),
				"payment_method_options": pAny(), "capture_method": pStr(), "error_on_requires_action": pBool(),
				"use_stripe_sdk": pBool(), "expand": expandParam},
				fn: func(t *tx, obj, p map[string]any) ([]string, error) {
					if pm := str(p["payment_method"]); pm != "" {
						obj["payment_method"] = pm
					}
					if cm := str(p["capture_method"]); cm != "" {
						obj["capture_method"] = cm
					}
					return confirmPaymentIntent(t, obj, p)
				}},
			"cancel": {params: schema{"cancellation_reason": pStr(), "expand": expandParam},
				fn: func(t *tx, obj, p map[string]any) ([]string, error) {
					switch obj["status"] {
					case "succeeded", "canceled":
						return nil, invalid("payment_intent_unexpected_state", "", "You cannot cancel this PaymentIntent because it has a status of %s. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.", obj["status"])
					}
					if err := oneOf("cancellation_reason", str(p["cancellation_reason"]), "duplicate", "fraudulent", "requested_by_customer", "abandoned"); err != nil {
						return nil, err
					}
					obj["status"] = "canceled"
					obj["canceled_at"] = t.now
					obj["cancellation_reason"] = p["cancellation_reason"]
					obj["amount_capturable"] = int64(0)
					return []string{"payment_intent.canceled"}, nil
				}},
			"capture": {params: schema{"amount_to_capture": pInt(), "expand": expandParam, "statement_descriptor": pStr(),
				"statement_descriptor_suffix": pStr(), "final_capture": pBool(), "metadata": pHash()},
				fn: func(t *tx, obj, p map[string]any) ([]string, error) {
					if obj["status"] != "requires_capture" {
						return nil, invalid("payment_intent_unexpected_state", "", "This PaymentIntent could not be captured because it has a status of %s. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.", obj["status"])
					}
					amount, _ := toInt64(obj["amount_capturable"])
					if n, ok := p["amount_to_capture"].(int64); ok {
						amount = n
					}
					if chID := str(obj["latest_charge"]); chID != "" {
						if _, err := t.action(specByName["charge"], chID, "capture", map[string]any{"amount": itoa(amount)}); err != nil {
							return nil, err
						}
					}
					obj["status"] = "succeeded"
					obj["amount_received"] = amount
					obj["amount_capturable"] = int64(0)
					return []string{"payment_intent.succeeded"}, nil
				}},
		},
		evCreated: func(map[string]any) string { return "payment_intent.created" },
	}
}

// confirmPaymentIntent charges the payment method: a charge is created and the intent succeeds (or,
// with manual capture, waits for capture).
func confirmPaymentIntent(t *tx, obj, _ map[string]any) ([]string, error) {
	switch obj["status"] {
	case "requires_payment_method", "requires_confirmation", "requires_action":
	default:
		return nil, invalid("payment_intent_unexpected_state", "", "You cannot confirm this PaymentIntent because it has a status of %s.", obj["status"])
	}
	pm := str(obj["payment_method"])
	if pm == "" {
		return nil, invalid("payment_intent_unexpected_state", "", "You cannot confirm this PaymentIntent because it's missing a payment method.")
	}
	amount, _ := toInt64(obj["amount"])
	manual := obj["capture_method"] == "manual"
	params := map[string]any{"amount": itoa(amount), "currency": str(obj["currency"]), "source": pm,
		"capture": fmt.Sprint(!manual)}
	if c := str(obj["customer"]); c != "" {
		params["customer"] = c
	}
	if d := str(obj["description"]); d != "" {
		params["description"] = d
	}
	ch, err := t.create(specByName["charge"], params)
	if ch != nil {
		t.change("charge", ch.id, func(o map[string]any) { o["payment_intent"] = obj["id"]; o["payment_method"] = pm })
		obj["latest_charge"] = ch.id
	}
	if err != nil {
		if e, ok := err.(*Error); ok && e.Type == "card_error" {
			obj["status"] = "requires_payment_method"
			obj["last_payment_error"] = map[string]any{"charge": ch.id, "code": e.Code, "decline_code": e.DeclineCode,
				"message": e.Message, "type": e.Type}
			return []string{"payment_intent.payment_failed"}, nil
		}
		return nil, err
	}
	if manual {
		obj["status"] = "requires_capture"
		obj["amount_capturable"] = amount
		return []string{"payment_intent.amount_capturable_updated"}, nil
	}
	obj["status"] = "succeeded"
	obj["amount_received"] = amount
	return []string{"payment_intent.succeeded"}, nil
}

func balanceTransactionSpec() *typeSpec {
	return &typeSpec{
		name: "balance_transaction", coll: "balance_transactions", prefix: "txn",
		create: schema{"amount": pInt(), "currency": pStr(), "description": pStr(), "fee": pInt(), "source": pStr(),
			"type": pStr(), "status": pStr(), "reporting_category": pStr(), "available_on": pInt(), "expand": expandParam},
		update:  schema{"description": pStr(), "status": pStr(), "expand": expandParam},
		list:    schema{"payout": pStr().logic(), "source": pStr(), "type": pStr(), "currency": pStr()},
		filters: []string{"source", "type", "currency"},
		blank:   func(t *tx, id string) map[string]any { return blankBalanceTransaction(id, t.now) },
		onCreate: func(_ *tx, obj, p map[string]any) error {
			amount, err := requireAmount(p, "amount")
			if err != nil {
				return err
			}
			if p["currency"] != nil {
				if err := validCurrency(obj); err != nil {
					return err
				}
			}
			fee, _ := toInt64(obj["fee"])
			obj["net"] = amount - fee
			obj["fee_details"] = feeDetails(fee, str(obj["currency"]))
			if p["reporting_category"] == nil {
				obj["reporting_category"] = obj["type"]
			}
			return nil
		},
	}
}

func refundSpec() *typeSpec {
	create := common(schema{
		"charge": pStr(), "payment_intent": pStr(), "amount": pInt(), "reason": pStr(), "instructions_email": pStr().logic(),
		"refund_application_fee": pBool().logic(), "reverse_transfer": pBool().logic(), "origin": pStr().logic(),
		"customer": pStr().logic(), "currency": pStr().logic(),
	})
	return &typeSpec{
		name: "refund", coll: "refunds", prefix: "re",
		create:     create,
		update:     common(nil),
		list:       schema{"charge": pStr(), "payment_intent": pStr()},
		filters:    []string{"charge", "payment_intent"},
		httpCreate: true, httpUpdate: true,
		blank: func(t *tx, id string) map[string]any { return blankRefund(id, t.now) },
		onCreate: func(t *tx, obj, p map[string]any) error {
			chID, piID := str(p["charge"]), str(p["payment_intent"])
			switch {
			case chID == "" && piID == "":
				return invalid("parameter_missing", "", "One of the following params should be provided for this request: payment_intent or charge.")
			case chID != "" && piID != "":
				return invalid("", "payment_intent", "You may only specify one of these parameters: charge, payment_intent.")
			case piID != "":
				_, pi, err := t.ref("payment_intent", piID, "payment_intent")
				if err != nil {
					return err
				}
				chID = str(pi["latest_charge"])
				if chID == "" || pi["status"] != "succeeded" {
					return invalid("charge_not_refundable", "payment_intent", "This PaymentIntent does not have a successful charge to refund.")
				}
			}
			_, ch, err := t.ref("charge", chID, "charge")
			if err != nil {
				return err
			}
			if ch["status"] != "succeeded" || ch["captured"] != true {
				return invalid("charge_not_refundable", "charge", "Charge %s has not been captured or did not succeed and cannot be refunded.", chID)
			}
			if ch["refunded"] == true {
				return invalid("charge_already_refunded", "charge", "Charge %s has already been refunded.", chID)
			}
			captured, _ := toInt64(ch["amount_captured"])
			refunded, _ := toInt64(ch["amount_refunded"])
			remaining := captured - refunded
			amount := remaining
			if n, ok := p["amount"].(int64); ok {
				if n <= 0 {
					return invalid("", "amount", "This value must be greater than or equal to 1.")
				}
				if n > remaining {
					return invalid("amount_too_large", "amount", "Refund amount ($%.2f) is greater than unrefunded amount on charge ($%.2f)", float64(n)/100, float64(remaining)/100)
				}
				amount = n
			}
			if err := oneOf("reason", str(p["reason"]), "duplicate", "fraudulent", "requested_by_customer"); err != nil {
				return err
			}
			obj["amount"] = amount
			obj["charge"] = chID
			obj["payment_intent"] = ch["payment_intent"]
			obj["currency"] = ch["currency"]
			obj["balance_transaction"] = t.newID("txn")
			return nil
		},
		afterCreate: func(t *tx, rec *record, obj, _ map[string]any) error {
			amount, _ := toInt64(obj["amount"])
			insertTxn(t, str(obj["balance_transaction"]), -amount, 0, str(obj["currency"]), rec.id, "refund", "REFUND FOR CHARGE")
			t.change("charge", str(obj["charge"]), func(ch map[string]any) {
				refunded, _ := toInt64(ch["amount_refunded"])
				captured, _ := toInt64(ch["amount_captured"])
				ch["amount_refunded"] = refunded + amount
				ch["refunded"] = refunded+amount >= captured
			}, "charge.refunded")
			return nil
		},
		evCreated: func(map[string]any) string { return "refund.created" },
		evUpdated: "refund.updated",
	}
}

func disputeSpec() *typeSpec {
	closed := func(obj map[string]any) bool {
		switch obj["status"] {
		case "won", "lost", "warning_closed", "charge_refunded":
			return true
		}
		return false
	}
	return &typeSpec{
		name: "dispute", coll: "disputes", prefix: "dp",
		create: common(schema{"charge": pStr(), "amount": pInt(), "reason": pStr(), "status": pStr(), "evidence": pObj(nil)}),
		update: common(schema{"evidence": pObj(nil), "submit": pBool().logic()}),
		list:   schema{"charge": pStr(), "payment_intent": pStr()}, filters: []string{"charge", "payment_intent"},
		httpUpdate: true,
		blank:      func(t *tx, id string) map[string]any { return blankDispute(id, t.now) },
		onCreate: func(t *tx, obj, p map[string]any) error {
			chID, err := requireStr(p, "charge")
			if err != nil {
				return err
			}
			_, ch, err := t.ref("charge", chID, "charge")
			if err != nil {
				return err
			}
			if p["amount"] == nil {
				obj["amount"] = ch["amount"]
			}
			obj["currency"] = ch["currency"]
			obj["payment_intent"] = ch["payment_intent"]
			return oneOf("reason", str(p["reason"]), "bank_cannot_process", "check_returned", "credit_not_processed",
				"customer_initiated", "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
				"insufficient_funds", "product_not_received", "product_unacceptable", "subscription_canceled", "unrecognized")
		},
		afterCreate: func(t *tx, _ *record, obj, _ map[string]any) error {
			t.change("charge", str(obj["charge"]), func(ch map[string]any) { ch["disputed"] = true })
			return nil
		},
		onUpdate: func(t *tx, old, obj, p map[string]any) error {
			if closed(old) && (p["evidence"] != nil || p["submit"] == true) {
				return invalid("", "", "This dispute is already closed.")
			}
			if p["submit"] == true {
				ed := obj["evidence_details"].(map[string]any)
				n, _ := toInt64(ed["submission_count"])
				ed["submission_count"] = n + 1
				ed["has_evidence"] = true
				switch obj["status"] {
				case "needs_response":
					obj["status"] = "under_review"
				case "warning_needs_response":
					obj["status"] = "warning_under_review"
				}
			}
			return nil
		},
		actions: map[string]*action{
			"close": {params: schema{"expand": expandParam}, fn: func(t *tx, obj, _ map[string]any) ([]string, error) {
				if closed(obj) {
					return nil, invalid("", "", "This dispute is already closed.")
				}
				if obj["status"] == "warning_needs_response" || obj["status"] == "warning_under_review" {
					obj["status"] = "warning_closed"
				} else {
					obj["status"] = "lost"
				}
				return []string{"charge.dispute.closed"}, nil
			}},
		},
		evCreated: func(map[string]any) string { return "charge.dispute.created" },
		evUpdated: "charge.dispute.updated",
	}
}

func payoutSpec() *typeSpec {
	return &typeSpec{
		name: "payout", coll: "payouts", prefix: "po",
		create: common(schema{"amount": pInt(), "currency": pStr(), "description": pStr(), "destination": pStr(),
			"method": pStr(), "source_type": pStr(), "statement_descriptor": pStr()}),
		update:     common(nil),
		list:       schema{"arrival_date": pAny().logic(), "destination": pStr(), "status": pStr()},
		filters:    []string{"destination", "status"},
		httpCreate: true, httpUpdate: true,
		blank: func(t *tx, id string) map[string]any { return blankPayout(id, t.now) },
		onCreate: func(t *tx, obj, p map[string]any) error {
			amount, err := requireAmount(p, "amount")
			if err != nil {
				return err
			}
			if amount <= 0 {
				return invalid("", "amount", "This value must be greater than or equal to 1.")
			}
			if err := validCurrency(obj); err != nil {
				return err
			}
			if err := oneOf("method", str(p["method"]), "standard", "instant"); err != nil {
				return err
			}
			if obj["method"] == "instant" {
				obj["arrival_date"] = t.now
			}
			obj["balance_transaction"] = t.newID("txn")
			return nil
		},
		afterCreate: func(t *tx, rec *record, obj, _ map[string]any) error {
			amount, _ := toInt64(obj["amount"])
			insertTxn(t, str(obj["balance_transaction"]), -amount, 0, str(obj["currency"]), rec.id, "payout", str(obj["description"]))
			return nil
		},
		actions: map[string]*action{
			"cancel": {params: schema{"expand": expandParam}, fn: func(_ *tx, obj, _ map[string]any) ([]string, error) {
				if obj["status"] != "pending" {
					return nil, invalid("", "", "Payouts can only be canceled while they are pending.")
				}
				obj["status"] = "canceled"
				return []string{"payout.canceled"}, nil
			}},
		},
		evCreated: func(map[string]any) string { return "payout.created" },
		evUpdated: "payout.updated",
	}
}
