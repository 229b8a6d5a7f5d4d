package airtable

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// ErrSignature is wrapped by every webhook verification failure.
var ErrSignature = errors.New("airtable: webhook signature verification failed")

// macPrefix starts an X-Airtable-Content-MAC value.
const macPrefix = "hmac-sha256="

// parseMAC reads an X-Airtable-Content-MAC header: "hmac-sha256=" and 64 hex digits.
func parseMAC(h string) ([]byte, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return nil, fmt.Errorf("%w: no X-Airtable-Content-MAC header", ErrSignature)
	}
	if len(h) > 128 {
		return nil, fmt.Errorf("%w: X-Airtable-Content-MAC is %d bytes", ErrSignature, len(h))
	}
	hexSum, ok := strings.CutPrefix(h, macPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: X-Airtable-Content-MAC %q does not start with %s", ErrSignature, clip(h), macPrefix)
	}
	mac, err := hex.DecodeString(hexSum)
	if err != nil || len(mac) != sha256.Size {
		return nil, fmt.Errorf("%w: X-Airtable-Content-MAC %q is not a hex SHA-256", ErrSignature, clip(h))
	}
	return mac, nil
}

// notification is the body of a webhook notification.
type notification struct {
	Base *struct {
		ID string `json:"id"`
	} `json:"base"`
	Webhook *struct {
		ID string `json:"id"`
	} `json:"webhook"`
	Timestamp time.Time `json:"timestamp"`
}

// VerifyWebhook checks an Airtable webhook notification: X-Airtable-Content-MAC is "hmac-sha256=" and
// the hex HMAC-SHA256 of the body keyed with the webhook's MAC secret, which the credential's
// webhook_secret holds as Airtable handed it out (macSecretBase64). A notification only says that the
// base changed ({"base": {"id"}, "webhook": {"id"}, "timestamp"}); it names no table or record, so a
// verified notification yields one notice without a collection: poll every table of the sync now. The
// polls read the changes (and deletes through the webhook's payloads when options.webhook_id is set).
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, _ time.Time) ([]providers.WebhookNotice, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, fmt.Errorf("%w: no webhook secret configured", ErrSignature)
	}
	key, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: webhook_secret is not the webhook's macSecretBase64 (base64)", ErrSignature)
	}
	got, err := parseMAC(header.Get("X-Airtable-Content-MAC"))
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return nil, fmt.Errorf("%w: the MAC does not match the body", ErrSignature)
	}
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, providers.Malformed(err, "airtable: decoding a webhook notification: %v", err)
	}
	if n.Base == nil || !baseIDPattern.MatchString(n.Base.ID) || n.Webhook == nil || !webhookIDPattern.MatchString(n.Webhook.ID) {
		return nil, providers.Malformed(nil, "airtable: a webhook notification without its base or webhook id")
	}
	return []providers.WebhookNotice{{}}, nil
}
