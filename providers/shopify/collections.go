package shopify

import (
	"net/url"

	"github.com/sequinsync/sequin/providers"
)

// Field constructors keep the catalogue below readable.
func text(name string) providers.Field    { return providers.Field{Name: name, Type: "text"} }
func bigint(name string) providers.Field  { return providers.Field{Name: name, Type: "bigint"} }
func integer(name string) providers.Field { return providers.Field{Name: name, Type: "integer"} }
func boolean(name string) providers.Field { return providers.Field{Name: name, Type: "boolean"} }
func numeric(name string) providers.Field { return providers.Field{Name: name, Type: "numeric"} }
func jsonb(name string) providers.Field   { return providers.Field{Name: name, Type: "jsonb"} }
func texts(name string) providers.Field   { return providers.Field{Name: name, Type: "text[]"} }
func stamp(name string) providers.Field   { return providers.Field{Name: name, Type: "timestamptz"} }

// mut marks a field writable by mutations.
func mut(f providers.Field) providers.Field { f.Mutable = true; return f }

// at reads a field from a nested path of the object.
func at(f providers.Field, path string) providers.Field { f.Path = path; return f }

// stamps are the timestamps every resource has.
func stamps(fields ...providers.Field) []providers.Field {
	return append(fields, stamp("created_at"), stamp("updated_at"), text("admin_graphql_api_id"))
}

var (
	createUpdate       = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate}
	createUpdateDelete = []providers.MutationKind{providers.MutationCreate, providers.MutationUpdate, providers.MutationDelete}
	updateOnly         = []providers.MutationKind{providers.MutationUpdate}
)

var (
	products = &resource{
		name: "products", one: "product",
		description: "Products of the store, in any status (active, draft, archived), with their variants and options.",
		fields: stamps(
			mut(text("title")), mut(text("body_html")), mut(text("vendor")), mut(text("product_type")),
			mut(text("handle")), mut(text("status")), mut(text("tags")), stamp("published_at"),
			text("published_scope"), mut(text("template_suffix")), mut(jsonb("variants")), mut(jsonb("options")),
			jsonb("images"), jsonb("image"),
		),
		subject:    "Product",
		mutations:  createUpdateDelete,
		candidates: productCandidates,
	}
	customers = &resource{
		name: "customers", one: "customer",
		description: "Customers of the store.",
		fields: stamps(
			mut(text("email")), mut(text("first_name")), mut(text("last_name")), mut(text("phone")),
			text("state"), mut(text("note")), mut(text("tags")), mut(boolean("verified_email")),
			mut(boolean("tax_exempt")), bigint("orders_count"), numeric("total_spent"), bigint("last_order_id"),
			text("last_order_name"), text("currency"), mut(jsonb("addresses")), jsonb("default_address"),
			at(text("default_address_city"), "default_address.city"),
			at(text("default_address_country_code"), "default_address.country_code"),
			mut(jsonb("email_marketing_consent")), at(text("email_marketing_state"), "email_marketing_consent.state"),
			jsonb("sms_marketing_consent"), jsonb("tax_exemptions"),
		),
		mutations:  createUpdate,
		candidates: customerCandidates,
	}
	orders = &resource{
		name: "orders", one: "order",
		description: "Orders, open, closed and cancelled, with line items, fulfillments and refunds.",
		fields: stamps(
			text("name"), bigint("order_number"), mut(text("email")), mut(text("phone")), text("contact_email"),
			text("financial_status"), text("fulfillment_status"), stamp("cancelled_at"), text("cancel_reason"),
			stamp("closed_at"), stamp("processed_at"), text("currency"), numeric("total_price"),
			numeric("subtotal_price"), numeric("total_tax"), numeric("total_discounts"),
			numeric("current_total_price"), mut(text("note")), mut(text("tags")), mut(jsonb("note_attributes")),
			mut(boolean("buyer_accepts_marketing")), jsonb("customer"), at(bigint("customer_id"), "customer.id"),
			jsonb("line_items"), mut(jsonb("shipping_address")), jsonb("billing_address"), jsonb("shipping_lines"),
			jsonb("discount_codes"), jsonb("refunds"), jsonb("fulfillments"), text("source_name"), boolean("test"),
			boolean("confirmed"),
		),
		query:     url.Values{"status": {"any"}},
		subject:   "Order",
		mutations: updateOnly,
	}
	variants = &child{
		name: "variants", parent: products, one: "variant",
		description: "Product variants (the sellable SKUs), listed through their products.",
		fields: stamps(
			bigint("product_id"), text("title"), numeric("price"), numeric("compare_at_price"), text("sku"),
			text("barcode"), integer("position"), bigint("inventory_item_id"), bigint("inventory_quantity"),
			text("inventory_policy"), text("inventory_management"), text("fulfillment_service"),
			text("option1"), text("option2"), text("option3"), boolean("taxable"), boolean("requires_shipping"),
			bigint("grams"), numeric("weight"), text("weight_unit"), bigint("image_id"),
		),
		getPath: func(id string) string { return "/variants/" + id + ".json" },
	}
	fulfillments = &child{
		name: "fulfillments", parent: orders, one: "fulfillment",
		description: "Fulfillments (shipments) of orders, listed through their orders.",
		fields: stamps(
			bigint("order_id"), text("name"), text("status"), text("shipment_status"), text("service"),
			bigint("location_id"), text("tracking_company"), text("tracking_number"), texts("tracking_numbers"),
			text("tracking_url"), texts("tracking_urls"), jsonb("line_items"),
		),
	}
	inventoryLevels = &inventory{
		fields: []providers.Field{
			bigint("inventory_item_id"), bigint("location_id"), bigint("available"), stamp("updated_at"),
			text("admin_graphql_api_id"),
		},
	}
)

// buildCollections returns the collections in a stable order.
func buildCollections() []*providers.Collection {
	return []*providers.Collection{
		products.collection(), variants.collection(), customers.collection(), orders.collection(),
		fulfillments.collection(), inventoryLevels.collection(),
	}
}
