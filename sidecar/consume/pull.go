package consume

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// PullRoutes are the routes PullAPI serves; mount each behind the API token check.
var PullRoutes = []string{
	"POST /v1/http-consumers/{id}/next",
	"POST /v1/http-consumers/{id}/ack",
	"POST /v1/http-consumers/{id}/nack",
}

// maxPullBody bounds request bodies: ack tokens are small, ten thousand of them fit.
const maxPullBody = 1 << 20

// PullAPI serves the HTTP pull API of http_pull consumers, a mirror of sequin.next, sequin.ack and
// sequin.nack. {id} is the consumer's id or name.
//
//	POST .../next {"batch_size": 10, "wait_ms": 0} -> {"data": [{"ack_token": "...", "record": {event}}]}
//	POST .../ack  {"ack_tokens": ["..."]}     -> {"acked": 1}
//	POST .../nack {"ack_tokens": ["..."]}     -> {"nacked": 1}
type PullAPI struct {
	// Pool runs the SQL functions.
	Pool *pgxpool.Pool
	// Logger receives unexpected failures (default slog.Default()).
	Logger *slog.Logger
	// Direct, when set, is the Service the stream reader delivers through: while pullers call this
	// API, the stream offers it their consumer's messages, and next, ack and nack serve those from
	// memory (see Service.Deliver); what they do not take goes to the outbox as before.
	Direct *Service
	// Poll is how often a next call waiting for messages (wait_ms) looks at the outbox when nothing
	// tells it of new ones (default 1s; with Direct, offered batches and the stream's notifications
	// end a wait at once).
	Poll time.Duration
}

// pullConsumerRef is the consumer a request names.
type pullConsumerRef struct {
	id         string
	paused     bool
	ackWait    time.Duration
	maxDeliver int
}

type nextRequest struct {
	BatchSize *int `json:"batch_size"`
	// WaitMS is how long next waits for messages when there are none (long polling).
	WaitMS *int `json:"wait_ms"`
}

// maxWaitMS bounds wait_ms.
const maxWaitMS = 30_000

// DefaultPullPoll is how often a waiting next looks at the outbox when nothing tells it of messages.
const DefaultPullPoll = time.Second

type tokensRequest struct {
	AckTokens []string `json:"ack_tokens"`
}

// pulledMessage is one element of next's answer.
type pulledMessage struct {
	AckToken string          `json:"ack_token"`
	Record   json.RawMessage `json:"record"`
}

// ServeHTTP dispatches on the last segment of the path: next, ack or nack.
func (p *PullAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	ctx := r.Context()
	c, err := p.consumer(ctx, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	id := c.id
	switch action {
	case "next":
		var req nextRequest
		if err := decode(w, r, &req); err != nil {
			p.fail(w, r, err)
			return
		}
		size := 10
		if req.BatchSize != nil {
			size = *req.BatchSize
		}
		var wait time.Duration
		if req.WaitMS != nil {
			if *req.WaitMS < 0 || *req.WaitMS > maxWaitMS {
				p.fail(w, r, &httpapi.Error{Status: http.StatusUnprocessableEntity, Code: httpapi.CodeInvalidArgument, Field: "wait_ms",
					Message: fmt.Sprintf("wait_ms must be from 0 to %d", maxWaitMS), Hint: "how long to wait for messages when there are none, in milliseconds"})
				return
			}
			wait = time.Duration(*req.WaitMS) * time.Millisecond
		}
		msgs, err := p.nextWaiting(ctx, c, size, wait)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		body := nextBody(msgs)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	case "ack", "nack":
		var req tokensRequest
		if err := decode(w, r, &req); err != nil {
			p.fail(w, r, err)
			return
		}
		if req.AckTokens == nil {
			p.fail(w, r, &httpapi.Error{Status: http.StatusBadRequest, Code: httpapi.CodeInvalidType, Field: "ack_tokens",
				Message: `field "ack_tokens" is required`, Hint: "the ack_token values /next returned"})
			return
		}
		n, err := p.settle(ctx, id, req.AckTokens, action == "nack")
		if err != nil {
			p.fail(w, r, err)
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]int{action + "ed": n})
	default:
		p.fail(w, r, &httpapi.Error{Status: http.StatusNotFound, Code: httpapi.CodeNotFound, Message: "no such consumer action " + action})
	}
}

