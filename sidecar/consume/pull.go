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
	"strings"

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
//	POST .../next {"batch_size": 10}          -> {"data": [{"ack_token": "...", "record": {event}}]}
//	POST .../ack  {"ack_tokens": ["..."]}     -> {"acked": 1}
//	POST .../nack {"ack_tokens": ["..."]}     -> {"nacked": 1}
type PullAPI struct {
	// Pool runs the SQL functions.
	Pool *pgxpool.Pool
	// Logger receives unexpected failures (default slog.Default()).
	Logger *slog.Logger
}

type nextRequest struct {
	BatchSize *int `json:"batch_size"`
}

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
	id, err := p.consumer(ctx, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
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
		msgs, err := p.next(ctx, id, size)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(nextBody(msgs))
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
		var n int
		if err := p.Pool.QueryRow(ctx, `SELECT sequin.`+action+`($1, $2)`, id, req.AckTokens).Scan(&n); err != nil {
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
		b = append(b, `{"ack_token":`...)
		token, _ := json.Marshal(m.AckToken)
		b = append(b, token...)
		b = append(b, `,"record":`...)
		b = append(b, m.Record...)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

// consumer resolves {id} (an id or a name) to the id of an http_pull consumer.
func (p *PullAPI) consumer(ctx context.Context, ref string) (string, error) {
	var id, kind string
	err := p.Pool.QueryRow(ctx, `SELECT id::text, kind FROM sequin.consumers WHERE id::text = $1 OR name = $1
		ORDER BY id::text = $1 DESC LIMIT 1`, ref).Scan(&id, &kind)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && kind != "http_pull") {
		return "", &httpapi.Error{Status: http.StatusNotFound, Code: httpapi.CodeNotFound, Message: fmt.Sprintf("no HTTP consumer %s", ref),
			Hint: "GET /v1/http-consumers lists them"}
	}
	if err != nil {
		return "", fmt.Errorf("looking up consumer %s: %w", ref, err)
	}
	return id, nil
}

func (p *PullAPI) next(ctx context.Context, id string, size int) ([]pulledMessage, error) {
	rows, err := p.Pool.Query(ctx, `SELECT ack_token, message::text FROM sequin._next($1, $2)`, id, size)
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
			Hint: "accepted fields: batch_size (next), ack_tokens (ack, nack)"}
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
