// Package dev runs the newcomer's main job: a throwaway Postgres kept in a local folder, the Stripe
// emulator, the sidecar, and a demo sync, so that `select count(*) from stripe.customer` grows.
package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers/all"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgcluster"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// Options configures the dev environment.
type Options struct {
	Dir            string
	PGPort         int
	Listen         string
	EmulatorListen string
	Seed           int
	Out            io.Writer
	Logger         *slog.Logger
}

// demoKey is the emulator key of the demo credential (the emulator accepts any well-formed key).
const demoKey = "sk_test_sequin_dev"

// Run starts everything, prints what to try, and blocks until ctx ends; the cluster's data is kept so
// the next run resumes where this one stopped.
func Run(ctx context.Context, o Options) error {
	start := time.Now()
	dir, err := dataDir(o.Dir)
	if err != nil {
		return err
	}
	key, err := loadOrCreateKey(filepath.Join(dir, "secret.key"))
	if err != nil {
		return err
	}
	cluster, err := pgcluster.Start(ctx, filepath.Join(dir, "pg"), o.PGPort)
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cluster.Stop(stopCtx); err != nil {
			o.Logger.Error("stopping Postgres", "error", err)
		}
	}()
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/sequin?sslmode=disable", cluster.Port)
	if err := ensureDatabase(ctx, cluster.URL, "sequin"); err != nil {
		return err
	}

	baseURL := ""
	if newEmu, ok := all.Emulators()["stripe"]; ok {
		emu := newEmu(all.EmulatorOptions{Seed: o.Seed})
		baseURL, err = emu.Start(o.EmulatorListen)
		if err != nil {
			return fmt.Errorf("starting the Stripe emulator: %w", err)
		}
		defer emu.Close()
	}

	reg, err := all.Registry()
	if err != nil {
		return err
	}
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: dbURL, Listen: o.Listen, SecretKey: key, Registry: reg, Logger: o.Logger,
		DefaultPollInterval: 2 * time.Second, ReconcileEvery: 10 * time.Second,
	})
	if err != nil {
		return err
	}
	if err := sc.Start(ctx); err != nil {
		return err
	}
	demo := "(the Stripe emulator is not built in)"
	if baseURL != "" {
		if demo, err = ensureDemoSync(ctx, dbURL, baseURL); err != nil {
			sc.Stop(context.Background())
			return err
		}
	}
	token, err := consoleToken(ctx, dbURL)
	if err != nil {
		sc.Stop(context.Background())
		return err
	}
	fmt.Fprintf(o.Out, `
sequin dev is up (%.1fs).

  Postgres:   %s
  psql:       psql '%s'
  sidecar:    http://%s   (/healthz, /metrics)
  console:    http://%s/console/   (API token: %s)
  emulator:   %s
  demo sync:  %s

Try:
  psql '%s' -c 'select count(*) from stripe.customer'
  psql '%s' -c 'select sync_name, collection_id, state, records, backfill_percent from sequin.sync_status'
  psql '%s' -c 'select seq, event, collection_id, upstream_id from sequin.events order by seq desc limit 5'
  go run ./cmd/sequin status --watch --database-url '%s'

Data is kept in %s; Ctrl-C stops everything.
`, time.Since(start).Seconds(), dbURL, dbURL, sc.Addr, sc.Addr, token, orNone(baseURL), demo, dbURL, dbURL, dbURL, dbURL, dir)
	return sc.Wait(ctx)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// dataDir returns an absolute data folder the cluster's owner can reach. As root the cluster belongs
// to the postgres user, who may not be able to enter the working directory; then a folder under the
// system's temp dir is used instead.
func dataDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", err
	}
	if os.Geteuid() != 0 || traversable(abs) {
		return abs, nil
	}
	alt := filepath.Join(os.TempDir(), "sequin-dev-"+strings.NewReplacer("/", "_").Replace(strings.Trim(abs, "/")))
	if err := os.MkdirAll(alt, 0o755); err != nil {
		return "", err
	}
	return alt, nil
}

// traversable reports whether every parent of dir is world-executable.
func traversable(dir string) bool {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == "/" {
			return true
		}
	}
}

func loadOrCreateKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	key := secret.GenerateKey()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", err
	}
	return key, nil
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// ensureDemoSync creates the demo credential and sync once; later runs point it at the emulator again.
// consoleToken makes a fresh API token for the console and the HTTP API, replacing the one an earlier
// run made (tokens are stored hashed, so an old one cannot be shown again).
func consoleToken(ctx context.Context, dbURL string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM sequin.api_tokens WHERE name = 'sequin dev'`); err != nil {
		return "", fmt.Errorf("replacing the dev API token: %w", err)
	}
	var token string
	if err := conn.QueryRow(ctx, `SELECT sequin.create_api_token('sequin dev')`).Scan(&token); err != nil {
		return "", fmt.Errorf("creating the dev API token: %w", err)
	}
	return token, nil
}

func ensureDemoSync(ctx context.Context, dbURL, baseURL string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var id string
	err = conn.QueryRow(ctx, `SELECT id::text FROM sequin.syncs WHERE name = 'stripe_demo'`).Scan(&id)
	if err == nil {
		_, err = conn.Exec(ctx, `UPDATE sequin.syncs SET options = options || jsonb_build_object('base_url', $1::text) WHERE id = $2`, baseURL, id)
		return "stripe_demo " + id, err
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	err = conn.QueryRow(ctx, `SELECT sequin.create_sync('stripe', 'stripe_demo',
			ARRAY['stripe:customer', 'stripe:product', 'stripe:price', 'stripe:subscription', 'stripe:invoice', 'stripe:charge'],
			sequin.create_credential('stripe', jsonb_build_object('secret', $1::text, 'test', true)),
			options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 2000))::text`, demoKey, baseURL).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("creating the demo sync: %w", err)
	}
	return "stripe_demo " + id, nil
}
