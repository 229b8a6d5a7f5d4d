// Package extract is the sync engine: it creates synced tables, backfills collections page by page,
// polls them for changes, and records every change as an event, all as River jobs so that any number
// of sidecars on one database share the work.
package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi"
)

// LimiterSource gives the shared rate limiter of a credential.
type LimiterSource interface {
	For(credentialID string, rl providers.RateLimit) providers.Limiter
}

// Engine runs syncs. Its workers are registered on a River client; Reconcile and HandleNotification
// bring the job set in line with sequin.syncs.
type Engine struct {
	Pool        *pgxpool.Pool
	Registry    *providers.Registry
	Credentials *sqlapi.Credentials
	Limiters    LimiterSource
	Logger      *slog.Logger
	// Transport is the base transport for upstream requests.
	Transport http.RoundTripper
	// DefaultPollInterval applies to syncs without options.poll_interval_ms.
	DefaultPollInterval time.Duration
	// SliceTime bounds how long one job run works before yielding its worker (default 10s).
	SliceTime time.Duration
	// EventRetention is how long events are kept.
	EventRetention time.Duration
	// DiscoveryTTL is how long a discovered collection is used before the provider is asked again, so
	// that fields added upstream become columns without a restart (default 10m).
	DiscoveryTTL time.Duration
	// BackfillWrites bounds how many backfill pages this engine writes to Postgres at once (default
	// 4). More concurrent merges than the database has cores only wait on each other (for CPU, and for
	// the events table, which every merge extends), and each is smaller: while a backfill waits for
	// its turn, the pages fetched ahead meanwhile are merged together.
	BackfillWrites int

	// OnTablesChanged run after synced tables were created (e.g. to update publications).
	OnTablesChanged []func(ctx context.Context) error

	client     *river.Client[pgx.Tx]
	discovered discoveries
	viewOnce   sync.Once
	viewDirty  chan struct{}
	writesOnce sync.Once
	writes     chan struct{} // one token per backfill page being written
}

// DefaultBackfillWrites is BackfillWrites when it is not set.
const DefaultBackfillWrites = 4

// startBackfillWrite waits for a turn to write a backfill page and returns the function that ends it.
// It must be called outside any transaction: a turn is held for a whole transaction, and that may wait
// for row locks.
func (e *Engine) startBackfillWrite(ctx context.Context) (func(), error) {
	e.writesOnce.Do(func() {
		n := e.BackfillWrites
		if n <= 0 {
			n = DefaultBackfillWrites
		}
		e.writes = make(chan struct{}, n)
	})
	select {
	case e.writes <- struct{}{}:
		return func() { <-e.writes }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SetClient gives the engine the River client it inserts jobs with.
func (e *Engine) SetClient(c *river.Client[pgx.Tx]) { e.client = c }

// Register adds the engine's workers.
func (e *Engine) Register(w *river.Workers) {
	river.AddWorker(w, &backfillWorker{e: e})
	river.AddWorker(w, &pollWorker{e: e})
	river.AddWorker(w, &refetchWorker{e: e})
	river.AddWorker(w, &retentionWorker{e: e})
}

// PeriodicJobs are the engine's scheduled maintenance jobs.
func (e *Engine) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return RetentionArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}

func (e *Engine) sliceTime() time.Duration {
	if e.SliceTime > 0 {
		return e.SliceTime
	}
	return 10 * time.Second
}

// syncRow is what a job needs to know of its sync.
type syncRow struct {
	ID, Provider, CredentialID, Schema, Status, Health string
	RateLimit                                          providers.RateLimit
	Options                                            map[string]any
}

var errSyncGone = errors.New("sync no longer exists")

func (e *Engine) loadSync(ctx context.Context, q sqlapi.Querier, id string) (*syncRow, error) {
	var s syncRow
	var rl []byte
	err := q.QueryRow(ctx, `SELECT id::text, provider, credential_id::text, schema_name, status, health, rate_limit, options
		FROM sequin.syncs WHERE id = $1`, id).Scan(&s.ID, &s.Provider, &s.CredentialID, &s.Schema, &s.Status, &s.Health, &rl, &s.Options)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errSyncGone
	}
	if err != nil {
		return nil, fmt.Errorf("loading sync %s: %w", id, err)
	}
	if err := json.Unmarshal(rl, &s.RateLimit); err != nil {
		return nil, fmt.Errorf("sync %s: rate limit: %w", id, err)
	}
	return &s, nil
}

// sweepInterval is how often a collection with a change feed but deletes found by sweep is listed
// whole to find what was deleted upstream: options.sweep_interval_ms, or an hour. Each sweep costs a
// request per page of the collection.
func (e *Engine) sweepInterval(s *syncRow) time.Duration {
	if v, ok := s.Options["sweep_interval_ms"].(float64); ok && v >= 100 {
		return time.Duration(v) * time.Millisecond
	}
	return time.Hour
}

