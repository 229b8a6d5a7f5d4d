package linear

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// WebhookTolerance is how far a webhook's webhookTimestamp may be from now: Linear asks receivers to
// refuse deliveries more than a minute old, so that a captured delivery cannot be replayed later.
const WebhookTolerance = time.Minute

// The headers of a Linear webhook delivery.
const (
	headerSignature = "Linear-Signature"
	headerTimestamp = "Linear-Timestamp"
)

// ErrSignature is wrapped by every webhook verification failure.
var ErrSignature = errors.New("linear: webhook signature verification failed")

// sign computes a delivery's signature: the HMAC-SHA256 of the raw body, keyed by the webhook's
// signing secret.
func sign(secret string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return mac.Sum(nil)
}

// delivery is the part of a webhook payload read to name the entity.
type delivery struct {
	Action           string      `json:"action"`
	Type             string      `json:"type"`
	WebhookTimestamp json.Number `json:"webhookTimestamp"`
	Data             struct {
		ID string `json:"id"`
	} `json:"data"`
}

// VerifyWebhook checks a delivery's Linear-Signature (hex HMAC-SHA256 of the raw body) against the
// webhook's signing secret, refuses a webhookTimestamp (in the signed body; the Linear-Timestamp
// header when the body has none) more than WebhookTolerance from now, and names the entity the
// delivery is about: "remove" actions as deletes. Deliveries about types no collection follows
// (labels, reactions, ...) yield no notice. The payload is not used as data: the engine re-fetches
// the entity.
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, now time.Time) ([]providers.WebhookNotice, error) {
	if secret == "" {
		return nil, fmt.Errorf("%w: no signing secret configured", ErrSignature)
	}
	got := strings.TrimSpace(header.Get(headerSignature))
	if got == "" {
		return nil, fmt.Errorf("%w: no %s header", ErrSignature, headerSignature)
	}
	mac, err := hex.DecodeString(got)
	if err != nil || len(mac) != sha256.Size {
		return nil, fmt.Errorf("%w: %s is not a hex SHA-256 MAC", ErrSignature, headerSignature)
	}
	if !hmac.Equal(mac, sign(secret, body)) {
		return nil, fmt.Errorf("%w: the signature does not match", ErrSignature)
	}
	var d delivery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, providers.Malformed(err, "linear: decoding a webhook payload: %v", err)
	}
	ts := d.WebhookTimestamp.String()
	if ts == "" {
		ts = strings.TrimSpace(header.Get(headerTimestamp))
	}
	ms, err := strconv.ParseFloat(ts, 64)
	if err != nil || ms <= 0 || ms > maxTime {
		return nil, fmt.Errorf("%w: no valid webhookTimestamp", ErrSignature)
	}
	sent := time.UnixMilli(int64(ms))
	// Milliseconds, as Linear stamps and compares them.
	if age := time.Duration(now.UnixMilli()-sent.UnixMilli()) * time.Millisecond; age > WebhookTolerance || age < -WebhookTolerance {
		return nil, fmt.Errorf("%w: webhookTimestamp %s is more than %s from now", ErrSignature, sent.UTC().Format(time.RFC3339), WebhookTolerance)
	}
	t := entityByWebhook(d.Type)
	if t == nil {
		return nil, nil
	}
	if !validCursor(d.Data.ID) {
		return nil, providers.Malformed(nil, "linear: a %s webhook has no valid data.id (%q)", d.Type, clip(d.Data.ID))
	}
	return []providers.WebhookNotice{{CollectionID: t.collectionID(), UpstreamID: d.Data.ID, Deleted: d.Action == "remove"}}, nil
}
