package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The shop's time zone: Shopify renders timestamps in the shop's zone with its offset.
var shopZone = time.FixedZone("EDT", -4*3600)

// ts renders a unix time as Shopify does: "2024-07-01T09:30:00-04:00".
func ts(unix int64) string { return time.Unix(unix, 0).In(shopZone).Format(time.RFC3339) }

// money renders cents as Shopify's decimal strings: "19.99".
func money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// gid is an object's GraphQL id.
func gid(kind string, id int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(id, 10)
}

// levelKey is the emulator's (and the provider's) id of an inventory level.
func levelKey(item, location int64) string {
	return strconv.FormatInt(item, 10) + ":" + strconv.FormatInt(location, 10)
}

// handleize turns a title into a product handle: "Classic Tee (Blue)" -> "classic-tee-blue".
func handleize(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// normalizeTags renders tags as Shopify does: unique, sorted, joined by ", ".
func normalizeTags(v any) string {
	var parts []string
	switch t := v.(type) {
	case string:
		parts = strings.Split(t, ",")
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				parts = append(parts, strings.Split(s, ",")...)
			}
		}
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func blankProduct(id, created int64, title, vendor string) map[string]any {
	return map[string]any{
		"id": id, "title": title, "body_html": nil, "vendor": vendor, "product_type": "",
		"created_at": ts(created), "updated_at": ts(created), "published_at": ts(created),
		"handle": handleize(title), "template_suffix": nil, "published_scope": "global", "tags": "",
		"status": "active", "admin_graphql_api_id": gid("Product", id),
		"variants": []any{}, "options": []any{}, "images": []any{}, "image": nil,
	}
}

func blankVariant(id, productID, created, item int64, position int, price int64) map[string]any {
	return map[string]any{
		"id": id, "product_id": productID, "title": "Default Title", "price": money(price),
		"position": int64(position), "inventory_policy": "deny", "compare_at_price": nil,
		"option1": "Default Title", "option2": nil, "option3": nil,
		"created_at": ts(created), "updated_at": ts(created), "taxable": true, "barcode": nil,
		"fulfillment_service": "manual", "grams": int64(0), "inventory_management": "shopify",
		"requires_shipping": true, "sku": "", "weight": 0.0, "weight_unit": "kg",
		"inventory_item_id": item, "inventory_quantity": int64(0), "old_inventory_quantity": int64(0),
		"image_id": nil, "admin_graphql_api_id": gid("ProductVariant", id),
	}
}

// productOption is one product option with its values, e.g. Size: S, M, L.
func productOption(id, productID int64, position int, name string, values []any) map[string]any {
	return map[string]any{"id": id, "product_id": productID, "name": name, "position": int64(position), "values": values}
}

func blankCustomer(id, created int64) map[string]any {
	return map[string]any{
		"id": id, "email": nil, "created_at": ts(created), "updated_at": ts(created),
		"first_name": nil, "last_name": nil, "orders_count": int64(0), "state": "disabled",
		"total_spent": "0.00", "last_order_id": nil, "note": nil, "verified_email": true,
		"multipass_identifier": nil, "tax_exempt": false, "tags": "", "last_order_name": nil,
		"currency": "USD", "phone": nil, "addresses": []any{}, "tax_exemptions": []any{},
		"email_marketing_consent": nil, "sms_marketing_consent": nil,
		"admin_graphql_api_id": gid("Customer", id),
	}
}

func marketingConsent(state string, at int64) map[string]any {
	return map[string]any{"state": state, "opt_in_level": "single_opt_in", "consent_updated_at": ts(at)}
}

func address(id, customerID int64, first, last, company, street, city, province, provinceCode, zip, phone string, isDefault bool) map[string]any {
	a := map[string]any{
		"first_name": first, "last_name": last, "company": nilIfEmpty(company), "address1": street,
		"address2": nil, "city": city, "province": province, "country": "United States", "zip": zip,
		"phone": nilIfEmpty(phone), "name": first + " " + last, "province_code": provinceCode,
		"country_code": "US", "country_name": "United States",
	}
	if id != 0 {
		a["id"], a["customer_id"], a["default"] = id, customerID, isDefault
	}
	return a
}

func blankOrder(id, created, number int64, token string) map[string]any {
	return map[string]any{
		"id": id, "admin_graphql_api_id": gid("Order", id), "app_id": int64(580111),
		"browser_ip": nil, "buyer_accepts_marketing": false, "cancel_reason": nil, "cancelled_at": nil,
		"cart_token": nil, "checkout_id": nil, "checkout_token": nil, "closed_at": nil, "confirmed": true,
		"confirmation_number": strings.ToUpper(token[:9]), "contact_email": nil,
		"created_at": ts(created), "updated_at": ts(created), "processed_at": ts(created),
		"currency": "USD", "presentment_currency": "USD", "customer_locale": "en",
		"current_subtotal_price": "0.00", "current_total_discounts": "0.00", "current_total_price": "0.00",
		"current_total_tax": "0.00", "subtotal_price": "0.00", "total_discounts": "0.00",
		"total_line_items_price": "0.00", "total_outstanding": "0.00", "total_price": "0.00",
		"total_tax": "0.00", "total_tip_received": "0.00", "total_weight": int64(0),
		"discount_codes": []any{}, "email": "", "phone": nil, "estimated_taxes": false,
		"financial_status": "paid", "fulfillment_status": nil, "landing_site": nil, "location_id": nil,
		"name": "#" + strconv.FormatInt(number, 10), "note": nil, "note_attributes": []any{},
		"number": number - 1000, "order_number": number,
		"order_status_url": "https://checkout.example/orders/" + token,
		"reference":        nil, "referring_site": nil, "source_identifier": nil, "source_name": "web",
		"tags": "", "tax_lines": []any{}, "taxes_included": false, "test": false, "token": token,
		"user_id": nil, "billing_address": nil, "shipping_address": nil, "customer": nil,
		"fulfillments": []any{}, "line_items": []any{}, "payment_terms": nil, "refunds": []any{},
		"shipping_lines": []any{},
	}
}

func lineItem(id int64, product, variant map[string]any, qty int64) map[string]any {
	return map[string]any{
		"id": id, "admin_graphql_api_id": gid("LineItem", id), "fulfillable_quantity": qty,
		"fulfillment_service": "manual", "fulfillment_status": nil, "gift_card": false, "grams": variant["grams"],
		"name": fmt.Sprintf("%s - %s", product["title"], variant["title"]), "price": variant["price"],
		"product_exists": true, "product_id": product["id"], "properties": []any{}, "quantity": qty,
		"requires_shipping": true, "sku": variant["sku"], "taxable": true, "title": product["title"],
		"total_discount": "0.00", "variant_id": variant["id"], "variant_inventory_management": "shopify",
		"variant_title": variant["title"], "vendor": product["vendor"], "tax_lines": []any{},
		"discount_allocations": []any{}, "duties": []any{},
	}
}

// customerSnapshot is the customer as embedded in an order.
func customerSnapshot(c map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"id", "email", "created_at", "updated_at", "first_name", "last_name", "state",
		"note", "verified_email", "multipass_identifier", "tax_exempt", "phone", "currency", "tags",
		"admin_graphql_api_id", "default_address"} {
		out[k] = c[k]
	}
	return out
}

