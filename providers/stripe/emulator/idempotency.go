package emulator

import (
	"net/http"
	"time"
)

// idemTTL is how long Stripe keeps idempotent results.
const idemTTL = 24 * time.Hour

// idemEntry is the saved result of a request made with an Idempotency-Key.
type idemEntry struct {
	fingerprint string
	done        bool
	status      int
	body        []byte
	reqID       string
	at          time.Time
}

func errIdemMismatch(key string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: "idempotency_error",
		Message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '" + key + "' if you meant to execute a different request."}
}

func errIdemInUse(key string) *Error {
	return &Error{Status: http.StatusConflict, Type: "idempotency_error", Code: "idempotency_key_in_use",
		Message: "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): " + key + ". Please try again later."}
}

// idemBegin looks the key up: it returns a finished entry to replay, an error, or (nil, nil) after
// reserving the key for a new request. The caller holds s.mu.
func (a *account) idemBegin(key, fingerprint, reqID string, now time.Time) (*idemEntry, error) {
	if len(a.idem) >= a.idemSweepAt {
		for k, old := range a.idem {
			if old.done && now.Sub(old.at) > idemTTL {
				delete(a.idem, k)
			}
		}
		a.idemSweepAt = 2*len(a.idem) + 1024
	}
	e := a.idem[key]
	if e != nil && now.Sub(e.at) > idemTTL {
		delete(a.idem, key)
		e = nil
	}
	if e == nil {
		a.idem[key] = &idemEntry{fingerprint: fingerprint, reqID: reqID, at: now}
		return nil, nil
	}
	if !e.done {
		return nil, errIdemInUse(key)
	}
	if e.fingerprint != fingerprint {
		return nil, errIdemMismatch(key)
	}
	return e, nil
}

// idemEnd saves the result, or releases the key when the request did not start executing (Stripe saves
// no result for requests that failed validation). The caller holds s.mu.
func (a *account) idemEnd(key string, status int, body []byte) {
	e := a.idem[key]
	if e == nil {
		return
	}
	if status >= 400 && status != http.StatusPaymentRequired {
		delete(a.idem, key)
		return
	}
	e.done, e.status, e.body = true, status, body
}
