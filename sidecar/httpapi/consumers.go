package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/sqlapi"
)

// createConsumerRequest is the body of POST /v1/http-consumers; the arguments of
// sequin.create_consumer for kind http_pull.
type createConsumerRequest struct {
	Name          *string         `json:"name" doc:"unique name of the consumer"`
	Config        json.RawMessage `json:"config" doc:"kind-specific settings (default {})"`
	SyncIDs       []string        `json:"sync_ids" format:"uuid" doc:"only events of these syncs (default: all)"`
	CollectionIDs []string        `json:"collection_ids" doc:"only events of these collections (default: all)"`
	StartAt       *string         `json:"start_at" doc:"\"all\" (default) to start from the oldest retained event, \"new\" for new events only"`
	AckWaitMS     *int32          `json:"ack_wait_ms" doc:"how long a delivered message waits for its ack before redelivery (default 60000)"`
	MaxDeliver    *int32          `json:"max_deliver" doc:"deliveries before a message is given up, -1 for no limit (default)"`
}

// createConsumerSignature is the function POST /v1/http-consumers calls.
const createConsumerSignature = "sequin.create_consumer(text,text,jsonb,uuid[],text[],text,integer,integer)"

// consumerJSON is the API shape of a consumer: its row of sequin.consumers.
const consumerJSON = `jsonb_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'config', c.config, 'sync_ids', c.sync_ids,
    'collection_ids', c.collection_ids, 'start_at', c.start_at, 'ack_wait_ms', c.ack_wait_ms,
    'max_deliver', c.max_deliver, 'status', c.status, 'health', c.health, 'health_message', c.health_message,
    'inserted_at', c.inserted_at, 'updated_at', c.updated_at)`

func (s *Server) listConsumers(w http.ResponseWriter, r *http.Request) {
	p, err := readKeysetPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := listKeyset(r.Context(), s.Pool, `SELECT c.inserted_at, c.id::text, `+consumerJSON+`
		FROM sequin.consumers c
		WHERE c.kind = 'http_pull' AND ($1::timestamptz IS NULL OR (c.inserted_at, c.id) > ($1::timestamptz, $2::uuid))
		ORDER BY c.inserted_at, c.id LIMIT $3`, p)
	if err != nil {
		s.fail(w, r, fmt.Errorf("consumers: %w", err))
		return
	}
	WriteJSON(w, http.StatusOK, l)
}

func (s *Server) createConsumer(w http.ResponseWriter, r *http.Request) {
	var req createConsumerRequest
	if err := s.decodeBody(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := requireUUIDs("sync_ids", req.SyncIDs...); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	var id string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var installed bool
		if err := tx.QueryRow(ctx, `SELECT to_regprocedure($1) IS NOT NULL`, createConsumerSignature).Scan(&installed); err != nil {
			return err
		}
		if !installed {
			return &Error{Status: http.StatusNotImplemented, Code: CodeNotImplemented,
				Message: createConsumerSignature + " is not installed in this database",
				Hint:    "upgrade the sidecar; it installs the SQL functions at start"}
		}
		// The defaults are those of sequin.create_consumer, given explicitly to call it by position.
		return tx.QueryRow(ctx, `SELECT sequin.create_consumer($1, 'http_pull', coalesce($2::jsonb, '{}'), $3::uuid[], $4::text[],
				coalesce($5::text, 'all'), coalesce($6::integer, 60000), coalesce($7::integer, -1))::text`,
			req.Name, jsonArg(req.Config), req.SyncIDs, req.CollectionIDs, req.StartAt, req.AckWaitMS, req.MaxDeliver).Scan(&id)
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("creating consumer: %w", err))
		return
	}
	body, err := consumerByID(ctx, s.Pool, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	WriteJSON(w, http.StatusCreated, body)
}

func (s *Server) getConsumer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "consumer")
	if err == nil {
		var body json.RawMessage
		if body, err = consumerByID(r.Context(), s.Pool, id); err == nil {
			WriteJSON(w, http.StatusOK, body)
			return
		}
	}
	s.fail(w, r, err)
}

func consumerByID(ctx context.Context, q sqlapi.Querier, id string) (json.RawMessage, error) {
	var body json.RawMessage
	err := q.QueryRow(ctx, `SELECT `+consumerJSON+` FROM sequin.consumers c WHERE c.id = $1 AND c.kind = 'http_pull'`, id).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(fmt.Sprintf("no HTTP consumer %s", id))
	}
	if err != nil {
		return nil, fmt.Errorf("reading consumer %s: %w", id, err)
	}
	return body, nil
}