// pollInterval is the sync's poll period.
func (e *Engine) pollInterval(s *syncRow) time.Duration {
	if v, ok := s.Options["poll_interval_ms"].(float64); ok && v >= 100 {
		return time.Duration(v) * time.Millisecond
	}
	if e.DefaultPollInterval > 0 {
		return e.DefaultPollInterval
	}
	return 10 * time.Second
}

// session builds an authenticated, rate-limited session for a sync.
func (e *Engine) session(ctx context.Context, s *syncRow) (providers.Provider, *providers.Session, error) {
	p, ok := e.Registry.Provider(s.Provider)
	if !ok {
		return nil, nil, fmt.Errorf("provider %q is not known to this sidecar", s.Provider)
	}
	cred, err := e.Credentials.Load(ctx, e.Pool, s.CredentialID)
	if err != nil {
		return nil, nil, err
	}
	base := e.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	rt, err := p.Authenticate(ctx, cred.Credential, base, e.Credentials)
	if err != nil {
		return nil, nil, &providers.Error{Kind: providers.ErrUnauthorized, Message: err.Error(), Err: err}
	}
	spec := p.Spec()
	baseURL := spec.DefaultBaseURL
	if u, _ := s.Options["base_url"].(string); u != "" {
		baseURL = u
	}
	client := &providers.Client{
		BaseURL:  baseURL,
		HTTP:     &http.Client{Transport: rt, Timeout: 60 * time.Second},
		Classify: p.ClassifyError,
		Logger:   e.Logger,
	}
	if e.Limiters != nil {
		client.Limiter = e.Limiters.For(s.CredentialID, s.RateLimit)
	}
	return p, &providers.Session{SyncID: s.ID, Client: client, Credential: cred.Credential, Options: s.Options}, nil
}

// collectionRow is the state of one collection of a sync.
type collectionRow struct {
	CollectionID, Table, State                   string
	Generation                                   int
	BackfillCursor, PollCursor                   *string
	BackfillPages, BackfillRecords, RecordsCount int64
	ConsecutiveErrors                            int
	LastPolledAt, LastSweptAt                    *time.Time
	// PollRequestedAt is when a webhook last asked for a poll now (PollNow).
	PollRequestedAt *time.Time
}

// collectionColumns are the columns of sequin.sync_collections that collectionRow.fields scans.
const collectionColumns = `collection_id, table_name, state, generation, backfill_cursor, poll_cursor,
	backfill_pages, backfill_records, records_count, consecutive_errors, last_polled_at, last_swept_at, poll_requested_at`

// fields are the scan targets of collectionColumns.
func (c *collectionRow) fields() []any {
	return []any{&c.CollectionID, &c.Table, &c.State, &c.Generation, &c.BackfillCursor, &c.PollCursor,
		&c.BackfillPages, &c.BackfillRecords, &c.RecordsCount, &c.ConsecutiveErrors, &c.LastPolledAt, &c.LastSweptAt, &c.PollRequestedAt}
}

// pollRequested reports whether a webhook asked for a poll after the last one.
func (c *collectionRow) pollRequested() bool {
	return c.PollRequestedAt != nil && (c.LastPolledAt == nil || c.PollRequestedAt.After(*c.LastPolledAt))
}

// lockCollection locks the collection's state row for the rest of tx: every writer of a synced table
// holds it, so merges into one table are serialised across workers and sidecars.
func lockCollection(ctx context.Context, tx pgx.Tx, syncID, collectionID string) (*collectionRow, error) {
	var c collectionRow
	err := tx.QueryRow(ctx, `SELECT `+collectionColumns+`
		FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = $2 FOR UPDATE`, syncID, collectionID).Scan(c.fields()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errSyncGone
	}
	if err != nil {
		return nil, fmt.Errorf("locking collection %s: %w", collectionID, err)
	}
	return &c, nil
}

func readCollection(ctx context.Context, q sqlapi.Querier, syncID, collectionID string) (*collectionRow, error) {
	var c collectionRow
	err := q.QueryRow(ctx, `SELECT `+collectionColumns+`
		FROM sequin.sync_collections WHERE sync_id = $1 AND collection_id = $2`, syncID, collectionID).Scan(c.fields()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errSyncGone
	}
	return &c, err
}

// target is where a collection of a sync lands. A collection the provider discovered anew may have
// gained fields, which become columns of its table before it is written again.
func (e *Engine) target(ctx context.Context, s *syncRow, c *collectionRow) (Target, error) {
	coll, fresh, err := e.collection(ctx, s, c.CollectionID)
	if err != nil {
		return Target{}, err
	}
	t := Target{SyncID: s.ID, Collection: coll, Schema: s.Schema, Table: c.Table}
	if fresh && c.State != "pending" {
		e.addDiscoveredColumns(ctx, t)
	}
	return t, nil
}
