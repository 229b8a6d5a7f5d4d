package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/sequinsync/sequin/migrations"
	"github.com/sequinsync/sequin/sidecar/console"
	"github.com/sequinsync/sequin/sidecar/consume"
	"github.com/sequinsync/sequin/sidecar/control"
	"github.com/sequinsync/sequin/sidecar/extract"
	"github.com/sequinsync/sequin/sidecar/httpapi"
	"github.com/sequinsync/sequin/sidecar/mutate"
	"github.com/sequinsync/sequin/sidecar/stream"
	"github.com/sequinsync/sequin/sidecar/webhook"
	sequinsql "github.com/sequinsync/sequin/sql"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// Version is the sidecar's version, set at build time.
var Version = "dev"

// Sidecar is one running sidecar process.
type Sidecar struct {
	cfg    Config
	logger *slog.Logger

	// Pool is the connection pool, available once Start has returned.
	Pool *pgxpool.Pool
	// Engine is the sync engine.
	Engine *extract.Engine
	// Credentials seals and opens credentials.
	Credentials *sqlapi.Credentials
	// River is the job client.
	River *river.Client[pgx.Tx]
	// Addr is the HTTP address actually listened on.
	Addr string
	// ID identifies this process among the sidecars sharing the database (also its River client id).
	ID string
	// Stream reads events from the replication slot into the consumers' outbox; nil when
	// Config.StreamSlot is "-".
	Stream *stream.Reader
	// Consumers delivers the outbox to webhook and Kafka consumers.
	Consumers *consume.Service

	hostname string

	control  *control.Loop
	http     *http.Server
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	runErr   chan error
	stopOnce sync.Once
}

// New validates cfg and returns a sidecar ready to Start.
func New(cfg Config) (*Sidecar, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Sidecar{cfg: cfg, logger: cfg.Logger, runErr: make(chan error, 4)}, nil
}

// Start connects, migrates, publishes the catalogue and starts every service. It returns once the
// sidecar is serving; Stop (or the end of ctx) shuts it down.
func (s *Sidecar) Start(ctx context.Context) error {
	keys, err := secret.NewKeyring(s.cfg.SecretKey, s.cfg.PreviousSecretKeys...)
	if err != nil {
		return err
	}
	pcfg, err := pgxpool.ParseConfig(s.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database URL: %w", err)
	}
	pcfg.MaxConns = s.cfg.MaxConns
	pcfg.ConnConfig.RuntimeParams["application_name"] = "sequin"
	// Timestamps without a zone in API objects are UTC, whatever the database's default time zone.
	pcfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("connecting to Postgres: %w", err)
	}
	s.Pool = pool
	if err := s.prepare(ctx); err != nil {
		pool.Close()
		return err
	}
	s.Credentials = &sqlapi.Credentials{Pool: pool, Keys: keys}
	if n, err := s.Credentials.SealPending(ctx); err != nil {
		s.logger.ErrorContext(ctx, "sealing credentials failed", "error", err)
	} else if n > 0 {
		s.logger.InfoContext(ctx, "sealed credentials", "count", n)
	}
	s.Engine = &extract.Engine{
		Pool: pool, Registry: s.cfg.Registry, Credentials: s.Credentials, Logger: s.logger,
		Transport: s.cfg.Transport, DefaultPollInterval: s.cfg.DefaultPollInterval, EventRetention: s.cfg.EventRetention,
		DiscoveryTTL: s.cfg.DiscoveryTTL, BackfillWrites: s.cfg.BackfillWrites, Limiters: newLimiters(pool, s.logger),
		// New synced tables join the publication sequin_records at once, for native subscribers.
		OnTablesChanged: []func(context.Context) error{func(ctx context.Context) error {
			_, err := stream.SyncRecordsPublication(ctx, pool)
			return err
		}},
	}
	workers := river.NewWorkers()
	s.Engine.Register(workers)
	mutate.Register(workers, &mutate.Worker{Pool: pool, Engine: s.Engine, Logger: s.logger})
	hostname, _ := os.Hostname()
	s.ID = fmt.Sprintf("%s-%d-%s", hostname, os.Getpid(), secret.GenerateKey()[:6])
	s.hostname = hostname
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		ID:                   s.ID,
		Schema:               migrations.Schema,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: s.cfg.MaxWorkers}},
		Workers:              workers,
		PeriodicJobs:         s.Engine.PeriodicJobs(),
		Logger:               s.logger.With("component", "river"),
		FetchPollInterval:    s.cfg.FetchPollInterval,
		FetchCooldown:        10 * time.Millisecond,
		RescueStuckJobsAfter: s.cfg.JobRescueAfter,
		JobTimeout:           time.Minute,
	})
	if err != nil {
		pool.Close()
		return fmt.Errorf("river client: %w", err)
	}
	s.River = client
	s.Engine.SetClient(client)

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	if err := client.Start(runCtx); err != nil {
		cancel()
		pool.Close()
		return fmt.Errorf("starting River: %w", err)
	}
	listening := make(chan struct{})
	s.control = &control.Loop{
		Pool: pool, Logger: s.logger.With("component", "control"), ReconcileEvery: s.cfg.ReconcileEvery,
		Handler: &controller{s: s}, Listening: listening,
	}
	s.goRun(func() error { return s.control.Run(runCtx) })
	if err := s.Engine.Heartbeat(ctx, s.ID, hostname, Version); err != nil {
		s.Stop(context.Background())
		return fmt.Errorf("registering sidecar: %w", err)
	}
	s.goRun(func() error { s.heartbeat(runCtx); return nil })
	s.goRun(func() error { return s.Engine.RunViewRebuilder(runCtx) })
	s.Consumers = &consume.Service{Pool: pool, Logger: s.logger.With("component", "consume"), Transport: s.cfg.ConsumerTransport,
		UserAgent: "sequin/" + Version, PollInterval: s.cfg.ConsumerPollInterval}
	if s.cfg.StreamSlot != "-" {
		s.Stream = &stream.Reader{Pool: pool, Slot: s.cfg.StreamSlot, Logger: s.logger.With("component", "stream"), Direct: s.Consumers}
		s.goRun(func() error { return s.Stream.Run(runCtx) })
	}
	s.goRun(func() error { return s.Consumers.Run(runCtx) })
	if s.cfg.Listen != "-" {
		if err := s.serveHTTP(runCtx); err != nil {
			s.Stop(context.Background())
			return err
		}
	}
	select {
	case <-listening:
	case <-ctx.Done():
		s.Stop(context.Background())
		return ctx.Err()
	}
	s.logger.InfoContext(ctx, "sidecar started", "version", Version, "http", s.Addr, "providers", s.cfg.Registry.Names())
	return nil
}

