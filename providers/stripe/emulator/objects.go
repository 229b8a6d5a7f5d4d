package emulator

// The blank* functions return a new object of each type with every field Stripe returns, set to the
// values Stripe uses when nothing is specified. Create requests and the seeder fill them in.

func base(id, object string, created int64) map[string]any {
	m := make(map[string]any, 40)
	m["id"], m["object"], m["created"], m["livemode"], m["metadata"] = id, object, created, false, map[string]any{}
	return m
}

func nullAddress() map[string]any {
	return map[string]any{"city": nil, "country": nil, "line1": nil, "line2": nil, "postal_code": nil, "state": nil}
}

func blankCustomer(id string, created int64, invoicePrefix string) map[string]any {
	m := base(id, "customer", created)
	m["address"] = nil
	m["balance"] = int64(0)
	m["currency"] = nil
	m["default_source"] = nil
	m["delinquent"] = false
	m["description"] = nil
	m["discount"] = nil
	m["email"] = nil
	m["invoice_prefix"] = invoicePrefix
	m["invoice_settings"] = map[string]any{"custom_fields": nil, "default_payment_method": nil, "footer": nil, "rendering_options": nil}
	m["name"] = nil
	m["next_invoice_sequence"] = int64(1)
	m["phone"] = nil
	m["preferred_locales"] = []any{}
	m["shipping"] = nil
	m["tax_exempt"] = "none"
	m["test_clock"] = nil
	return m
}

func blankProduct(id string, created int64) map[string]any {
	m := base(id, "product", created)
	m["active"] = true
	m["attributes"] = []any{}
	m["default_price"] = nil
	m["description"] = nil
	m["images"] = []any{}
	m["marketing_features"] = []any{}
	m["name"] = nil
	m["package_dimensions"] = nil
	m["shippable"] = nil
	m["statement_descriptor"] = nil
	m["tax_code"] = nil
	m["type"] = "service"
	m["unit_label"] = nil
	m["updated"] = created
	m["url"] = nil
	return m
}

func blankPrice(id string, created int64) map[string]any {
	m := base(id, "price", created)
	m["active"] = true
	m["billing_scheme"] = "per_unit"
	m["currency"] = nil
	m["custom_unit_amount"] = nil
	m["lookup_key"] = nil
	m["nickname"] = nil
	m["product"] = nil
	m["recurring"] = nil
	m["tax_behavior"] = "unspecified"
	m["tiers_mode"] = nil
	m["transform_quantity"] = nil
	m["type"] = "one_time"
	m["unit_amount"] = nil
	m["unit_amount_decimal"] = nil
	return m
}

func recurring(interval string, count int64) map[string]any {
	return map[string]any{"aggregate_usage": nil, "interval": interval, "interval_count": count, "meter": nil,
		"trial_period_days": nil, "usage_type": "licensed"}
}

func blankCoupon(id string, created int64) map[string]any {
	m := base(id, "coupon", created)
	m["amount_off"] = nil
	m["currency"] = nil
	m["duration"] = "once"
	m["duration_in_months"] = nil
	m["max_redemptions"] = nil
	m["name"] = nil
	m["percent_off"] = nil
	m["redeem_by"] = nil
	m["times_redeemed"] = int64(0)
	m["valid"] = true
	return m
}

