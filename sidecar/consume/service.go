package consume

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sequinsync/sequin/sidecar/stream"
)

// Channel is the NOTIFY channel on which the stream reader announces new messages (payload
// "messages") and the SQL functions announce consumer changes ("consumers").
const Channel = "sequin_consumers"

// DefaultPollInterval is how often the Service re-reads the consumers and looks at every outbox
// without being told to.
const DefaultPollInterval = 5 * time.Second

// Service runs a deliverer per webhook and Kafka consumer, starting and stopping them as consumers
// are created, changed and dropped. Set the fields, then call Run.
type Service struct {
	// Pool reads and settles the outbox.
	Pool *pgxpool.Pool
	// Logger receives delivery failures and consumer changes (default slog.Default()).
	Logger *slog.Logger
	// Transport sends webhook requests (default http.DefaultTransport).
	Transport http.RoundTripper
	// UserAgent is sent with webhook requests (default "sequin").
	UserAgent string
	// PollInterval bounds how long a change or a due retry can go unnoticed without a notification
	// (default 5s).
	PollInterval time.Duration
	// KafkaOptions are added to every Kafka client's options (e.g. a logger, or test timeouts).
	KafkaOptions []kgo.Opt
	// PullIdle is how long a batch offered to the HTTP pullers of this process stays open while
	// they take and settle none of it (default 200ms; see PullAPI.Direct).
	PullIdle time.Duration
	// Listening, when set, is closed once the Service listens for notifications and has started the
	// deliverers of the existing consumers.
	Listening chan struct{}

	store *store
	names syncNameCache
	// workers is changed by Run's goroutine only, under mu, and read by Deliver under mu.
	mu      sync.RWMutex
	workers map[string]*worker
	wg      sync.WaitGroup
	// started is closed once the deliverers of the existing consumers were started.
	initOnce, startOnce sync.Once
	started             chan struct{}
	// pulls holds the batches offered to HTTP pullers of this process (see PullAPI.Direct).
	pulls pullHub
}

// worker is a running deliverer.
type worker struct {
	d          *deliverer
	config     []byte
	cancel     context.CancelFunc
	done       chan struct{}
	wake, kick chan struct{}
}

func (s *Service) init() {
	s.initOnce.Do(func() {
		s.started = make(chan struct{})
		s.pulls.idle, s.pulls.started = s.PullIdle, time.Now()
		if s.pulls.idle <= 0 {
			s.pulls.idle = DefaultPullIdle
		}
	})
}

// Deliver delivers messages straight from the stream (stream.Direct) to a webhook or Kafka consumer
// this Service runs a deliverer for: in the consumer's batch size, in order, each counted as its
// first delivery; the consumer's health says how it went. It waits for the Service to start its
// deliverers. An HTTP pull consumer whose pullers called this process's PullAPI within the last
// second (or any, in the Service's first second) gets the messages offered to them until they are
// acked, or the pullers leave them alone for PullIdle. It returns nil when this process does not deliver to the consumer (or ctx ends first).
func (s *Service) Deliver(ctx context.Context, consumerID string, msgs []stream.DirectMessage) []stream.DirectResult {
	s.init()
	select {
	case <-s.started:
	case <-ctx.Done():
		return nil
	}
	s.mu.RLock()
	w := s.workers[consumerID]
	s.mu.RUnlock()
	if w == nil || w.d == nil {
		return s.pulls.deliver(ctx, consumerID, msgs)
	}
	return w.d.direct(ctx, msgs)
}

// Settled is told after each stream batch's transaction (stream.DirectSettler): acks of messages a
// closed pull batch left in the outbox wait for it.
func (s *Service) Settled() { s.pulls.settled() }

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Service) pollInterval() time.Duration {
	if s.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return s.PollInterval
}

// Run delivers until ctx ends, then stops every deliverer (a batch in flight is given back) and
// returns nil. Losing the notification connection only slows it down to PollInterval meanwhile.
func (s *Service) Run(ctx context.Context) error {
	if s.Pool == nil {
		return errors.New("consume: Service.Pool is required")
	}
	s.init()
	s.store = &store{pool: s.Pool}
	s.names.store = s.store
	s.mu.Lock()
	s.workers = map[string]*worker{}
	s.mu.Unlock()
	defer s.stopAll()
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := s.session(ctx, &first)
		if ctx.Err() != nil {
			return nil
		}
		s.logger().WarnContext(ctx, "consumer notifications lost; reconnecting", "error", err, "in", backoff)
		// Keep the deliverers going by polling until the connection is back.
		deadline := time.Now().Add(backoff)
		for ctx.Err() == nil && time.Now().Before(deadline) {
			s.reconcile(ctx)
			sleep(ctx, min(time.Until(deadline), s.pollInterval()))
		}
		backoff = min(backoff*2, 10*time.Second)
	}
	return nil
}