// prepare runs migrations, applies the SQL definitions and publishes the provider catalogue.
func (s *Sidecar) prepare(ctx context.Context) error {
	applied, err := migrations.Migrate(ctx, s.Pool)
	if err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	if len(applied) > 0 {
		s.logger.InfoContext(ctx, "applied migrations", "versions", applied)
	}
	if _, err := sequinsql.Apply(ctx, s.Pool); err != nil {
		return fmt.Errorf("applying SQL definitions: %w", err)
	}
	if err := sqlapi.PublishCatalog(ctx, s.Pool, s.cfg.Registry); err != nil {
		return err
	}
	return nil
}

func (s *Sidecar) serveHTTP(ctx context.Context) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	api := &httpapi.Server{Pool: s.Pool, Logger: s.logger, Registry: reg, Version: Version, Credentials: s.Credentials}
	api.Handle("POST /webhooks/{sync_id}", &webhook.Handler{Engine: s.Engine, Logger: s.logger})
	pull := &consume.PullAPI{Pool: s.Pool, Logger: s.logger, Direct: s.Consumers}
	for _, route := range consume.PullRoutes {
		api.Mount(route, pull)
	}
	(&console.Console{Pool: s.Pool, Logger: s.logger.With("component", "console")}).Register(api)
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	s.Addr = ln.Addr().String()
	s.http = &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.goRun(func() error {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	return nil
}

func (s *Sidecar) goRun(f func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := f(); err != nil {
			s.runErr <- err
		}
	}()
}

// Wait blocks until ctx ends or a service fails, then stops the sidecar.
func (s *Sidecar) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.runErr:
		s.logger.Error("service failed; stopping", "error", err)
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.Stop(stopCtx)
	return err
}

// Stop shuts every service down: running jobs get until ctx ends to finish their current step.
func (s *Sidecar) Stop(ctx context.Context) {
	s.stopOnce.Do(func() {
		if s.http != nil {
			_ = s.http.Shutdown(ctx)
		}
		if s.River != nil {
			if err := s.River.Stop(ctx); err != nil {
				_ = s.River.StopAndCancel(context.Background())
			}
		}
		if s.cancel != nil {
			s.cancel()
		}
		s.wg.Wait()
		if s.Engine != nil && s.ID != "" {
			_ = s.Engine.Deregister(context.WithoutCancel(ctx), s.ID)
		}
		if s.Pool != nil {
			s.Pool.Close()
		}
		s.logger.Info("sidecar stopped")
	})
}

// heartbeat keeps this sidecar registered as alive and hands jobs of dead sidecars to the living.
func (s *Sidecar) heartbeat(ctx context.Context) {
	t := time.NewTicker(s.cfg.HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.Engine.Heartbeat(ctx, s.ID, s.hostname, Version); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "heartbeat failed", "error", err)
			continue
		}
		n, err := s.Engine.RescueOrphans(ctx, 3*s.cfg.HeartbeatEvery)
		if err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "rescuing orphaned jobs failed", "error", err)
		} else if n > 0 {
			s.logger.InfoContext(ctx, "resumed jobs of a stopped sidecar", "count", n)
		}
	}
}

// controller routes control notifications to the services.
type controller struct{ s *Sidecar }

func (c *controller) HandleNotification(ctx context.Context, n control.Notification) error {
	switch n.Kind {
	case "credential_created":
		_, err := c.s.Credentials.SealPending(ctx)
		return err
	case "credential_updated":
		if _, err := c.s.Credentials.SealPending(ctx); err != nil {
			return err
		}
		return c.s.Engine.WakeSyncsOfCredential(ctx, n.ID)
	case "sync_updated":
		if err := c.s.Engine.ReconcileSync(ctx, n.ID); err != nil {
			return err
		}
		return c.s.Engine.WakeSync(ctx, n.ID)
	case "sync_created", "collections_added":
		return c.s.Engine.ReconcileSync(ctx, n.ID)
	case "sync_resumed", "sync_resync":
		if err := c.s.Engine.ReconcileSync(ctx, n.ID); err != nil {
			return err
		}
		return c.s.Engine.WakeSync(ctx, n.ID)
	case "sync_paused", "sync_dropped":
		return nil // jobs notice on their next step
	}
	return nil
}

func (c *controller) Reconcile(ctx context.Context) error {
	if _, err := c.s.Credentials.SealPending(ctx); err != nil {
		return err
	}
	return c.s.Engine.Reconcile(ctx)
}
