package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Limits of POST /v1/mutations/run.
const (
	DefaultMutationTimeout = 10 * time.Second
	MaxMutationTimeout     = 60 * time.Second
	MaxMutationsPerRun     = 1000
)

// runMutationsRequest is the body of POST /v1/mutations/run: one mutation per data item (or per
// upstream id, for deletes without data), all of one kind on one collection.
type runMutationsRequest struct {
	Kind         *string           `json:"kind" doc:"create, update or delete"`
	SyncID       *string           `json:"sync_id" format:"uuid" doc:"the sync whose collection to write to"`
	CollectionID *string           `json:"collection_id" doc:"the collection (\"stripe:customer\" or the bare \"customer\")"`
	Data         []json.RawMessage `json:"data" doc:"one object per mutation, keyed by column or API field name; for update and delete an item may carry its \"upstream_id\""`
	UpstreamIDs  []string          `json:"upstream_ids" doc:"upstream ids of the objects to update or delete, one per mutation, instead of upstream_id in each item"`
	TimeoutMS    *int64            `json:"timeout_ms" doc:"how long to wait for the outcome, 0 to 60000 (default 10000)"`
}

// mutationOutcomeJSON is the API shape of a mutation's outcome in a run.
const mutationOutcomeJSON = `jsonb_build_object(
    'id', m.id, 'status', m.status, 'upstream_id', m.upstream_id, 'result', m.result,
    'error', m.error, 'error_code', m.error_code)`

// mutationJSON is the API shape of a mutation: its row of sequin.mutations.
const mutationJSON = `jsonb_build_object(
    'id', m.id, 'sync_id', m.sync_id, 'collection_id', m.collection_id, 'kind', m.kind, 'upstream_id', m.upstream_id,
    'data', m.data, 'status', m.status, 'result', m.result, 'error', m.error, 'error_code', m.error_code,
    'attempts', m.attempts, 'inserted_at', m.inserted_at, 'updated_at', m.updated_at, 'completed_at', m.completed_at)`

