package stream

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of the Reader's settings.
const (
	DefaultSlot           = "sequin_events"
	DefaultPublication    = "sequin_events"
	DefaultMaxBatch       = 5000
	DefaultStatusInterval = 10 * time.Second
)

// Reader streams sequin.events from a logical replication slot into sequin.consumer_messages. Set the
// fields, then call Run. One Reader runs per sidecar; when several sidecars share a database, the
// first to take the slot streams and the others retry until it goes away.
type Reader struct {
	// Pool writes the consumer messages (and creates the slot's catch-up copy).
	Pool *pgxpool.Pool
	// ConnString connects the replication connection (replication=database is added). Empty: the
	// pool's connection string.
	ConnString string
	// Slot is the logical replication slot's name. It is created when missing and never dropped by
	// the Reader; DropSlot removes it. Empty: "sequin_events", or, when a slot of that name belongs to
	// another database of the server (slot names are per server), one named after this database
	// (see DatabaseSlot).
	Slot string
	// Publication is the publication streamed (default "sequin_events").
	Publication string
	// Logger receives connection and progress messages (default slog.Default()).
	Logger *slog.Logger
	// MaxBatch bounds the events written in one transaction (default 5000); a larger transaction is
	// written whole.
	MaxBatch int
	// StatusInterval is the longest time between status updates to the server (default 10s).
	StatusInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after a failure (100ms, 5s).
	MinBackoff, MaxBackoff time.Duration
	// PublicationRefresh is how often the publication sequin_records is brought up to date with the
	// syncs (default 30s; negative: only at start).
	PublicationRefresh time.Duration
	// Direct, when set, delivers to consumers straight from the stream while they have nothing
	// waiting in the outbox (see Direct); DirectTimeout bounds one such delivery (default 5s).
	Direct        Direct
	DirectTimeout time.Duration
	// DormantAfter is how long a session goes on with no consumer before the reader closes it and
	// goes dormant (default 2s); DormantTick is how often a dormant reader advances the slot and
	// looks for consumers (default 1s). See dormant.
	DormantAfter, DormantTick time.Duration

	// chosen is the slot the default resolved to.
	chosen    atomic.Pointer[string]
	initOnce  sync.Once
	ready     chan struct{}
	readyOnce sync.Once
	confirmed atomic.Uint64
	written   atomic.Int64
	delivered atomic.Int64
	// bodies says whether events need their documents: some consumer may be delivered to directly.
	bodies atomic.Bool
	// idle says there is no consumer, so events need not be decoded.
	idle atomic.Bool
}

func (r *Reader) init() {
	r.initOnce.Do(func() { r.ready = make(chan struct{}) })
}

// Ready is closed once the reader streams from its slot for the first time.
func (r *Reader) Ready() <-chan struct{} {
	r.init()
	return r.ready
}

// Confirmed is the last LSN confirmed to the server: every event committed before it is in
// sequin.consumer_messages.
func (r *Reader) Confirmed() pglogrepl.LSN { return pglogrepl.LSN(r.confirmed.Load()) }

// Written is the number of consumer messages written to the outbox since the Reader started.
func (r *Reader) Written() int64 { return r.written.Load() }

// Delivered is the number of consumer messages delivered straight from the stream since the Reader
// started.
func (r *Reader) Delivered() int64 { return r.delivered.Load() }

func (r *Reader) directTimeout() time.Duration {
	if r.DirectTimeout <= 0 {
		return DefaultDirectTimeout
	}
	return r.DirectTimeout
}

func (r *Reader) slot() string {
	if r.Slot != "" {
		return r.Slot
	}
	if p := r.chosen.Load(); p != nil {
		return *p
	}
	return DefaultSlot
}

// DatabaseSlot is the default slot's name for database db when "sequin_events" is another
// database's: the name made of lower-case letters, digits and underscores, and a hash of it, so
// that databases whose names differ only in other characters get different slots.
func DatabaseSlot(db string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(db) {
		if b.Len() >= 36 {
			break
		}
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	h := fnv.New32a()
	h.Write([]byte(db))
	return fmt.Sprintf("%s_%s_%08x", DefaultSlot, b.String(), h.Sum32())
}

// chooseSlot settles the default slot: this database's own slot when it has one (named after it,
// or "sequin_events"), else "sequin_events" when no database has taken that name, else the slot
// named after this database.
func (r *Reader) chooseSlot(ctx context.Context) error {
	if r.Slot != "" {
		return nil
	}
	var db string
	var own []string
	var taken bool
	err := r.Pool.QueryRow(ctx, `SELECT current_database(),
			coalesce((SELECT array_agg(slot_name::text) FROM pg_replication_slots
			           WHERE database = current_database() AND slot_name LIKE 'sequin\_events%'), '{}'),
			EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`, DefaultSlot).Scan(&db, &own, &taken)
	if err != nil {
		return fmt.Errorf("choosing the stream slot: %w", err)
	}
	name := DatabaseSlot(db)
	switch {
	case slices.Contains(own, name):
	case slices.Contains(own, DefaultSlot) || !taken:
		name = DefaultSlot
	}
	if p := r.chosen.Load(); p == nil || *p != name {
		r.logger().InfoContext(ctx, "stream slot chosen", "slot", name)
	}
	r.chosen.Store(&name)
	return nil
}

func (r *Reader) publication() string {
	if r.Publication == "" {
		return DefaultPublication
	}
	return r.Publication
}

func (r *Reader) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}