func blankSubscription(id string, created int64) map[string]any {
	m := base(id, "subscription", created)
	m["application"] = nil
	m["application_fee_percent"] = nil
	m["automatic_tax"] = map[string]any{"enabled": false, "liability": nil}
	m["billing_cycle_anchor"] = created
	m["billing_cycle_anchor_config"] = nil
	m["billing_thresholds"] = nil
	m["cancel_at"] = nil
	m["cancel_at_period_end"] = false
	m["canceled_at"] = nil
	m["cancellation_details"] = map[string]any{"comment": nil, "feedback": nil, "reason": nil}
	m["collection_method"] = "charge_automatically"
	m["currency"] = "usd"
	m["current_period_end"] = addMonth(created)
	m["current_period_start"] = created
	m["customer"] = nil
	m["days_until_due"] = nil
	m["default_payment_method"] = nil
	m["default_source"] = nil
	m["default_tax_rates"] = []any{}
	m["description"] = nil
	m["discount"] = nil
	m["discounts"] = []any{}
	m["ended_at"] = nil
	m["invoice_settings"] = map[string]any{"account_tax_ids": nil, "issuer": map[string]any{"type": "self"}}
	m["items"] = map[string]any{"object": "list", "data": []any{}, "has_more": false, "total_count": int64(0),
		"url": "/v1/subscription_items?subscription=" + id}
	m["latest_invoice"] = nil
	m["next_pending_invoice_item_invoice"] = nil
	m["on_behalf_of"] = nil
	m["pause_collection"] = nil
	m["payment_settings"] = map[string]any{"payment_method_options": nil, "payment_method_types": nil, "save_default_payment_method": "off"}
	m["pending_invoice_item_interval"] = nil
	m["pending_setup_intent"] = nil
	m["pending_update"] = nil
	m["quantity"] = int64(1)
	m["schedule"] = nil
	m["start_date"] = created
	m["status"] = "active"
	m["test_clock"] = nil
	m["transfer_data"] = nil
	m["trial_end"] = nil
	m["trial_settings"] = map[string]any{"end_behavior": map[string]any{"missing_payment_method": "create_invoice"}}
	m["trial_start"] = nil
	return m
}

func subscriptionItem(id, sub string, created int64, price map[string]any, quantity int64) map[string]any {
	return map[string]any{"id": id, "object": "subscription_item", "billing_thresholds": nil, "created": created,
		"discounts": []any{}, "metadata": map[string]any{}, "price": price, "quantity": quantity,
		"subscription": sub, "tax_rates": []any{}}
}

func blankInvoice(id string, created int64) map[string]any {
	m := base(id, "invoice", created)
	m["account_country"] = "US"
	m["account_name"] = "Sequin Emulator"
	m["account_tax_ids"] = nil
	m["amount_due"] = int64(0)
	m["amount_paid"] = int64(0)
	m["amount_remaining"] = int64(0)
	m["amount_shipping"] = int64(0)
	m["application"] = nil
	m["attempt_count"] = int64(0)
	m["attempted"] = false
	m["auto_advance"] = false
	m["automatic_tax"] = map[string]any{"enabled": false, "liability": nil, "status": nil}
	m["billing_reason"] = "manual"
	m["charge"] = nil
	m["collection_method"] = "charge_automatically"
	m["currency"] = "usd"
	m["custom_fields"] = nil
	m["customer"] = nil
	m["customer_address"] = nil
	m["customer_email"] = nil
	m["customer_name"] = nil
	m["customer_phone"] = nil
	m["customer_shipping"] = nil
	m["customer_tax_exempt"] = "none"
	m["customer_tax_ids"] = []any{}
	m["default_payment_method"] = nil
	m["default_source"] = nil
	m["default_tax_rates"] = []any{}
	m["description"] = nil
	m["discount"] = nil
	m["discounts"] = []any{}
	m["due_date"] = nil
	m["effective_at"] = nil
	m["ending_balance"] = nil
	m["footer"] = nil
	m["hosted_invoice_url"] = nil
	m["invoice_pdf"] = nil
	m["last_finalization_error"] = nil
	m["lines"] = map[string]any{"object": "list", "data": []any{}, "has_more": false, "total_count": int64(0),
		"url": "/v1/invoices/" + id + "/lines"}
	m["next_payment_attempt"] = nil
	m["number"] = nil
	m["on_behalf_of"] = nil
	m["paid"] = false
	m["paid_out_of_band"] = false
	m["payment_intent"] = nil
	m["payment_settings"] = map[string]any{"default_mandate": nil, "payment_method_options": nil, "payment_method_types": nil}
	m["period_end"] = created
	m["period_start"] = created
	m["post_payment_credit_notes_amount"] = int64(0)
	m["pre_payment_credit_notes_amount"] = int64(0)
	m["receipt_number"] = nil
	m["starting_balance"] = int64(0)
	m["statement_descriptor"] = nil
	m["status"] = "draft"
	m["status_transitions"] = map[string]any{"finalized_at": nil, "marked_uncollectible_at": nil, "paid_at": nil, "voided_at": nil}
	m["subscription"] = nil
	m["subtotal"] = int64(0)
	m["tax"] = nil
	m["total"] = int64(0)
	m["total_discount_amounts"] = []any{}
	m["total_tax_amounts"] = []any{}
	m["webhooks_delivered_at"] = nil
	return m
}

