package hubspot

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sequinsync/sequin/providers"
)

// SignatureTolerance is how far a webhook's timestamp may be from now: HubSpot asks receivers to
// refuse requests older than five minutes.
const SignatureTolerance = 5 * time.Minute

// RequestURLHeader is the header in which the webhook receiver passes the full URL a delivery was
// made to, as HubSpot called it (the target URL of the app's webhook settings: scheme, public host,
// path and query, in their original order and encoding), which HubSpot's v3 signature covers. Without
// it only the v1 signature, which webhook subscriptions also carry, can be checked.
const RequestURLHeader = providers.RequestURLHeader

// The headers of a signed HubSpot request.
const (
	headerSignatureV3 = "X-HubSpot-Signature-v3"
	headerTimestamp   = "X-HubSpot-Request-Timestamp"
	headerSignature   = "X-HubSpot-Signature"
	headerVersion     = "X-HubSpot-Signature-Version"
	// maxHeader bounds a signature, timestamp or URL header read.
	maxHeader = 4096
)

// ErrSignature is wrapped by every webhook verification failure.
var ErrSignature = errors.New("hubspot: webhook signature verification failed")

// signature is what a request's headers say about its signing.
type signature struct {
	// Timestamp is when HubSpot signed the request (unix ms), and RawTimestamp the header's text, which
	// the v3 signature covers as sent.
	Timestamp    int64
	RawTimestamp string
	// V3 is the decoded X-HubSpot-Signature-v3, nil when absent or not base64 of a SHA-256 MAC.
	V3 []byte
	// Legacy is the decoded X-HubSpot-Signature and Version its version ("v1" or "v2").
	Legacy  []byte
	Version string
	// URL is the delivery URL the receiver saw, "" when unknown.
	URL string
}

// parseSignature reads the signing headers of a request.
func parseSignature(h http.Header) (signature, error) {
	var sig signature
	for _, name := range []string{headerSignatureV3, headerTimestamp, headerSignature, headerVersion, RequestURLHeader} {
		if len(h.Get(name)) > maxHeader {
			return sig, fmt.Errorf("%w: %s header is too long", ErrSignature, name)
		}
	}
	ts := strings.TrimSpace(h.Get(headerTimestamp))
	if ts == "" {
		return sig, fmt.Errorf("%w: no %s header", ErrSignature, headerTimestamp)
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n <= 0 || n > maxTime {
		return sig, fmt.Errorf("%w: %s %q is not a unix time in milliseconds", ErrSignature, headerTimestamp, clip(ts))
	}
	sig.Timestamp, sig.RawTimestamp = n, ts
	if v := strings.TrimSpace(h.Get(headerSignatureV3)); v != "" {
		if mac, err := base64.StdEncoding.DecodeString(v); err == nil && len(mac) == sha256.Size {
			sig.V3 = mac
		}
	}
	if v := strings.TrimSpace(h.Get(headerSignature)); v != "" {
		if sum, err := hex.DecodeString(v); err == nil && len(sum) == sha256.Size {
			sig.Legacy = sum
			sig.Version = strings.ToLower(strings.TrimSpace(h.Get(headerVersion)))
			if sig.Version == "" {
				sig.Version = "v1"
			}
		}
	}
	sig.URL = strings.TrimSpace(h.Get(RequestURLHeader))
	if sig.V3 == nil && sig.Legacy == nil {
		return sig, fmt.Errorf("%w: no usable %s or %s header", ErrSignature, headerSignatureV3, headerSignature)
	}
	return sig, nil
}

// v3URI is the request URI as HubSpot's v3 signature covers it: the full URL (scheme, host, path and
// query, as called), with the percent-encodings of : / ? @ ! $ ' ( ) * , ; decoded (in either case of
// hex digits) and every other byte as is.
func v3URI(uri string) string { return uriDecoder.Replace(uri) }

// uriDecoder decodes the characters HubSpot's v3 signature takes decoded in the request URI.
var uriDecoder = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
	"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";")

// signV3 computes the v3 signature of a request: HMAC-SHA256, keyed by the app's client secret, of
// method + URI + body + timestamp (the X-HubSpot-Request-Timestamp header's text), with the URI as v3URI
// renders it.
func signV3(secret, method, uri string, body []byte, timestamp string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method))
	mac.Write([]byte(v3URI(uri)))
	mac.Write(body)
	mac.Write([]byte(timestamp))
	return mac.Sum(nil)
}

// signLegacy computes the v1 (secret and body) or v2 (secret, method, URI and body) SHA-256 signature.
func signLegacy(secret, version, method, uri string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(secret))
	if version == "v2" {
		h.Write([]byte(method + uri))
	}
	h.Write(body)
	return h.Sum(nil)
}

