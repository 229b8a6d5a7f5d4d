package quickbooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// VerifyWebhook checks a data-change notification's intuit-signature (the base64 HMAC-SHA256 of the
// raw body keyed with the app's verifier token) and names the objects it says changed. The signature
// covers no timestamp, so a replay cannot be told apart; it only makes the sidecar fetch again.
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, _ time.Time) ([]providers.WebhookNotice, error) {
	if secret == "" {
		return nil, errors.New("quickbooks: no verifier token to check the webhook with")
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header.Get("intuit-signature")))
	if err != nil || len(sig) == 0 {
		return nil, errors.New("quickbooks: the webhook has no valid intuit-signature header")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, errors.New("quickbooks: the webhook's signature does not match")
	}
	var n struct {
		EventNotifications []struct {
			RealmID         string `json:"realmId"`
			DataChangeEvent struct {
				Entities []struct {
					Name      string `json:"name"`
					ID        string `json:"id"`
					Operation string `json:"operation"`
				} `json:"entities"`
			} `json:"dataChangeEvent"`
		} `json:"eventNotifications"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, providers.Malformed(err, "decoding a webhook: %v", err)
	}
	var out []providers.WebhookNotice
	for _, ev := range n.EventNotifications {
		for _, ent := range ev.DataChangeEvent.Entities {
			for _, e := range entities {
				if e.name == ent.Name && ent.ID != "" {
					out = append(out, providers.WebhookNotice{CollectionID: e.collectionID(), UpstreamID: ent.ID,
						Deleted: ent.Operation == "Delete"})
				}
			}
		}
	}
	return out, nil
}
