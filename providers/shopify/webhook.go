package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// ErrSignature is wrapped by every webhook verification failure.
var ErrSignature = errors.New("shopify: webhook signature verification failed")

// maxSignatureHeader bounds the X-Shopify-Hmac-Sha256 header read.
const maxSignatureHeader = 256

// parseSignature decodes X-Shopify-Hmac-Sha256: base64 of a 32-byte HMAC-SHA256.
func parseSignature(h string) ([]byte, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return nil, fmt.Errorf("%w: no X-Shopify-Hmac-Sha256 header", ErrSignature)
	}
	if len(h) > maxSignatureHeader {
		return nil, fmt.Errorf("%w: X-Shopify-Hmac-Sha256 header is %d bytes", ErrSignature, len(h))
	}
	mac, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		mac, err = base64.RawStdEncoding.DecodeString(h)
	}
	if err != nil || len(mac) != sha256.Size {
		return nil, fmt.Errorf("%w: X-Shopify-Hmac-Sha256 is not base64 of a SHA-256 HMAC", ErrSignature)
	}
	return mac, nil
}

// sign computes a webhook's HMAC: HMAC-SHA256 of the raw body keyed by the app's client secret.
func sign(secret string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return mac.Sum(nil)
}

// topic maps a webhook topic to the collection it is about and whether it reports a delete.
type topic struct {
	collection string
	deleted    bool
	// idKeys is the path of the object's id in the payload; inventory levels use two ids.
	idKeys []string
}

var topics = map[string]topic{
	"products/create": {collection: "products"}, "products/update": {collection: "products"},
	"products/delete":  {collection: "products", deleted: true},
	"customers/create": {collection: "customers"}, "customers/update": {collection: "customers"},
	"customers/enable": {collection: "customers"}, "customers/disable": {collection: "customers"},
	"customers/delete": {collection: "customers", deleted: true},
	"orders/create":    {collection: "orders"}, "orders/updated": {collection: "orders"},
	"orders/paid": {collection: "orders"}, "orders/cancelled": {collection: "orders"},
	"orders/fulfilled": {collection: "orders"}, "orders/partially_fulfilled": {collection: "orders"},
	"orders/delete": {collection: "orders", deleted: true},
	"orders/edited": {collection: "orders", idKeys: []string{"order_edit", "order_id"}},
	// A fulfillment has no endpoint of its own; its webhooks re-fetch the order, and the
	// fulfillments collection follows by polling.
	"fulfillments/create":         {collection: "orders", idKeys: []string{"order_id"}},
	"fulfillments/update":         {collection: "orders", idKeys: []string{"order_id"}},
	"inventory_levels/connect":    {collection: "inventory_levels"},
	"inventory_levels/update":     {collection: "inventory_levels"},
	"inventory_levels/disconnect": {collection: "inventory_levels", deleted: true},
}

// VerifyWebhook checks a webhook's X-Shopify-Hmac-Sha256 against the app's client secret and names
// the object the topic is about. Shopify's HMAC covers the body only, so no time can be checked: the
// X-Shopify-Triggered-At header is unsigned (anyone replaying a delivery could rewrite it), and
// Shopify's own retries, spread over four hours, keep the original trigger time. A replay is
// harmless: the payload is not used as data, the engine only re-fetches the object. Topics no
// collection follows yield no notice and no error.
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, _ time.Time) ([]providers.WebhookNotice, error) {
	if secret == "" {
		return nil, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	mac, err := parseSignature(header.Get("X-Shopify-Hmac-Sha256"))
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, sign(secret, body)) {
		return nil, fmt.Errorf("%w: the HMAC does not match", ErrSignature)
	}
	t, ok := topics[header.Get("X-Shopify-Topic")]
	if !ok {
		return nil, nil
	}
	id, err := payloadID(body, t)
	if err != nil {
		return nil, err
	}
	return []providers.WebhookNotice{{CollectionID: Name + ":" + t.collection, UpstreamID: id, Deleted: t.deleted}}, nil
}

// payloadID reads the id of the object a webhook is about.
func payloadID(body []byte, t topic) (string, error) {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return "", providers.Malformed(err, "shopify: decoding a webhook: %v", err)
	}
	if t.collection == "inventory_levels" {
		item, location := numberString(m["inventory_item_id"]), numberString(m["location_id"])
		if id := levelID(item, location); validID(item) && validID(location) {
			return id, nil
		}
		return "", providers.Malformed(nil, "shopify: inventory level webhook without item and location ids")
	}
	keys := t.idKeys
	if keys == nil {
		keys = []string{"id"}
	}
	var v any = m
	for _, k := range keys {
		obj, _ := v.(map[string]any)
		v = obj[k]
	}
	id := numberString(v)
	if !validID(id) {
		return "", providers.Malformed(nil, "shopify: webhook without an integer %s", strings.Join(keys, "."))
	}
	return id, nil
}

// numberString renders a decoded JSON id.
func numberString(v any) string {
	switch n := v.(type) {
	case json.Number:
		return n.String()
	case string:
		return n
	}
	return ""
}
