package marketo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sequinsync/sequin/providers"
)

// transport authenticates Marketo calls and turns Marketo's errors, which arrive as HTTP 200 with
// success false and a code, into the HTTP statuses they mean, so that the shared client classifies,
// waits and retries them like any API's: 606/615 become 429, 607 (daily quota) a 429 until the
// quota resets, 601/602 (bad or expired token) a 401 after one retry with a fresh token, 604/608/611
// and 1029 a 503, 610/702/1004/1013 a 404, other codes a 400. The body is kept for ClassifyError.
type transport struct {
	ctx  context.Context
	cfg  *clientcredentials.Config
	base http.RoundTripper

	mu  sync.Mutex
	tok *oauth2.Token
}

func newTransport(ctx context.Context, cred providers.Credential, tokenURL string, base http.RoundTripper) *transport {
	return &transport{ctx: context.WithoutCancel(ctx), base: base, cfg: &clientcredentials.Config{
		ClientID: cred.String("client_id"), ClientSecret: cred.String("client_secret"), TokenURL: tokenURL,
		AuthStyle: oauth2.AuthStyleInParams,
	}}
}

// RoundTrip sends r with a token and translates an in-body error.
func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		tok, err := t.token(r.Context(), attempt > 0)
		if err != nil {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return nil, err
		}
		r2 := r.Clone(r.Context())
		if attempt > 0 && r.GetBody != nil {
			if r2.Body, err = r.GetBody(); err != nil {
				return nil, err
			}
		}
		r2.Header.Set("Authorization", "Bearer "+tok)
		resp, err := t.base.RoundTrip(r2)
		if err != nil || resp.StatusCode != http.StatusOK || !isJSON(resp) {
			return resp, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		_ = resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		code := errorCode(body)
		if (code == "601" || code == "602") && attempt == 0 && (r.Body == nil || r.GetBody != nil) {
			continue // the token was revoked or expired early: fetch another and send again
		}
		if code != "" {
			resp.StatusCode, resp.Status = statusFor(code), ""
			resp.Header = resp.Header.Clone()
			if resp.StatusCode == http.StatusTooManyRequests {
				resp.Header.Set("Retry-After", strconv.Itoa(int(retryAfter(code, time.Now())/time.Second)))
			}
		}
		return resp, nil
	}
}

func isJSON(resp *http.Response) bool {
	ct := resp.Header.Get("Content-Type")
	return len(ct) >= 16 && ct[:16] == "application/json"
}

// errorCode returns the first error code of an unsuccessful answer, or "".
func errorCode(body []byte) string {
	var b struct {
		Success *bool `json:"success"`
		Errors  []struct {
			Code json.RawMessage `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &b) != nil || b.Success == nil || *b.Success || len(b.Errors) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(b.Errors[0].Code, &s) == nil {
		return s
	}
	return string(b.Errors[0].Code) // some endpoints send the code as a number
}

func statusFor(code string) int {
	switch code {
	case "606", "607", "615":
		return http.StatusTooManyRequests
	case "601", "602":
		return http.StatusUnauthorized
	case "603":
		return http.StatusForbidden
	case "604", "608", "611", "713", "1029":
		return http.StatusServiceUnavailable
	case "610", "702", "1004", "1013":
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// quotaZone is where Marketo's daily quota resets at midnight (US Central).
var quotaZone = time.FixedZone("CST", -6*3600)

// retryAfter is how long to wait after a limit: the 20-second rolling window is mostly free again
// within a few seconds (the sidecar's own pacing keeps below it), the concurrency limit within one,
// and the daily quota at midnight US Central.
func retryAfter(code string, now time.Time) time.Duration {
	switch code {
	case "607":
		c := now.In(quotaZone)
		midnight := time.Date(c.Year(), c.Month(), c.Day()+1, 0, 0, 0, 0, quotaZone)
		return midnight.Sub(now).Truncate(time.Second) + time.Second
	case "615":
		return time.Second
	}
	return 2 * time.Second
}

// token returns a valid access token, fetching a new one when asked or needed.
func (t *transport) token(ctx context.Context, fresh bool) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !fresh && t.tok != nil && t.tok.Expiry.After(time.Now().Add(30*time.Second)) {
		return t.tok.AccessToken, nil
	}
	hctx := context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: t.base, Timeout: 30 * time.Second})
	tok, err := t.cfg.Token(hctx)
	if err != nil {
		return "", classifyTokenError(ctx, err)
	}
	if tok.Expiry.IsZero() {
		tok.Expiry = time.Now().Add(time.Hour)
	}
	t.tok = tok
	return tok.AccessToken, nil
}

// classifyTokenError classifies a failed token request: a refusal needs a person, 429/5xx and
// network failures are transient, an answer without a token is malformed.
func classifyTokenError(ctx context.Context, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		msg := "identity service: " + firstNonEmpty(re.ErrorDescription, re.ErrorCode, http.StatusText(status))
		switch {
		case status == http.StatusTooManyRequests:
			return &providers.Error{Kind: providers.ErrRateLimited, Status: status, Message: msg,
				RetryAfter: providers.ParseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now()), Err: err}
		case status >= 500:
			return &providers.Error{Kind: providers.ErrRetryable, Status: status, Message: msg, Err: err}
		case status/100 == 2:
			return &providers.Error{Kind: providers.ErrMalformed, Status: status, Message: msg, Err: err}
		}
		return &providers.Error{Kind: providers.ErrUnauthorized, Status: status, Code: re.ErrorCode,
			Message: "client credentials were refused: " + firstNonEmpty(re.ErrorDescription, re.ErrorCode, http.StatusText(status)), Err: err}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &providers.Error{Kind: providers.ErrRetryable, Message: "identity service: " + err.Error(), Err: err}
	}
	return providers.Malformed(err, "identity service answered without a token: %v", err)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