func invoiceLine(id, invoice, sub string, price map[string]any, amount, quantity, start, end int64) map[string]any {
	return map[string]any{"id": id, "object": "line_item", "amount": amount, "currency": "usd",
		"description": nil, "discount_amounts": []any{}, "discountable": true, "discounts": []any{},
		"invoice": invoice, "livemode": false, "metadata": map[string]any{},
		"period": map[string]any{"end": end, "start": start}, "price": price, "proration": false,
		"quantity": quantity, "subscription": nilIfEmpty(sub), "type": "subscription"}
}

func card(brand, last4 string, expMonth, expYear int64, fingerprint string) map[string]any {
	return map[string]any{"brand": brand, "checks": map[string]any{"address_line1_check": nil, "address_postal_code_check": nil, "cvc_check": "pass"},
		"country": "US", "exp_month": expMonth, "exp_year": expYear, "fingerprint": fingerprint, "funding": "credit",
		"last4": last4, "network": brand, "three_d_secure": nil, "wallet": nil}
}

func blankCharge(id string, created int64) map[string]any {
	m := base(id, "charge", created)
	m["amount"] = int64(0)
	m["amount_captured"] = int64(0)
	m["amount_refunded"] = int64(0)
	m["application"] = nil
	m["application_fee"] = nil
	m["application_fee_amount"] = nil
	m["balance_transaction"] = nil
	m["billing_details"] = map[string]any{"address": nullAddress(), "email": nil, "name": nil, "phone": nil}
	m["calculated_statement_descriptor"] = "SEQUIN EMULATOR"
	m["captured"] = true
	m["currency"] = "usd"
	m["customer"] = nil
	m["description"] = nil
	m["disputed"] = false
	m["failure_balance_transaction"] = nil
	m["failure_code"] = nil
	m["failure_message"] = nil
	m["fraud_details"] = map[string]any{}
	m["invoice"] = nil
	m["on_behalf_of"] = nil
	m["outcome"] = map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
		"risk_score": int64(20), "seller_message": "Payment complete.", "type": "authorized"}
	m["paid"] = true
	m["payment_intent"] = nil
	m["payment_method"] = nil
	m["payment_method_details"] = map[string]any{"card": card("visa", "4242", 12, 2034, "Xt5EWLLDS7FJjR1c"), "type": "card"}
	m["receipt_email"] = nil
	m["receipt_number"] = nil
	m["receipt_url"] = "https://pay.stripe.com/receipts/" + id
	m["refunded"] = false
	m["review"] = nil
	m["shipping"] = nil
	m["source_transfer"] = nil
	m["statement_descriptor"] = nil
	m["statement_descriptor_suffix"] = nil
	m["status"] = "succeeded"
	m["transfer_data"] = nil
	m["transfer_group"] = nil
	return m
}

func blankPaymentIntent(id string, created int64, secret string) map[string]any {
	m := base(id, "payment_intent", created)
	m["amount"] = int64(0)
	m["amount_capturable"] = int64(0)
	m["amount_details"] = map[string]any{"tip": map[string]any{}}
	m["amount_received"] = int64(0)
	m["application"] = nil
	m["application_fee_amount"] = nil
	m["automatic_payment_methods"] = nil
	m["canceled_at"] = nil
	m["cancellation_reason"] = nil
	m["capture_method"] = "automatic_async"
	m["client_secret"] = id + "_secret_" + secret
	m["confirmation_method"] = "automatic"
	m["currency"] = "usd"
	m["customer"] = nil
	m["description"] = nil
	m["invoice"] = nil
	m["last_payment_error"] = nil
	m["latest_charge"] = nil
	m["next_action"] = nil
	m["on_behalf_of"] = nil
	m["payment_method"] = nil
	m["payment_method_configuration_details"] = nil
	m["payment_method_options"] = map[string]any{"card": map[string]any{"installments": nil, "mandate_options": nil, "network": nil, "request_three_d_secure": "automatic"}}
	m["payment_method_types"] = []any{"card"}
	m["processing"] = nil
	m["receipt_email"] = nil
	m["review"] = nil
	m["setup_future_usage"] = nil
	m["shipping"] = nil
	m["source"] = nil
	m["statement_descriptor"] = nil
	m["statement_descriptor_suffix"] = nil
	m["status"] = "requires_payment_method"
	m["transfer_data"] = nil
	m["transfer_group"] = nil
	return m
}

