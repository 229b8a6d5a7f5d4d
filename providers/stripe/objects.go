package stripe

import (
	"net/url"

	"github.com/sequinsync/sequin/providers"
)

// Field constructors keep the catalogue below readable.
func text(name string) providers.Field    { return providers.Field{Name: name, Type: "text"} }
func bigint(name string) providers.Field  { return providers.Field{Name: name, Type: "bigint"} }
func boolean(name string) providers.Field { return providers.Field{Name: name, Type: "boolean"} }
func numeric(name string) providers.Field { return providers.Field{Name: name, Type: "numeric"} }
func jsonb(name string) providers.Field   { return providers.Field{Name: name, Type: "jsonb"} }
func texts(name string) providers.Field   { return providers.Field{Name: name, Type: "text[]"} }
func unix(name string) providers.Field {
	return providers.Field{Name: name, Type: "timestamptz", Format: "unix"}
}

// mut marks a field writable by mutations.
func mut(f providers.Field) providers.Field { f.Mutable = true; return f }

// at reads a field from a nested path of the object.
func at(f providers.Field, path string) providers.Field { f.Path = path; return f }

// common are the fields every synced object has.
func common(fields ...providers.Field) []providers.Field {
	return append(fields, unix("created"), boolean("livemode"), mut(jsonb("metadata")))
}

var (
	createUpdate       = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate}
	createUpdateDelete = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
)