// nextBody is next's answer, {"data": [{"ack_token": ..., "record": ...}]}, written as it is: the
// documents come from Postgres's json builder, and re-encoding them would only validate them again.
func nextBody(msgs []pulledMessage) []byte {
	size := 16
	for _, m := range msgs {
		size += len(m.AckToken) + len(m.Record) + 32
	}
	b := make([]byte, 0, size)
	b = append(b, `{"data":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		// Ack tokens are digits, a dot and a uuid: nothing to escape.
		b = append(b, `{"ack_token":"`...)
		b = append(b, m.AckToken...)
		b = append(b, `","record":`...)
		b = append(b, m.Record...)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// consumer resolves {id} (an id or a name) to an http_pull consumer.
func (p *PullAPI) consumer(ctx context.Context, ref string) (pullConsumerRef, error) {
	var c pullConsumerRef
	var kind string
	var ackWaitMS int64
	err := p.Pool.QueryRow(ctx, `SELECT id::text, kind, status = 'paused', ack_wait_ms, max_deliver FROM sequin.consumers
		WHERE id::text = $1 OR name = $1 ORDER BY id::text = $1 DESC LIMIT 1`, ref).Scan(&c.id, &kind, &c.paused, &ackWaitMS, &c.maxDeliver)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && kind != "http_pull") {
		return c, &httpapi.Error{Status: http.StatusNotFound, Code: httpapi.CodeNotFound, Message: fmt.Sprintf("no HTTP consumer %s", ref),
			Hint: "GET /v1/http-consumers lists them"}
	}
	if err != nil {
		return c, fmt.Errorf("looking up consumer %s: %w", ref, err)
	}
	c.ackWait = time.Duration(ackWaitMS) * time.Millisecond
	return c, nil
}

// nextWaiting hands out up to size messages, waiting up to wait for some when there are none: a
// batch the stream offers, or messages added to the outbox, end the wait at once (with Direct); the
// outbox is also looked at every Poll.
func (p *PullAPI) nextWaiting(ctx context.Context, c pullConsumerRef, size int, wait time.Duration) ([]pulledMessage, error) {
	deadline := time.Now().Add(wait)
	for {
		var wake <-chan struct{}
		done := func() {}
		if p.Direct != nil && wait > 0 {
			// Registered before looking, so that a batch offered in between is not missed.
			wake, done = p.Direct.pulls.await(c.id)
		}
		msgs, err := p.next(ctx, c, size)
		left := time.Until(deadline)
		if err != nil || len(msgs) > 0 || left <= 0 {
			done()
			return msgs, err
		}
		poll := p.Poll
		if poll <= 0 {
			poll = DefaultPullPoll
		}
		t := time.NewTimer(min(left, poll))
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		done()
		if ctx.Err() != nil {
			return msgs, nil
		}
	}
}

// next hands out up to size messages: those the stream offers this process for the consumer, or
// else those in its outbox.
func (p *PullAPI) next(ctx context.Context, c pullConsumerRef, size int) ([]pulledMessage, error) {
	if p.Direct != nil && !c.paused && size >= 1 && size <= maxBatchSize {
		p.Direct.pulls.seen(c.id, c.ackWait, c.maxDeliver)
		if msgs, ok := p.Direct.pulls.take(c.id, size); ok {
			return msgs, nil
		}
	}
	rows, err := p.Pool.Query(ctx, `SELECT ack_token, message::text FROM sequin._next($1, $2)`, c.id, size)
	if err != nil {
		return nil, err
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pulledMessage, error) {
		var m pulledMessage
		var body string
		err := r.Scan(&m.AckToken, &body)
		m.Record = json.RawMessage(body)
		return m, err
	})
	if err != nil {
		return nil, err
	}
	if msgs == nil {
		msgs = []pulledMessage{}
	}
	return msgs, nil
}

// maxBatchSize is the largest batch_size sequin.next takes.
const maxBatchSize = 10000

// settle acks (or nacks) tokens: those of messages handed out from memory there, the others (and
// any malformed one, which sequin.ack refuses with the words of the SQL API) in the outbox, once
// the outbox rows of a batch closed meanwhile are committed.
func (p *PullAPI) settle(ctx context.Context, id string, tokens []string, nack bool) (int, error) {
	n := 0
	rest := tokens
	if p.Direct != nil && wellFormedTokens(tokens) {
		var wait <-chan struct{}
		n, rest, wait = p.Direct.pulls.settle(id, tokens, nack)
		if wait != nil {
			t := time.NewTimer(pullSettleWait)
			select {
			case <-wait:
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return 0, ctx.Err()
			}
			t.Stop()
		}
		if len(rest) == 0 {
			return n, nil
		}
	}
	fn := "ack"
	if nack {
		fn = "nack"
	}
	var m int
	if err := p.Pool.QueryRow(ctx, `SELECT sequin.`+fn+`($1, $2)`, id, rest).Scan(&m); err != nil {
		return 0, err
	}
	return n + m, nil
}

// wellFormedTokens reports whether every token has the shape of an ack token, "<seq>.<uuid>" in
// lower case (sequin._split_ack_tokens refuses anything else).
func wellFormedTokens(tokens []string) bool {
	for _, t := range tokens {
		dot := strings.IndexByte(t, '.')
		if dot < 1 || dot > 19 || len(t)-dot-1 != 36 {
			return false
		}
		for i := 0; i < dot; i++ {
			if t[i] < '0' || t[i] > '9' {
				return false
			}
		}
		for i, ch := range t[dot+1:] {
			switch i {
			case 8, 13, 18, 23:
				if ch != '-' {
					return false
				}
			default:
				if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f') {
					return false
				}
			}
		}
	}
	return true
}