func blankRefund(id string, created int64) map[string]any {
	m := base(id, "refund", created)
	m["amount"] = int64(0)
	m["balance_transaction"] = nil
	m["charge"] = nil
	m["currency"] = "usd"
	m["destination_details"] = map[string]any{"card": map[string]any{"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"}, "type": "card"}
	m["payment_intent"] = nil
	m["reason"] = nil
	m["receipt_number"] = nil
	m["source_transfer_reversal"] = nil
	m["status"] = "succeeded"
	m["transfer_reversal"] = nil
	return m
}

func blankDispute(id string, created int64) map[string]any {
	m := base(id, "dispute", created)
	m["amount"] = int64(0)
	m["balance_transactions"] = []any{}
	m["charge"] = nil
	m["currency"] = "usd"
	m["evidence"] = map[string]any{"access_activity_log": nil, "billing_address": nil, "cancellation_policy": nil,
		"cancellation_policy_disclosure": nil, "cancellation_rebuttal": nil, "customer_communication": nil,
		"customer_email_address": nil, "customer_name": nil, "customer_purchase_ip": nil, "customer_signature": nil,
		"duplicate_charge_documentation": nil, "duplicate_charge_explanation": nil, "duplicate_charge_id": nil,
		"product_description": nil, "receipt": nil, "refund_policy": nil, "refund_policy_disclosure": nil,
		"refund_refusal_explanation": nil, "service_date": nil, "service_documentation": nil, "shipping_address": nil,
		"shipping_carrier": nil, "shipping_date": nil, "shipping_documentation": nil, "shipping_tracking_number": nil,
		"uncategorized_file": nil, "uncategorized_text": nil}
	m["evidence_details"] = map[string]any{"due_by": created + 7*86400, "has_evidence": false, "past_due": false, "submission_count": int64(0)}
	m["is_charge_refundable"] = false
	m["payment_intent"] = nil
	m["payment_method_details"] = map[string]any{"card": map[string]any{"brand": "visa", "case_type": "chargeback", "network_reason_code": "10.4"}, "type": "card"}
	m["reason"] = "general"
	m["status"] = "needs_response"
	return m
}

func blankPayout(id string, created int64) map[string]any {
	m := base(id, "payout", created)
	m["amount"] = int64(0)
	m["application_fee"] = nil
	m["application_fee_amount"] = nil
	m["arrival_date"] = created + 2*86400
	m["automatic"] = false
	m["balance_transaction"] = nil
	m["currency"] = "usd"
	m["description"] = nil
	m["destination"] = "ba_1EmulatorBankAcct0000000"
	m["failure_balance_transaction"] = nil
	m["failure_code"] = nil
	m["failure_message"] = nil
	m["method"] = "standard"
	m["original_payout"] = nil
	m["reconciliation_status"] = "not_applicable"
	m["reversed_by"] = nil
	m["source_type"] = "card"
	m["statement_descriptor"] = nil
	m["status"] = "pending"
	m["type"] = "bank_account"
	return m
}

func blankBalanceTransaction(id string, created int64) map[string]any {
	m := make(map[string]any, 16)
	m["id"], m["object"], m["created"] = id, "balance_transaction", created
	m["amount"] = int64(0)
	m["available_on"] = created + 2*86400
	m["currency"] = "usd"
	m["description"] = nil
	m["exchange_rate"] = nil
	m["fee"] = int64(0)
	m["fee_details"] = []any{}
	m["net"] = int64(0)
	m["reporting_category"] = "charge"
	m["source"] = nil
	m["status"] = "pending"
	m["type"] = "charge"
	return m
}

// stripeFee is Stripe's US card pricing: 2.9% + 30 cents.
func stripeFee(amount int64) int64 {
	if amount <= 0 {
		return 0
	}
	return amount*29/1000 + 30
}

func feeDetails(fee int64, currency string) []any {
	if fee == 0 {
		return []any{}
	}
	return []any{map[string]any{"amount": fee, "application": nil, "currency": currency, "description": "Stripe processing fees", "type": "stripe_fee"}}
}

func addMonth(t int64) int64 { return t + 30*86400 }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
