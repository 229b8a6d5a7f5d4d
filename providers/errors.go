package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ErrorKind classifies an upstream failure by what the caller should do about it.
type ErrorKind string

// The error kinds. Callers test for them with the Is* predicates rather than comparing kinds.
const (
	// ErrRetryable is a transient failure (5xx, network, timeout): try again with backoff.
	ErrRetryable ErrorKind = "retryable"
	// ErrRateLimited is a 429 or equivalent: wait RetryAfter, then try again.
	ErrRateLimited ErrorKind = "rate_limited"
	// ErrUnauthorized is a bad, expired or revoked credential or a missing scope: a person must act.
	ErrUnauthorized ErrorKind = "unauthorized"
	// ErrNotFound means the object does not exist (or no longer does).
	ErrNotFound ErrorKind = "not_found"
	// ErrInvalidRequest means the API rejected the request as such; retrying will not help.
	ErrInvalidRequest ErrorKind = "invalid_request"
	// ErrMalformed means the API answered with something we cannot read (truncated or unexpected JSON).
	ErrMalformed ErrorKind = "malformed"
)

// Error is an upstream failure, classified.
type Error struct {
	Kind ErrorKind
	// Status is the HTTP status, 0 for network errors.
	Status int
	// Code is the API's own error code, when it gives one.
	Code string
	// Message is the API's message (never containing credentials).
	Message string
	// RetryAfter is how long the API asked us to wait, for rate limits.
	RetryAfter time.Duration
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	switch {
	case e.Status != 0 && e.Code != "":
		return fmt.Sprintf("%s (HTTP %d, %s): %s", e.Kind, e.Status, e.Code, msg)
	case e.Status != 0:
		return fmt.Sprintf("%s (HTTP %d): %s", e.Kind, e.Status, msg)
	default:
		return fmt.Sprintf("%s: %s", e.Kind, msg)
	}
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func kindOf(err error) (ErrorKind, *Error) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, e
	}
	return "", nil
}

// IsRetryable reports whether trying again later may succeed: transient upstream failures, rate limits,
// and network errors or timeouts that were not caused by our own context ending.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if k, _ := kindOf(err); k != "" {
		return k == ErrRetryable || k == ErrRateLimited
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded)
}

// RetryAfter returns how long a rate-limited caller should wait.
func RetryAfter(err error) (time.Duration, bool) {
	k, e := kindOf(err)
	if k != ErrRateLimited {
		return 0, false
	}
	return e.RetryAfter, true
}

// IsRateLimited reports whether err is a rate limit.
func IsRateLimited(err error) bool { k, _ := kindOf(err); return k == ErrRateLimited }

// IsUnauthorized reports whether err needs a person to fix the credential.
func IsUnauthorized(err error) bool { k, _ := kindOf(err); return k == ErrUnauthorized }

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { k, _ := kindOf(err); return k == ErrNotFound }

// IsInvalidRequest reports whether the API rejected the request itself.
func IsInvalidRequest(err error) bool { k, _ := kindOf(err); return k == ErrInvalidRequest }

// IsMalformed reports whether the API's answer could not be read.
func IsMalformed(err error) bool { k, _ := kindOf(err); return k == ErrMalformed }

// Malformed wraps a decoding failure of an upstream answer.
func Malformed(err error, format string, args ...any) *Error {
	return &Error{Kind: ErrMalformed, Message: fmt.Sprintf(format, args...), Err: err}
}

// ClassifyStatus gives the default classification of an HTTP status, for providers whose API uses
// statuses the ordinary way. code and message come from the provider's error body.
func ClassifyStatus(status int, header http.Header, code, message string) *Error {
	e := &Error{Status: status, Code: code, Message: message}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
		e.RetryAfter = ParseRetryAfter(header.Get("Retry-After"), time.Now())
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = ErrUnauthorized
	case status == http.StatusNotFound || status == http.StatusGone:
		e.Kind = ErrNotFound
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		e.Kind = ErrRetryable
	default:
		e.Kind = ErrInvalidRequest
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// ParseRetryAfter reads a Retry-After header in seconds or HTTP-date form; 0 when absent or invalid.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
