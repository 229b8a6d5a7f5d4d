package sidecar

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/sidecar/extract"
	"github.com/sequinsync/sequin/sidecar/ratelimit"
)

// newLimiters returns the per-credential rate limiters, shared with every sidecar on the database.
func newLimiters(pool *pgxpool.Pool, logger *slog.Logger) extract.LimiterSource {
	return ratelimit.NewStore(pool, logger.With("component", "ratelimit"))
}
