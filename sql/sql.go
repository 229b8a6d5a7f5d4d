// Package sql holds the definitions of sequin's SQL functions and views (CREATE OR REPLACE), embedded
// and applied at every start after the migrations. Files are applied in name order.
package sql

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed *.sql
var files embed.FS

// lockKey serialises concurrent applications of the definitions.
const lockKey = int64(0x5e9_0002)

// Definitions returns the SQL files in application order.
func Definitions() ([]string, []string, error) {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	bodies := make([]string, len(names))
	for i, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		bodies[i] = string(b)
	}
	return names, bodies, nil
}

// Hash identifies the current definitions; Apply skips work when the database already has them.
func Hash() (string, error) {
	names, bodies, err := Definitions()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for i := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", names[i], bodies[i])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Apply installs the function and view definitions in one transaction, unless the database already
// holds exactly these definitions. It returns whether anything was applied.
func Apply(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	names, bodies, err := Definitions()
	if err != nil {
		return false, err
	}
	hash, err := Hash()
	if err != nil {
		return false, err
	}
	applied := false
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
			return fmt.Errorf("taking definitions lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS sequin.sql_definitions (
			id boolean PRIMARY KEY DEFAULT true CHECK (id), hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("creating definitions table: %w", err)
		}
		var current string
		err := tx.QueryRow(ctx, `SELECT hash FROM sequin.sql_definitions`).Scan(&current)
		if err != nil && err != pgx.ErrNoRows {
			return fmt.Errorf("reading definitions hash: %w", err)
		}
		if current == hash {
			return nil
		}
		for i, body := range bodies {
			if _, err := tx.Exec(ctx, body); err != nil {
				return fmt.Errorf("applying sql/%s: %w", names[i], err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sequin.sql_definitions (hash) VALUES ($1)
			ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, applied_at = now()`, hash); err != nil {
			return fmt.Errorf("recording definitions hash: %w", err)
		}
		applied = true
		return nil
	})
	return applied, err
}
