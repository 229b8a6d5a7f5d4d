package stream

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDirectTimeout bounds a delivery straight from the stream; past it, the messages go to the
// outbox and the consumer's deliverer takes over with the consumer's own timeout.
const DefaultDirectTimeout = 5 * time.Second

// Direct delivers events straight from the stream to consumers: webhook and Kafka consumers the
// sidecar pushes to, and HTTP pull consumers whose pullers call it. The reader uses it for a
// consumer with nothing waiting in the outbox: its messages are delivered while the batch's
// transaction is open, and only those the consumer did not take are written to the outbox, so a
// healthy consumer costs Postgres nothing per message. The slot's position moves past a batch only
// after that transaction commits: a crash in between delivers the batch again (at least once, never
// lost).
type Direct interface {
	// Deliver delivers msgs to the consumer, in order, and returns one result per message, or nil
	// when this process does not deliver to the consumer (then all of them go to the outbox).
	Deliver(ctx context.Context, consumerID string, msgs []DirectMessage) []DirectResult
}

// DirectSettler is implemented by a Direct that needs to know when the outbox rows of what it did
// not deliver are committed: Settled is called after every batch's transaction, committed or not.
type DirectSettler interface {
	Settled()
}

// DirectMessage is an event on its way straight from the stream to a consumer.
type DirectMessage struct {
	// Seq is the event's position in sequin.events.
	Seq int64
	// RecordKey is collection_id:upstream_id, the record the event is about.
	RecordKey string
	// SyncID and CollectionID say where the event comes from.
	SyncID, CollectionID string
	// Body is the event document, as sequin._event_json builds it.
	Body []byte
}

// DirectResult is what became of one DirectMessage.
type DirectResult struct {
	// Delivered says the endpoint has the message.
	Delivered bool
	// Sent says the consumer was given a message it did not take (or has not acknowledged yet):
	// Deliveries says how many times (one when zero), Err what went wrong and RetryIn when it is
	// handed out again.
	Sent       bool
	Deliveries int
	Err        string
	RetryIn    time.Duration
	// Token, when set, is the ack token (a uuid) the message is out with, for RetryIn: the message
	// goes to the outbox leased under it, so that its ack still counts.
	Token string
	// Dead says the message has used up its deliveries: it goes to the outbox dead-lettered.
	Dead bool
}

// spill is a message that goes to the outbox; tried, when set, is the failed direct delivery it
// already had.
type spill struct {
	consumer string
	ev       *event
	tried    *DirectResult
}

// directKind reports whether consumers of a kind can be delivered to straight from the stream.
func directKind(kind string) bool { return kind == "webhook" || kind == "kafka" || kind == "http_pull" }

// backloggedSQL returns which of the consumers have messages waiting in the outbox.
const backloggedSQL = `SELECT coalesce(array_agg(c::text), '{}') FROM unnest($1::uuid[]) c
	WHERE EXISTS (SELECT 1 FROM sequin.consumer_messages m WHERE m.consumer_id = c AND m.state = 'pending')`

// deliverDirect sends the messages of every consumer in routed that can take them straight from the
// stream, all consumers at once, and returns, per consumer, the messages that must go to the outbox
// instead (for those it did not send: all of them).
func (f *fanout) deliverDirect(ctx context.Context, tx pgx.Tx, consumers []consumerScope, routed [][]*event) ([][]spill, int, error) {
	out := make([][]spill, len(consumers))
	var candidates []string
	for ci := range consumers {
		out[ci] = all(consumers[ci].id, routed[ci])
		if f.direct != nil && directKind(consumers[ci].kind) && consumers[ci].active && len(routed[ci]) > 0 && haveBodies(routed[ci]) {
			candidates = append(candidates, consumers[ci].id)
		}
	}
	if len(candidates) == 0 {
		return out, 0, nil
	}
	var backlogged []string
	if err := tx.QueryRow(ctx, backloggedSQL, candidates).Scan(&backlogged); err != nil {
		return nil, 0, fmt.Errorf("looking for consumers with waiting messages: %w", err)
	}
	dctx, cancel := context.WithTimeout(ctx, f.directTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	delivered := 0
	for ci := range consumers {
		c := &consumers[ci]
		if !slices.Contains(candidates, c.id) || slices.Contains(backlogged, c.id) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := routed[ci]
			msgs := make([]DirectMessage, len(evs))
			for i, ev := range evs {
				msgs[i] = DirectMessage{Seq: ev.seq, RecordKey: ev.recordKey(), SyncID: ev.syncID, CollectionID: ev.collectionID, Body: ev.body}
			}
			results := f.direct.Deliver(dctx, c.id, msgs)
			if len(results) != len(msgs) {
				return // not delivered here: all of them go to the outbox
			}
			s, n := settle(c.id, evs, results)
			out[ci] = s
			mu.Lock()
			delivered += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, delivered, ctx.Err()
}

// settle sorts a consumer's directly delivered messages into delivered and spilled, and returns the
// spilled ones and how many were delivered. A record's messages are delivered in order: once one of
// them was not delivered, its later ones go to the outbox too (delivered or not), so that they
// arrive again after it.
func settle(consumer string, evs []*event, results []DirectResult) ([]spill, int) {
	var out []spill
	var held map[string]bool
	delivered := 0
	for i, ev := range evs {
		r := &results[i]
		key := ev.recordKey()
		switch {
		case held[key]:
			if r.Delivered || !r.Sent {
				out = append(out, spill{consumer: consumer, ev: ev})
			} else {
				out = append(out, spill{consumer: consumer, ev: ev, tried: r})
			}
		case r.Delivered:
			delivered++
		default:
			if held == nil {
				held = map[string]bool{}
			}
			held[key] = true
			if r.Sent {
				out = append(out, spill{consumer: consumer, ev: ev, tried: r})
			} else {
				out = append(out, spill{consumer: consumer, ev: ev})
			}
		}
	}
	return out, delivered
}

func all(consumer string, evs []*event) []spill {
	out := make([]spill, len(evs))
	for i, ev := range evs {
		out[i] = spill{consumer: consumer, ev: ev}
	}
	return out
}

func haveBodies(evs []*event) bool {
	for _, ev := range evs {
		if ev.body == nil {
			return false
		}
	}
	return true
}