// fail answers in the management API's error shape: API errors as they are, the SQL functions'
// argument errors as 422 with their words, anything else as a logged 500.
func (p *PullAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *httpapi.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &apiErr):
	case errors.As(err, &pgErr) && pgErr.Code == "22023":
		apiErr = &httpapi.Error{Status: http.StatusUnprocessableEntity, Code: httpapi.CodeInvalidArgument, Message: pgErr.Message, Hint: pgErr.Hint}
	case r.Context().Err() != nil:
		apiErr = &httpapi.Error{Status: http.StatusServiceUnavailable, Code: httpapi.CodeUnavailable, Message: "the request was canceled"}
	default:
		logger := p.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.ErrorContext(r.Context(), "http pull request failed", "path", r.URL.Path, "error", err)
		apiErr = &httpapi.Error{Status: http.StatusInternalServerError, Code: httpapi.CodeInternal, Message: "internal error; the sidecar's log has the details"}
	}
	httpapi.WriteJSON(w, apiErr.Status, map[string]*httpapi.Error{"error": apiErr})
}

// decode reads a JSON object body into dst, refusing unknown fields; an empty body leaves dst as it is.
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPullBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err == nil {
		if _, err = dec.Token(); errors.Is(err, io.EOF) {
			return nil
		}
		err = errors.New("the body must hold exactly one JSON object")
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &httpapi.Error{Status: http.StatusRequestEntityTooLarge, Code: httpapi.CodeBodyTooLarge,
			Message: fmt.Sprintf("the request body exceeds %d bytes", maxPullBody)}
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return &httpapi.Error{Status: http.StatusBadRequest, Code: httpapi.CodeInvalidType, Field: typeErr.Field,
			Message: fmt.Sprintf("field %q must be %s, got %s", typeErr.Field, jsonType(typeErr.Type.Kind()), typeErr.Value)}
	}
	if strings.Contains(err.Error(), "unknown field") {
		return &httpapi.Error{Status: http.StatusBadRequest, Code: httpapi.CodeUnknownField, Message: strings.TrimPrefix(err.Error(), "json: "),
			Hint: "accepted fields: batch_size and wait_ms (next), ack_tokens (ack, nack)"}
	}
	return &httpapi.Error{Status: http.StatusBadRequest, Code: httpapi.CodeInvalidJSON, Message: "malformed JSON: " + err.Error()}
}

func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return "an integer"
	case reflect.Slice:
		return "an array of strings"
	case reflect.String:
		return "a string"
	}
	return k.String()
}