// runMutations inserts the mutations in one transaction (each through sequin.mutate, whose trigger
// validates it and enqueues its job), commits, and waits for the sidecar to apply them: 200 when all
// finished, 202 with the ones still pending when the timeout passes.
func (s *Server) runMutations(w http.ResponseWriter, r *http.Request) {
	var req runMutationsRequest
	if err := s.decodeBody(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	items, timeout, err := req.items()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	ids := make([]string, len(items))
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for i, it := range items {
			if err := tx.QueryRow(ctx, `SELECT sequin.mutate($1::uuid, $2, $3, $4::jsonb, $5)::text`,
				req.SyncID, req.CollectionID, req.Kind, it.data, it.upstreamID).Scan(&ids[i]); err != nil {
				var pgErr *pgconn.PgError
				if len(items) > 1 && errors.As(err, &pgErr) && pgErr.Code == "22023" {
					e := invalidArgument(pgErr.Message, pgErr.Hint)
					e.Item = &i
					return e
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("inserting mutations: %w", err))
		return
	}
	outcomes, done, err := s.awaitMutations(ctx, ids, timeout)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if !done {
		status = http.StatusAccepted
	}
	WriteJSON(w, status, map[string]any{"data": outcomes})
}

type mutationItem struct {
	data       any
	upstreamID *string
}

// items splits the request into one mutation per item, taking each item's upstream_id out of its data.
func (req *runMutationsRequest) items() ([]mutationItem, time.Duration, error) {
	timeout := DefaultMutationTimeout
	if req.TimeoutMS != nil {
		if *req.TimeoutMS < 0 || *req.TimeoutMS > MaxMutationTimeout.Milliseconds() {
			e := invalidArgument(fmt.Sprintf(`argument "timeout_ms": must be from 0 to %d`, MaxMutationTimeout.Milliseconds()), "")
			e.Field = "timeout_ms"
			return nil, 0, e
		}
		timeout = time.Duration(*req.TimeoutMS) * time.Millisecond
	}
	if req.SyncID != nil {
		if err := requireUUIDs("sync_id", *req.SyncID); err != nil {
			return nil, 0, err
		}
	}
	n := max(len(req.Data), len(req.UpstreamIDs))
	switch {
	case n == 0:
		e := invalidArgument(`argument "data": must hold at least one item`, `for deletes, "upstream_ids": ["..."] is enough`)
		e.Field = "data"
		return nil, 0, e
	case n > MaxMutationsPerRun:
		e := invalidArgument(fmt.Sprintf(`argument "data": at most %d mutations per run, got %d`, MaxMutationsPerRun, n), "split them into several requests")
		e.Field = "data"
		return nil, 0, e
	case len(req.Data) > 0 && len(req.UpstreamIDs) > 0 && len(req.Data) != len(req.UpstreamIDs):
		e := invalidArgument(fmt.Sprintf(`argument "upstream_ids": has %d items but "data" has %d; give one per mutation`, len(req.UpstreamIDs), len(req.Data)), "")
		e.Field = "upstream_ids"
		return nil, 0, e
	}
	out := make([]mutationItem, n)
	for i := range out {
		if i < len(req.UpstreamIDs) {
			out[i].upstreamID = &req.UpstreamIDs[i]
		}
		if i >= len(req.Data) {
			continue
		}
		raw := bytes.TrimSpace(req.Data[i])
		if len(raw) == 0 || raw[0] != '{' {
			out[i].data = jsonArg(raw) // not an object: the trigger refuses it with its own words
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, 0, newError(http.StatusBadRequest, CodeInvalidJSON, fmt.Sprintf("data[%d]: %v", i, err))
		}
		if u, ok := obj["upstream_id"]; ok {
			var id string
			if err := json.Unmarshal(u, &id); err != nil {
				field := fmt.Sprintf("data[%d].upstream_id", i)
				e := newError(http.StatusBadRequest, CodeInvalidType, fmt.Sprintf("field %q must be a string, got %s", field, u))
				e.Field = field
				return nil, 0, e
			}
			if out[i].upstreamID != nil && *out[i].upstreamID != id {
				e := invalidArgument(fmt.Sprintf(`argument "data": item %d has upstream_id %q but upstream_ids[%d] is %q`, i, id, i, *out[i].upstreamID), "")
				e.Item = &i
				return nil, 0, e
			}
			out[i].upstreamID = &id
			delete(obj, "upstream_id")
			raw, _ = json.Marshal(obj)
		}
		out[i].data = string(raw)
	}
	return out, timeout, nil
}

// awaitMutations polls the mutations until all have finished or timeout passes, and returns their
// outcomes in the order of ids.
func (s *Server) awaitMutations(ctx context.Context, ids []string, timeout time.Duration) ([]json.RawMessage, bool, error) {
	deadline := time.Now().Add(timeout)
	wait := 10 * time.Millisecond
	for {
		outcomes := make([]json.RawMessage, 0, len(ids))
		rows, err := s.Pool.Query(ctx, `SELECT m.status IN ('succeeded', 'failed'), `+mutationOutcomeJSON+`
			FROM sequin.mutations m WHERE m.id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], m.id)`, ids)
		if err != nil {
			return nil, false, fmt.Errorf("reading mutations: %w", err)
		}
		done := true
		for rows.Next() {
			var finished bool
			var body json.RawMessage
			if err := rows.Scan(&finished, &body); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("reading mutations: %w", err)
			}
			done = done && finished
			outcomes = append(outcomes, body)
		}
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("reading mutations: %w", err)
		}
		left := time.Until(deadline)
		if done || left <= 0 {
			return outcomes, done, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, fmt.Errorf("waiting for mutations: %w", ctx.Err())
		case <-time.After(min(wait, left)):
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

func (s *Server) getMutation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "mutation")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body json.RawMessage
	err = s.Pool.QueryRow(r.Context(), `SELECT `+mutationJSON+` FROM sequin.mutations m WHERE m.id = $1`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		s.fail(w, r, notFound(fmt.Sprintf("no mutation %s", id)))
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("reading mutation %s: %w", id, err))
		return
	}
	WriteJSON(w, http.StatusOK, body)
}
