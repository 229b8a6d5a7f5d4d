package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

// maxConsumers bounds the consumers list; a database holds a handful, not thousands.
const maxConsumers = 1000

// consumerList is the body of GET /console/api/consumers.
type consumerList struct {
	// Data holds every consumer, of every kind.
	Data []json.RawMessage `json:"data"`
	// Counters says whether num_pending, num_ack_pending and num_dead are known; they are null in a
	// database whose definitions predate streaming out.
	Counters bool `json:"counters"`
}

// listConsumers lists every consumer (the API lists HTTP pull consumers only, without counters) with
// its messages waiting, out for delivery and dead-lettered.
func (c *Console) listConsumers(w http.ResponseWriter, r *http.Request) {
	if perr := checkParams(r); perr != nil {
		perr.write(w)
		return
	}
	ctx := r.Context()
	counters, err := c.hasConsumerStatus(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	sql := consumersWithoutCountersSQL
	if counters {
		sql = consumersSQL
	}
	data, err := collectJSON(ctx, c, sql, maxConsumers)
	if err != nil {
		c.fail(w, r, fmt.Errorf("listing consumers: %w", err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, consumerList{Data: data, Counters: counters})
}

// listDeadLetters lists the dead-lettered messages of one consumer, oldest first (?limit=, default 50).
func (c *Console) listDeadLetters(w http.ResponseWriter, r *http.Request) {
	if perr := checkParams(r, "limit"); perr != nil {
		perr.write(w)
		return
	}
	id := r.PathValue("id")
	if !uuidPattern.MatchString(id) {
		httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound, fmt.Sprintf("no consumer %q", id), "")
		return
	}
	limit, perr := limitParam(r, 50, 500)
	if perr != nil {
		perr.write(w)
		return
	}
	ctx := r.Context()
	var exists bool
	if err := c.Pool.QueryRow(ctx, consumerExistsSQL, id).Scan(&exists); err != nil {
		c.fail(w, r, fmt.Errorf("reading consumer %s: %w", id, err))
		return
	}
	if !exists {
		httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound, fmt.Sprintf("no consumer %s", id), "")
		return
	}
	counters, err := c.hasConsumerStatus(ctx)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if !counters {
		httpapi.WriteJSON(w, http.StatusOK, httpapi.List{Data: []json.RawMessage{}})
		return
	}
	data, err := collectJSON(ctx, c, deadLettersSQL, id, limit)
	if err != nil {
		c.fail(w, r, fmt.Errorf("listing dead letters: %w", err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, httpapi.List{Data: data})
}

func (c *Console) hasConsumerStatus(ctx context.Context) (bool, error) {
	var ok bool
	if err := c.Pool.QueryRow(ctx, consumerStatusExistsSQL).Scan(&ok); err != nil {
		return false, fmt.Errorf("looking for sequin.consumer_status: %w", err)
	}
	return ok, nil
}

// collectJSON runs a query whose rows are one JSON document each.
func collectJSON(ctx context.Context, c *Console, sql string, args ...any) ([]json.RawMessage, error) {
	rows, err := c.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	data, err := pgx.CollectRows(rows, pgx.RowTo[json.RawMessage])
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = []json.RawMessage{}
	}
	return data, nil
}