func (s *Service) session(ctx context.Context, first *bool) error {
	pooled, err := s.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTEN connection must not go back to the pool still listening.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return fmt.Errorf("LISTEN %s: %w", Channel, err)
	}
	s.reconcile(ctx)
	if *first && s.Listening != nil {
		close(s.Listening)
	}
	*first = false
	next := time.Now().Add(s.pollInterval())
	for {
		wctx, cancel := context.WithDeadline(ctx, next)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, context.DeadlineExceeded):
			s.reconcile(ctx)
			s.signalAll(func(w *worker) chan struct{} { return w.wake })
			next = time.Now().Add(s.pollInterval())
		case err != nil:
			return err
		case n.Payload == "consumers":
			s.reconcile(ctx)
			s.signalAll(func(w *worker) chan struct{} { return w.kick })
		default:
			s.signalAll(func(w *worker) chan struct{} { return w.wake })
			s.pulls.wakeAll()
		}
	}
}

// reconcile starts a deliverer for every webhook and Kafka consumer, restarts those whose config
// changed and stops those of dropped consumers, and tells the pull hub which HTTP pull consumers
// exist.
func (s *Service) reconcile(ctx context.Context) {
	// Deliver waits for the first reconcile, successful or not: without deliverers, the stream
	// writes to the outbox.
	defer s.startOnce.Do(func() { close(s.started) })
	rows, err := s.store.consumers(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logger().ErrorContext(ctx, "reading consumers failed", "error", err)
		}
		return
	}
	seen := map[string]bool{}
	pulled := map[string]consumerRow{}
	for _, c := range rows {
		if c.Kind == "http_pull" {
			pulled[c.ID] = c
			continue
		}
		seen[c.ID] = true
		if w, ok := s.workers[c.ID]; ok {
			if bytes.Equal(w.config, c.Config) {
				continue
			}
			s.stop(c.ID)
		}
		s.start(ctx, c)
	}
	for id := range s.workers {
		if !seen[id] {
			s.stop(id)
		}
	}
	s.pulls.reconcile(pulled)
}

func (s *Service) start(ctx context.Context, c consumerRow) {
	d, err := s.newDeliverer(c)
	if err != nil {
		// The SQL validation missed something (or an older row): say so on the consumer.
		s.logger().ErrorContext(ctx, "consumer config unusable", "consumer", c.Name, "error", err)
		if herr := s.store.setHealth(ctx, c.ID, customerIntervention, err.Error()); herr != nil {
			s.logger().WarnContext(ctx, "recording consumer health failed", "consumer", c.Name, "error", herr)
		}
		// Remember the config so it is not retried until it changes.
		s.mu.Lock()
		s.workers[c.ID] = &worker{config: c.Config}
		s.mu.Unlock()
		return
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &worker{d: d, config: c.Config, cancel: cancel, done: make(chan struct{}), wake: d.wake, kick: d.kick}
	s.mu.Lock()
	s.workers[c.ID] = w
	s.mu.Unlock()
	s.logger().InfoContext(ctx, "delivering to consumer", "consumer", c.Name, "kind", c.Kind)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(w.done)
		d.run(wctx)
	}()
}

func (s *Service) newDeliverer(c consumerRow) (*deliverer, error) {
	d := &deliverer{consumer: c, store: s.store, idle: s.pollInterval(), wake: make(chan struct{}, 1), kick: make(chan struct{}, 1),
		logger: s.logger().With("component", "consume")}
	var common delivery
	switch c.Kind {
	case "webhook":
		cfg, err := parseWebhookConfig(c.Config)
		if err != nil {
			return nil, err
		}
		ua := s.UserAgent
		if ua == "" {
			ua = "sequin"
		}
		d.sink, common, d.batch = newWebhookSink(cfg, s.Transport, ua), cfg.delivery, cfg.batchSize(DefaultWebhookBatchSize)
		d.lanes = cfg.maxInFlight()
	case "kafka":
		cfg, err := parseKafkaConfig(c.Config)
		if err != nil {
			return nil, err
		}
		k, err := newKafkaSink(cfg, s.names.name, s.KafkaOptions...)
		if err != nil {
			return nil, err
		}
		// One produce call: the client pipelines it, a record's events in order in one partition.
		d.sink, common, d.batch, d.lanes = k, cfg.delivery, cfg.batchSize(DefaultKafkaBatchSize), 1
	default:
		return nil, fmt.Errorf("consumer kind %q is not delivered by the sidecar", c.Kind)
	}
	d.backoff = common.backoff()
	// Long enough that a delivery still in progress is never handed to another sidecar.
	d.lease = common.timeout() + 5*time.Second
	return d, nil
}

func (s *Service) stop(id string) {
	s.mu.Lock()
	w := s.workers[id]
	delete(s.workers, id)
	s.mu.Unlock()
	if w == nil || w.cancel == nil {
		return
	}
	w.cancel()
	<-w.done
}

func (s *Service) stopAll() {
	for id := range s.workers {
		s.stop(id)
	}
	s.wg.Wait()
}

// signalAll signals one channel of every running deliverer, without waiting.
func (s *Service) signalAll(ch func(*worker) chan struct{}) {
	for _, w := range s.workers {
		if c := ch(w); c != nil {
			signal(c)
		}
	}
}

// syncNameCache resolves sync ids to names for Kafka topic templates, reading sequin.syncs again
// when it meets a sync it does not know.
type syncNameCache struct {
	store *store
	mu    sync.Mutex
	names map[string]string
}

func (c *syncNameCache) name(ctx context.Context, syncID string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.names[syncID]; ok {
		return n
	}
	if names, err := c.store.syncNames(ctx); err == nil {
		c.names = names
	}
	if n, ok := c.names[syncID]; ok {
		return n
	}
	return syncID
}