func blankFulfillment(id, orderID, created, locationID int64, name string, items []any, carrier, number string) map[string]any {
	var trackingURL any
	urls := []any{}
	if number != "" {
		trackingURL = "https://tracking.example/" + strings.ToLower(carrier) + "/" + number
		urls = append(urls, trackingURL)
	}
	numbers := []any{}
	if number != "" {
		numbers = append(numbers, number)
	}
	fulfilled := make([]any, len(items))
	for i, it := range items {
		m := copyMap(it.(map[string]any))
		m["fulfillment_status"] = "fulfilled"
		m["fulfillable_quantity"] = int64(0)
		fulfilled[i] = m
	}
	return map[string]any{
		"id": id, "admin_graphql_api_id": gid("Fulfillment", id), "created_at": ts(created),
		"updated_at": ts(created), "location_id": locationID, "name": name, "order_id": orderID,
		"origin_address": map[string]any{}, "receipt": map[string]any{}, "service": "manual",
		"shipment_status": nil, "status": "success", "tracking_company": nilIfEmpty(carrier),
		"tracking_number": nilIfEmpty(number), "tracking_numbers": numbers, "tracking_url": trackingURL,
		"tracking_urls": urls, "line_items": fulfilled,
	}
}

func blankLocation(id, created int64, name, street, city, province, provinceCode, zip string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "address1": street, "address2": nil, "city": city, "zip": zip,
		"province": province, "country": "US", "phone": "", "created_at": ts(created), "updated_at": ts(created),
		"country_code": "US", "country_name": "United States", "province_code": provinceCode,
		"legacy": false, "active": true, "admin_graphql_api_id": gid("Location", id),
		"localized_country_name": "United States", "localized_province_name": province,
	}
}

func inventoryLevel(item, location, available, updated int64) map[string]any {
	return map[string]any{
		"inventory_item_id": item, "location_id": location, "available": available, "updated_at": ts(updated),
		"admin_graphql_api_id": "gid://shopify/InventoryLevel/" + strconv.FormatInt(location, 10) +
			"?inventory_item_id=" + strconv.FormatInt(item, 10),
	}
}

func eventDoc(id, subject, created int64, subjectType, verb, title string) map[string]any {
	var message, path string
	lower := strings.ToLower(subjectType) + "s"
	switch verb {
	case "destroy":
		message = fmt.Sprintf("%s was deleted: <a href=\"/admin/%s/%d\">%s</a>.", subjectType, lower, subject, title)
	case "create", "placed":
		message = fmt.Sprintf("%s was created: <a href=\"/admin/%s/%d\">%s</a>.", subjectType, lower, subject, title)
	default:
		message = fmt.Sprintf("%s was updated: <a href=\"/admin/%s/%d\">%s</a>.", subjectType, lower, subject, title)
	}
	path = fmt.Sprintf("/admin/%s/%d", lower, subject)
	return map[string]any{
		"id": id, "subject_id": subject, "created_at": ts(created), "subject_type": subjectType, "verb": verb,
		"arguments": []any{title}, "body": nil, "message": message, "author": "Shopify",
		"description": message, "path": path,
	}
}

func metafield(id, owner, created int64, resource, namespace, key, typ string, value any) map[string]any {
	return map[string]any{
		"id": id, "namespace": namespace, "key": key, "value": value, "type": typ, "description": nil,
		"owner_id": owner, "owner_resource": resource, "created_at": ts(created), "updated_at": ts(created),
		"admin_graphql_api_id": gid("Metafield", id),
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// copyMap returns a shallow copy of m.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// variantsOf returns the variant documents of a product.
func variantsOf(product *object) []map[string]any {
	vs, _ := product.d()["variants"].([]any)
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

// fulfillmentsOf returns the fulfillment documents of an order.
func fulfillmentsOf(order *object) []map[string]any {
	fs, _ := order.d()["fulfillments"].([]any)
	out := make([]map[string]any, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.(map[string]any))
	}
	return out
}

// findByID returns the element of docs whose id is id.
func findByID(docs []map[string]any, id int64) map[string]any {
	for _, d := range docs {
		if n, _ := toInt(d["id"]); n == id {
			return d
		}
	}
	return nil
}
