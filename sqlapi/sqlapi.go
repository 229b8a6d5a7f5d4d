// Package sqlapi is the Go side of the SQL surface: typed access to sequin.* rows (credentials, syncs,
// collections, catalogue) and the rules shared by the SQL functions and the HTTP API.
package sqlapi

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what sqlapi needs of a connection: a pool, a connection or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Health is the health of a credential, sync or consumer.
type Health string

// The health states.
const (
	Healthy              Health = "healthy"
	CustomerIntervention Health = "customer_intervention"
	SequinIntervention   Health = "sequin_intervention"
)

// ControlChannel is the NOTIFY channel the SQL functions signal the sidecar on.
const ControlChannel = "sequin_control"
