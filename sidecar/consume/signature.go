package consume

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of a webhook body, keyed with the consumer's secret, as
// "sha256=" and the lower-case hex digest. Receivers recompute it over the raw body to know the batch
// came from this sidecar unaltered. It does not say when the batch was sent, so a recorded request
// can be replayed: TimestampedSignatureHeader does.
const SignatureHeader = "X-Sequin-Signature"

// TimestampedSignatureHeader carries "t=<unix seconds>,sha256=<hex>": the time the request was
// signed, and the HMAC-SHA256 of that time, a dot and the raw body, keyed with the consumer's
// secret. A receiver that checks the time is recent (VerifyTimestamped) refuses replayed requests.
const TimestampedSignatureHeader = "X-Sequin-Signature-Timestamped"

// DefaultSignatureTolerance is how old a timestamped signature VerifyTimestamped accepts by default.
const DefaultSignatureTolerance = 5 * time.Minute

// Errors of VerifyTimestamped.
var (
	ErrSignatureMalformed = errors.New("the timestamped signature is malformed")
	ErrSignatureMismatch  = errors.New("the signature does not match the body")
	ErrSignatureExpired   = errors.New("the signature's time is outside the tolerance")
)

// Sign returns the SignatureHeader value of body under secret.
func Sign(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, nil, body))
}

// SignTimestamped returns the TimestampedSignatureHeader value of body under secret, signed at at.
func SignTimestamped(secret string, body []byte, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return "t=" + ts + ",sha256=" + hex.EncodeToString(mac(secret, []byte(ts+"."), body))
}

// Verify reports whether header is the signature of body under secret, in constant time.
func Verify(secret string, body []byte, header string) bool {
	digest, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(digest)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, nil, body))
}

// VerifyTimestamped checks a TimestampedSignatureHeader value: that it signs body under secret, and
// that it was made at most tolerance before now (or after it: clocks differ); tolerance <= 0 means
// DefaultSignatureTolerance.
func VerifyTimestamped(secret string, body []byte, header string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	var ts, digest string
	for _, part := range strings.Split(strings.TrimSpace(header), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "sha256":
			digest = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts == "" || ts[0] == '+' || ts[0] == '-' {
		return ErrSignatureMalformed
	}
	got, err := hex.DecodeString(digest)
	if err != nil || len(got) != sha256.Size {
		return ErrSignatureMalformed
	}
	if !hmac.Equal(got, mac(secret, []byte(ts+"."), body)) {
		return ErrSignatureMismatch
	}
	if age := now.Sub(time.Unix(sec, 0)); age > tolerance || age < -tolerance {
		return ErrSignatureExpired
	}
	return nil
}

func mac(secret string, prefix, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(prefix)
	m.Write(body)
	return m.Sum(nil)
}