// verify checks sig against the secret. The v3 signature, which covers the method, the delivery URL,
// the body and the timestamp, decides whenever the receiver passed the delivery URL: a v3 mismatch is
// then a refusal, whatever the older signatures say. Without the URL, or without a v3 signature, the
// older signature HubSpot sent is checked instead: v2 (secret, method, URL and body) when the URL is
// known, v1 (secret and body) otherwise. v1 and v2 do not cover the timestamp, so a request verified
// by them alone could be a replay; a replay only makes the sidecar fetch objects again.
func (sig signature) verify(secret string, body []byte) error {
	const method = http.MethodPost
	switch {
	case sig.URL != "" && sig.V3 != nil:
		if hmac.Equal(sig.V3, signV3(secret, method, sig.URL, body, sig.RawTimestamp)) {
			return nil
		}
		return fmt.Errorf("%w: the v3 signature does not match", ErrSignature)
	case sig.Legacy != nil && sig.Version == "v2":
		if sig.URL == "" {
			return fmt.Errorf("%w: the v2 signature covers the delivery URL, which the receiver did not pass in %s", ErrSignature, RequestURLHeader)
		}
		if hmac.Equal(sig.Legacy, signLegacy(secret, "v2", method, sig.URL, body)) {
			return nil
		}
	case sig.Legacy != nil && sig.Version == "v1":
		if hmac.Equal(sig.Legacy, signLegacy(secret, "v1", "", "", body)) {
			return nil
		}
	case sig.V3 != nil:
		return fmt.Errorf("%w: the v3 signature covers the delivery URL, which the receiver did not pass in %s", ErrSignature, RequestURLHeader)
	default:
		return fmt.Errorf("%w: unknown signature version %q", ErrSignature, clip(sig.Version))
	}
	return fmt.Errorf("%w: the %s signature does not match", ErrSignature, sig.Version)
}

// event is the part of a webhook event read to name objects.
type event struct {
	EventID          json.Number   `json:"eventId"`
	SubscriptionType string        `json:"subscriptionType"`
	ObjectTypeID     string        `json:"objectTypeId"`
	ObjectID         json.Number   `json:"objectId"`
	OccurredAt       int64         `json:"occurredAt"`
	PrimaryObjectID  json.Number   `json:"primaryObjectId"`
	MergedObjectIDs  []json.Number `json:"mergedObjectIds"`
	NewObjectID      json.Number   `json:"newObjectId"`
}

// VerifyWebhook checks a HubSpot webhook delivery against the app's client secret (the v3 signature
// when the receiver passes the delivery URL in RequestURLHeader, see signature.verify), refuses
// timestamps more than SignatureTolerance from now, and names the objects its events are about (a
// deletion or a merged-away object as deleted). Events of types no collection follows (associations, conversations)
// yield no notice. The payload is not used as data: the engine re-fetches the objects.
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, now time.Time) ([]providers.WebhookNotice, error) {
	if secret == "" {
		return nil, fmt.Errorf("%w: no client secret configured", ErrSignature)
	}
	sig, err := parseSignature(header)
	if err != nil {
		return nil, err
	}
	signedAt := time.UnixMilli(sig.Timestamp)
	// Milliseconds, as HubSpot stamps and compares them.
	if age := time.Duration(now.UnixMilli()-sig.Timestamp) * time.Millisecond; age > SignatureTolerance || age < -SignatureTolerance {
		return nil, fmt.Errorf("%w: timestamp %s is outside the tolerance of %s", ErrSignature, signedAt.UTC().Format(time.RFC3339), SignatureTolerance)
	}
	if err := sig.verify(secret, body); err != nil {
		return nil, err
	}
	return notices(body)
}

// notices reads the events of a delivery, oldest first, into one notice per object (its latest state).
func notices(body []byte) ([]providers.WebhookNotice, error) {
	var events []event
	if err := json.Unmarshal(bytes.TrimSpace(body), &events); err != nil {
		return nil, providers.Malformed(err, "hubspot: decoding webhook events: %v", err)
	}
	slices.SortStableFunc(events, func(a, b event) int { return int(min(max(a.OccurredAt-b.OccurredAt, -1), 1)) })
	var out []providers.WebhookNotice
	index := map[providers.WebhookNotice]int{}
	add := func(t *crmType, id json.Number, deleted bool) error {
		s := id.String()
		if !validObjectID(s) {
			return providers.Malformed(nil, "hubspot: webhook event about a %s has no valid object id (%q)", t.singular, clip(s))
		}
		key := providers.WebhookNotice{CollectionID: t.collectionID(), UpstreamID: s}
		if i, ok := index[key]; ok {
			out[i].Deleted = deleted
			return nil
		}
		index[key] = len(out)
		out = append(out, providers.WebhookNotice{CollectionID: key.CollectionID, UpstreamID: s, Deleted: deleted})
		return nil
	}
	for _, ev := range events {
		prefix, kind, _ := strings.Cut(ev.SubscriptionType, ".")
		t := crmByName(prefix)
		if prefix == "object" {
			t = crmByName(ev.ObjectTypeID)
		}
		if t == nil {
			continue
		}
		var err error
		switch kind {
		case "creation", "propertyChange", "restore":
			err = add(t, ev.ObjectID, false)
		case "deletion", "privacyDeletion":
			err = add(t, ev.ObjectID, true)
		case "merge":
			primary := ev.PrimaryObjectID
			if primary == "" {
				primary = ev.ObjectID
			}
			for _, id := range ev.MergedObjectIDs {
				if id != primary && id != ev.NewObjectID && err == nil {
					err = add(t, id, true)
				}
			}
			if err == nil {
				err = add(t, primary, false)
			}
			if err == nil && ev.NewObjectID != "" && ev.NewObjectID != primary {
				err = add(t, ev.NewObjectID, false)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
