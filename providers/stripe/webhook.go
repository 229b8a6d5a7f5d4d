package stripe

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

// SignatureTolerance is how far a webhook's signed timestamp may be from now, Stripe's default.
const SignatureTolerance = 300 * time.Second

// ErrSignature is wrapped by every webhook verification failure.
var ErrSignature = errors.New("stripe: webhook signature verification failed")

// maxSignatureHeader bounds the Stripe-Signature header read.
const maxSignatureHeader = 4096

// signatureHeader is a parsed Stripe-Signature header: "t=<unix>,v1=<hex>[,v1=<hex>...]". Stripe sends
// one v1 signature per active endpoint secret (two while a secret is being rolled), and may add v0
// (test) signatures; schemes other than v1 are ignored.
type signatureHeader struct {
	Timestamp int64
	V1        [][]byte
}

// parseSignatureHeader parses a Stripe-Signature header. It wants exactly one t, at least one v1 and
// nothing that is not a key=value pair.
func parseSignatureHeader(h string) (signatureHeader, error) {
	var sig signatureHeader
	if len(h) > maxSignatureHeader {
		return sig, fmt.Errorf("%w: Stripe-Signature header is %d bytes", ErrSignature, len(h))
	}
	if strings.TrimSpace(h) == "" {
		return sig, fmt.Errorf("%w: no Stripe-Signature header", ErrSignature)
	}
	haveT := false
	for part := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" {
			return sig, fmt.Errorf("%w: Stripe-Signature element %q is not key=value", ErrSignature, clip(part))
		}
		switch k {
		case "t":
			if haveT {
				return sig, fmt.Errorf("%w: Stripe-Signature has more than one timestamp", ErrSignature)
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return sig, fmt.Errorf("%w: Stripe-Signature timestamp %q is not a unix time", ErrSignature, clip(v))
			}
			sig.Timestamp, haveT = n, true
		case "v1":
			mac, err := hex.DecodeString(v)
			if err != nil || len(mac) != sha256.Size {
				continue // cannot match; other v1 signatures may
			}
			sig.V1 = append(sig.V1, mac)
		}
	}
	if !haveT {
		return sig, fmt.Errorf("%w: Stripe-Signature has no timestamp", ErrSignature)
	}
	if len(sig.V1) == 0 {
		return sig, fmt.Errorf("%w: Stripe-Signature has no v1 signature", ErrSignature)
	}
	return sig, nil
}

// sign computes the v1 signature of body sent at t: HMAC-SHA256 of "<t>.<body>" keyed by the endpoint
// secret.
func sign(secret string, t int64, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// VerifyWebhook checks a webhook's Stripe-Signature against the endpoint secret (whsec_...), rejects
// timestamps more than SignatureTolerance from now, and names the object the event is about. The
// event's payload is not used as data: the engine re-fetches the object. Events of types no
// collection follows yield no notice and no error.
func (*Provider) VerifyWebhook(header http.Header, body []byte, secret string, now time.Time) ([]providers.WebhookNotice, error) {
	if secret == "" {
		return nil, fmt.Errorf("%w: no endpoint secret configured", ErrSignature)
	}
	sig, err := parseSignatureHeader(header.Get("Stripe-Signature"))
	if err != nil {
		return nil, err
	}
	signedAt := time.Unix(sig.Timestamp, 0)
	if age := now.Sub(signedAt); age > SignatureTolerance || age < -SignatureTolerance {
		return nil, fmt.Errorf("%w: timestamp %s is outside the tolerance of %s", ErrSignature, signedAt.UTC().Format(time.RFC3339), SignatureTolerance)
	}
	want := sign(secret, sig.Timestamp, body)
	ok := false
	for _, mac := range sig.V1 {
		ok = hmac.Equal(mac, want) || ok
	}
	if !ok {
		return nil, fmt.Errorf("%w: no v1 signature matches", ErrSignature)
	}
	var ev eventHead
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, providers.Malformed(err, "stripe: decoding webhook event: %v", err)
	}
	t := eventCollections[ev.Type]
	if t == nil {
		return nil, nil
	}
	var obj head
	if len(ev.Data.Object) == 0 || json.Unmarshal(ev.Data.Object, &obj) != nil || obj.ID == "" {
		return nil, providers.Malformed(nil, "stripe: webhook event %s (%s) has no data.object with an id", ev.ID, ev.Type)
	}
	return []providers.WebhookNotice{{CollectionID: t.collectionID(), UpstreamID: obj.ID, Deleted: t.isDeleteEvent(ev.Type)}}, nil
}