func (r *Reader) maxBatch() int {
	if r.MaxBatch <= 0 {
		return DefaultMaxBatch
	}
	return r.MaxBatch
}

func (r *Reader) statusInterval() time.Duration {
	if r.StatusInterval <= 0 {
		return DefaultStatusInterval
	}
	return r.StatusInterval
}

// Run streams until ctx ends. Of the sidecars sharing a database, one leads (an advisory lock per
// slot) and streams; the others wait quietly and take over when the leader's connection goes away.
// The leader reconnects with backoff after failures (the server restarting, a lost connection, the
// previous leader's walsender still holding the slot). Run returns nil when ctx ends, after closing
// the replication connection, waiting for the server to release the slot (a few seconds at most)
// and for its own goroutines.
func (r *Reader) Run(ctx context.Context) error {
	r.init()
	if r.Pool == nil {
		return errors.New("stream: Reader.Pool is required")
	}
	if err := validSlotName(r.slot()); err != nil {
		return err
	}
	// Until the first batch says whether any consumer can be delivered to directly, assume one can.
	r.bodies.Store(r.Direct != nil)
	for ctx.Err() == nil {
		if !r.walLevelLogical(ctx) {
			continue
		}
		if err := r.chooseSlot(ctx); err != nil {
			if ctx.Err() == nil {
				r.logger().WarnContext(ctx, "reading the replication slots failed", "error", err)
				sleep(ctx, r.maxBackoff())
			}
			continue
		}
		lead, err := r.lead(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.logger().WarnContext(ctx, "taking the stream lead failed", "slot", r.slot(), "error", err)
				sleep(ctx, r.maxBackoff())
			}
			continue
		}
		r.runLeader(ctx, lead)
	}
	return nil
}

// runLeader streams while this process holds the lead, reconnecting after failures, and keeps the
// publication sequin_records up to date.
func (r *Reader) runLeader(ctx context.Context, lead *pgx.Conn) {
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		if ctx.Err() != nil {
			r.awaitSlotRelease(context.WithoutCancel(ctx))
		}
		_ = lead.Close(context.WithoutCancel(ctx))
	}()
	wg.Add(2)
	go func() {
		defer wg.Done()
		r.holdLead(lctx, lead, cancel)
	}()
	go func() {
		defer wg.Done()
		r.refreshPublication(lctx)
	}()
	minB, maxB := r.MinBackoff, r.maxBackoff()
	if minB <= 0 {
		minB = 100 * time.Millisecond
	}
	backoff := minB
	for {
		started := time.Now()
		streamed, err := r.session(lctx)
		if lctx.Err() != nil {
			return
		}
		if errors.Is(err, errDormant) {
			r.readyOnce.Do(func() { close(r.ready) })
			if err = r.dormant(lctx); err == nil {
				backoff = minB
				continue
			}
			if lctx.Err() != nil {
				return
			}
		}
		if errors.Is(err, errSlotTaken) && r.Slot == "" {
			// The slot is created with the first consumer, and its name may have gone to another
			// database of the server since it was chosen: choose again.
			r.logger().WarnContext(ctx, "the stream slot's name is taken; choosing again", "error", err)
			sleep(lctx, backoff)
			return
		}
		if streamed && time.Since(started) > 5*time.Second {
			backoff = minB
		}
		r.logger().WarnContext(ctx, "event stream interrupted; reconnecting", "slot", r.slot(), "error", err, "in", backoff)
		if !sleep(lctx, backoff) {
			return
		}
		backoff = min(backoff*2, maxB)
	}
}

func (r *Reader) maxBackoff() time.Duration {
	if r.MaxBackoff <= 0 {
		return 5 * time.Second
	}
	return r.MaxBackoff
}

// sleep waits for d or the end of ctx, and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// refreshPublication keeps sequin_records in step with the syncs.
func (r *Reader) refreshPublication(ctx context.Context) {
	every := r.PublicationRefresh
	if every == 0 {
		every = 30 * time.Second
	}
	for {
		if n, err := SyncRecordsPublication(ctx, r.Pool); err != nil && ctx.Err() == nil {
			r.logger().WarnContext(ctx, "updating the sequin_records publication failed", "error", err)
		} else if n > 0 {
			r.logger().InfoContext(ctx, "updated the sequin_records publication", "tables_changed", n)
		}
		if every < 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