// objectTypes is the catalogue of synced Stripe objects. Event types are those of the pinned API
// version; an event type whose data.object is a different object (charge.refund.updated carries a
// refund) belongs to that object's collection.
var objectTypes = []*objectType{
	{
		name: "customer", object: "customer", path: "/v1/customers",
		description: "Customers of the account.",
		fields: common(
			mut(text("email")), mut(text("name")), mut(text("phone")), mut(text("description")),
			mut(bigint("balance")), text("currency"), boolean("delinquent"),
			mut(jsonb("address")), mut(at(text("address_city"), "address.city")), mut(at(text("address_country"), "address.country")),
			mut(jsonb("shipping")), mut(text("default_source")), mut(text("invoice_prefix")), mut(text("tax_exempt")),
			mut(texts("preferred_locales")), at(text("default_payment_method"), "invoice_settings.default_payment_method"),
			jsonb("discount"),
		),
		events:       []string{"customer.created", "customer.updated", "customer.deleted"},
		deleteEvents: []string{"customer.deleted"},
		mutations:    createUpdateDelete,
	},
	{
		// A subscription is never deleted: canceling it (customer.subscription.deleted) leaves it
		// retrievable with status "canceled", so that event is an update and canceled rows stay.
		name: "subscription", object: "subscription", path: "/v1/subscriptions",
		description: "Subscriptions, including canceled ones.",
		fields: common(
			text("customer"), text("status"), text("currency"), mut(text("description")),
			mut(boolean("cancel_at_period_end")), mut(unix("cancel_at")), unix("canceled_at"), unix("ended_at"),
			unix("current_period_start"), unix("current_period_end"), unix("start_date"), unix("billing_cycle_anchor"),
			mut(unix("trial_start")), mut(unix("trial_end")), mut(text("collection_method")), mut(bigint("days_until_due")),
			mut(text("default_payment_method")), text("latest_invoice"), mut(jsonb("items")), mut(jsonb("pause_collection")),
			jsonb("cancellation_details"), jsonb("discount"),
		),
		listQuery: url.Values{"status": {"all"}},
		events: []string{
			"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
			"customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
			"customer.subscription.pending_update_applied", "customer.subscription.pending_update_expired",
		},
		mutations:      createUpdateDelete,
		cancelOnDelete: true,
	},
	{
		name: "invoice", object: "invoice", path: "/v1/invoices",
		description: "Invoices, including drafts.",
		fields: common(
			text("customer"), text("customer_email"), text("subscription"), text("status"), text("number"), text("currency"),
			bigint("amount_due"), bigint("amount_paid"), bigint("amount_remaining"), bigint("subtotal"), bigint("total"),
			bigint("tax"), boolean("paid"), boolean("attempted"), bigint("attempt_count"), text("billing_reason"),
			text("collection_method"), unix("due_date"), unix("period_start"), unix("period_end"),
			text("charge"), text("payment_intent"), text("hosted_invoice_url"), text("invoice_pdf"),
			mut(text("description")), jsonb("lines"), jsonb("status_transitions"),
		),
		events: []string{
			"invoice.created", "invoice.updated", "invoice.deleted", "invoice.finalized", "invoice.finalization_failed",
			"invoice.paid", "invoice.payment_action_required", "invoice.payment_failed", "invoice.payment_succeeded",
			"invoice.sent", "invoice.voided", "invoice.marked_uncollectible",
		},
		deleteEvents: []string{"invoice.deleted"},
	},
	{
		name: "charge", object: "charge", path: "/v1/charges",
		description: "Charges (payments) against cards and other payment methods.",
		fields: common(
			bigint("amount"), bigint("amount_captured"), bigint("amount_refunded"), text("currency"), text("customer"),
			text("description"), text("status"), boolean("paid"), boolean("captured"), boolean("refunded"), boolean("disputed"),
			text("failure_code"), text("failure_message"), text("payment_intent"), text("payment_method"), text("invoice"),
			text("receipt_email"), text("receipt_url"), text("balance_transaction"), text("calculated_statement_descriptor"),
			jsonb("billing_details"), jsonb("outcome"), jsonb("payment_method_details"),
		),
		events: []string{
			"charge.captured", "charge.expired", "charge.failed", "charge.pending", "charge.refunded",
			"charge.succeeded", "charge.updated",
		},
	},
	{
		// Stripe sends no event when only a payment intent's metadata or description changes (there is
		// no payment_intent.updated), so such edits are seen by the next backfill, not by Changes.
		name: "payment_intent", object: "payment_intent", path: "/v1/payment_intents",
		description: "Payment intents.",
		fields: common(
			mut(bigint("amount")), bigint("amount_capturable"), bigint("amount_received"), mut(text("currency")),
			mut(text("customer")), mut(text("description")), text("status"), mut(text("capture_method")),
			text("confirmation_method"), mut(text("payment_method")), mut(texts("payment_method_types")), text("latest_charge"),
			text("invoice"), mut(text("receipt_email")), mut(text("setup_future_usage")), mut(text("statement_descriptor")),
			unix("canceled_at"), text("cancellation_reason"), jsonb("last_payment_error"),
		),
		events: []string{
			"payment_intent.created", "payment_intent.succeeded", "payment_intent.canceled", "payment_intent.processing",
			"payment_intent.payment_failed", "payment_intent.requires_action", "payment_intent.amount_capturable_updated",
			"payment_intent.partially_funded",
		},
		mutations: createUpdate,
	},
	{
		name: "product", object: "product", path: "/v1/products",
		description: "Products of the catalogue, active or not.",
		fields: common(
			mut(text("name")), mut(boolean("active")), mut(text("description")), mut(text("default_price")),
			mut(texts("images")), mut(text("unit_label")), mut(text("url")), mut(boolean("shippable")),
			mut(text("statement_descriptor")), mut(text("tax_code")), mut(jsonb("package_dimensions")),
			mut(jsonb("marketing_features")), unix("updated"),
		),
		events:       []string{"product.created", "product.updated", "product.deleted"},
		deleteEvents: []string{"product.deleted"},
		mutations:    createUpdateDelete,
	},
	{
		name: "price", object: "price", path: "/v1/prices",
		description: "Prices of products, active or not.",
		fields: common(
			text("product"), mut(boolean("active")), text("currency"), bigint("unit_amount"), text("unit_amount_decimal"),
			text("type"), text("billing_scheme"), jsonb("recurring"), at(text("recurring_interval"), "recurring.interval"),
			at(bigint("recurring_interval_count"), "recurring.interval_count"), mut(text("nickname")), mut(text("lookup_key")),
			mut(text("tax_behavior")), text("tiers_mode"), jsonb("transform_quantity"),
		),
		events:       []string{"price.created", "price.updated", "price.deleted"},
		deleteEvents: []string{"price.deleted"},
		mutations:    createUpdate,
	},
	{
		name: "refund", object: "refund", path: "/v1/refunds",
		description: "Refunds of charges.",
		fields: common(
			bigint("amount"), text("currency"), text("charge"), text("payment_intent"), text("reason"), text("status"),
			text("receipt_number"), text("balance_transaction"), text("failure_reason"), jsonb("destination_details"),
		),
		events:    []string{"refund.created", "refund.updated", "refund.failed", "charge.refund.updated"},
		mutations: createUpdate,
	},
	{
		name: "dispute", object: "dispute", path: "/v1/disputes",
		description: "Disputes (chargebacks) of charges.",
		fields: common(
			bigint("amount"), text("currency"), text("charge"), text("payment_intent"), text("reason"), text("status"),
			boolean("is_charge_refundable"), jsonb("evidence"), jsonb("evidence_details"),
			at(unix("evidence_due_by"), "evidence_details.due_by"), jsonb("balance_transactions"),
		),
		events: []string{
			"charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
			"charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
		},
	},
	{
		name: "payout", object: "payout", path: "/v1/payouts",
		description: "Payouts to bank accounts and cards.",
		fields: common(
			bigint("amount"), text("currency"), unix("arrival_date"), text("status"), text("method"), text("type"),
			text("description"), text("destination"), text("balance_transaction"), text("failure_code"),
			text("failure_message"), boolean("automatic"), text("source_type"), text("statement_descriptor"),
		),
		events: []string{
			"payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled",
			"payout.reconciliation_completed",
		},
	},
	{
		// Balance transactions have no events and are never deleted: changes are polled by creation
		// time. A pending transaction turning available later is not seen by polling (its creation time
		// is older than the window); a backfill refreshes it.
		name: "balance_transaction", object: "balance_transaction", path: "/v1/balance_transactions",
		description: "The balance ledger: every movement of funds, with fees.",
		fields: []providers.Field{
			bigint("amount"), text("currency"), bigint("fee"), bigint("net"), text("status"), text("type"),
			text("reporting_category"), text("source"), text("description"), unix("available_on"),
			numeric("exchange_rate"), jsonb("fee_details"), unix("created"),
		},
	},
	{
		name: "coupon", object: "coupon", path: "/v1/coupons",
		description: "Coupons (discount definitions).",
		fields: common(
			mut(text("name")), bigint("amount_off"), numeric("percent_off"), text("currency"), text("duration"),
			bigint("duration_in_months"), bigint("max_redemptions"), unix("redeem_by"), bigint("times_redeemed"),
			boolean("valid"), jsonb("applies_to"),
		),
		events:       []string{"coupon.created", "coupon.updated", "coupon.deleted"},
		deleteEvents: []string{"coupon.deleted"},
		mutations:    createUpdateDelete,
	},
}
