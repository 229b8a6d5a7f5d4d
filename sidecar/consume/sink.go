package consume

import (
	"context"
	"time"
)

// sink sends batches to one consumer's endpoint.
type sink interface {
	// deliver sends msgs and returns one result per message: nil when the endpoint has it.
	deliver(ctx context.Context, msgs []Message) []error
	// close releases connections.
	close()
}

// retryAfterError is a failure for which the endpoint said when to try again (429 or 503 with
// Retry-After).
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// fill returns n copies of err: the result of a batch that failed as a whole.
func fill(n int, err error) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}
