// Package pgtest gives tests a real PostgreSQL: one throwaway cluster per test process (or the server
// named by TEST_DATABASE_URL) and a fresh database per test, migrated from a template, dropped on cleanup.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/migrations"
	sequinsql "github.com/sequinsync/sequin/sql"
	"github.com/sequinsync/sequin/sqlapi/pgcluster"
)

var (
	mu       sync.Mutex
	cluster  *pgcluster.Cluster
	adminURL string
	template string
	startErr error
	dbSeq    atomic.Int64
)

// Main runs a package's tests and stops the throwaway cluster afterwards. Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// Shutdown stops and removes the cluster if this process started one.
func Shutdown() {
	mu.Lock()
	defer mu.Unlock()
	if cluster == nil && template != "" && adminURL != "" {
		// A shared server outlives this process: drop what this process left there.
		dropDatabase(adminURL, template)
	}
	if cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cluster.Stop(ctx)
		_ = os.RemoveAll(cluster.Dir)
		cluster = nil
	}
}

// ServerURL returns a superuser URL of the shared test server, starting the cluster on first use.
func ServerURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if adminURL == "" && startErr == nil {
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			adminURL = u
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			dir, err := os.MkdirTemp("", "sequin-pgtest-")
			if err == nil {
				cluster, err = pgcluster.Start(ctx, dir, 0)
			}
			if err != nil {
				startErr = fmt.Errorf("starting throwaway PostgreSQL: %w", err)
			} else {
				adminURL = cluster.URL
			}
		}
	}
	if startErr != nil {
		t.Fatal(startErr)
	}
	return adminURL
}

// DB is a fresh database for one test.
type DB struct {
	Name string
	// URL connects to the database as a superuser.
	URL  string
	Pool *pgxpool.Pool
}

// NewDB returns a database with sequin's migrations and SQL definitions applied, cloned from a template
// built once per process. It is dropped when the test ends.
func NewDB(t testing.TB) *DB {
	t.Helper()
	tpl := ensureTemplate(t)
	return newDB(t, tpl)
}

// NewEmptyDB returns an empty database, dropped when the test ends.
func NewEmptyDB(t testing.TB) *DB {
	t.Helper()
	return newDB(t, "template0")
}

func newDB(t testing.TB, tpl string) *DB {
	t.Helper()
	admin := ServerURL(t)
	ctx := context.Background()
	name := fmt.Sprintf("sequin_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connecting to test server: %v", err)
	}
	defer conn.Close(ctx)
	mu.Lock() // one clone of the template at a time: concurrent copies of one template can fail
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, pgx.Identifier{name}.Sanitize(), pgx.Identifier{tpl}.Sanitize()))
	mu.Unlock()
	if err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	dbURL := WithDatabase(admin, name)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		dropDatabase(admin, name)
	})
	return &DB{Name: name, URL: dbURL, Pool: pool}
}

func dropDatabase(admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	// Slots pin WAL and block the drop: remove the ones this database made.
	_, _ = conn.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`, name)
	_, _ = conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, pgx.Identifier{name}.Sanitize()))
}

func ensureTemplate(t testing.TB) string {
	t.Helper()
	admin := ServerURL(t)
	mu.Lock()
	defer mu.Unlock()
	if template != "" {
		return template
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name := fmt.Sprintf("sequin_template_%d", os.Getpid())
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connecting to test server: %v", err)
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s`, pgx.Identifier{name}.Sanitize()))
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, pgx.Identifier{name}.Sanitize())); err != nil {
		t.Fatalf("creating template database: %v", err)
	}
	pool, err := pgxpool.New(ctx, WithDatabase(admin, name))
	if err != nil {
		t.Fatalf("template pool: %v", err)
	}
	_, err = migrations.Migrate(ctx, pool)
	if err == nil {
		_, err = sequinsql.Apply(ctx, pool)
	}
	pool.Close()
	if err != nil {
		t.Fatalf("preparing template database: %v", err)
	}
	template = name
	return template
}

// WithDatabase returns the URL u pointing at database name instead.
func WithDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme == "" {
		// key=value DSN
		return strings.TrimSpace(u) + " dbname=" + name
	}
	parsed.Path = "/" + name
	return parsed.String()
}
