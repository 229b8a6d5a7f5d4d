package consume

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/sequinsync/sequin/sidecar/stream"
)

// Consumer health values (sequin.consumers.health).
const (
	healthy              = "healthy"
	customerIntervention = "customer_intervention"
)

// deliverer moves one consumer's messages from the outbox to its endpoint, one batch at a time.
type deliverer struct {
	consumer consumerRow
	store    *store
	sink     sink
	batch    int
	// lease is how long a taken batch stays invisible to other sidecars: longer than a delivery may take.
	lease   time.Duration
	backoff Backoff
	// lanes is how many batches direct deliveries send at once.
	lanes int
	// idle is the longest wait between looks at the outbox without a wake-up.
	idle   time.Duration
	logger *slog.Logger
	// wake says new messages may be due; kick says the consumer changed (resumed, say), which also
	// ends a backoff: a fixed endpoint is tried at once.
	wake, kick chan struct{}

	// health and healthMsg are what was last recorded, so unchanged health is not written again;
	// direct deliveries record health too, hence healthMu.
	healthMu          sync.Mutex
	health, healthMsg string
}

// run delivers until ctx ends, then closes the sink.
func (d *deliverer) run(ctx context.Context) {
	defer d.sink.close()
	pause := Backoff{Base: 200 * time.Millisecond, Max: 10 * time.Second}
	errs := 0
	for {
		n, backoff, err := d.step(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := d.idle
		switch {
		case err != nil:
			errs++
			wait = pause.Delay(errs)
			d.logger.WarnContext(ctx, "consumer delivery failed", "consumer", d.consumer.Name, "error", err, "retry_in", wait)
		case backoff > 0:
			// The endpoint is failing: wait before trying it with other messages, new ones included.
			errs = 0
			if !d.pause(ctx, backoff) {
				return
			}
			continue
		case n > 0:
			errs = 0
			continue
		default:
			errs = 0
			if at, ok, err := d.store.nextDue(ctx, d.consumer.ID); err == nil && ok {
				wait = min(wait, max(time.Until(at), 5*time.Millisecond))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
		case <-d.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

// step delivers one batch and returns its size (0: nothing was due) and, when the endpoint failed,
// how long to leave it alone.
func (d *deliverer) step(ctx context.Context) (int, time.Duration, error) {
	msgs, err := d.store.take(ctx, d.consumer.ID, d.batch, d.lease)
	if err != nil || len(msgs) == 0 {
		return 0, 0, err
	}
	results := d.sink.deliver(ctx, msgs)
	// The outcome is known: record it even when the sidecar is stopping.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var (
		ok, cut  []Message
		failures []failure
		firstErr error
		backoff  time.Duration
	)
	for i, m := range msgs {
		switch err := results[i]; {
		case err == nil:
			ok = append(ok, m)
		case ctx.Err() != nil:
			cut = append(cut, m)
		default:
			if firstErr == nil {
				firstErr = err
			}
			retry := d.retryIn(m.DeliverCount, err)
			failures = append(failures, failure{msg: m, retryIn: retry, err: err.Error()})
			if backoff == 0 || retry < backoff {
				backoff = retry
			}
		}
	}
	if err := d.store.delivered(sctx, d.consumer.ID, ok); err != nil {
		return len(msgs), 0, err
	}
	if err := d.store.giveBack(sctx, d.consumer.ID, cut); err != nil {
		return len(msgs), 0, err
	}
	dead, err := d.store.failed(sctx, d.consumer.ID, failures)
	if err != nil {
		return len(msgs), 0, err
	}
	switch {
	case firstErr != nil:
		msg := firstErr.Error()
		if dead > 0 {
			d.logger.ErrorContext(ctx, "dead-lettered messages after their last delivery failed", "consumer", d.consumer.Name, "count", dead, "error", firstErr)
			msg = fmt.Sprintf("%s (%d messages dead-lettered)", msg, dead)
		} else {
			d.logger.WarnContext(ctx, "delivery failed; will retry", "consumer", d.consumer.Name, "messages", len(failures), "error", firstErr)
		}
		d.setHealth(sctx, customerIntervention, msg)
		return len(msgs), backoff, nil
	case len(ok) > 0:
		d.setHealth(sctx, healthy, "")
	}
	return len(msgs), 0, nil
}

// retryIn is how long to wait before delivering a message again after its deliverCount-th delivery
// failed with err: the backoff, or longer when the endpoint said so.
func (d *deliverer) retryIn(deliverCount int, err error) time.Duration {
	retry := d.backoff.Delay(deliverCount)
	var ra *retryAfterError
	if errors.As(err, &ra) {
		retry = max(retry, min(ra.after, d.backoff.Max))
	}
	return retry
}

// direct delivers messages straight from the stream, in batches of the consumer's size. Messages
// are spread over up to lanes concurrent senders by record, so a record's messages go out in order,
// one batch after the other; after a failed batch, the rest of its lane is not sent. Every message
// counts as its first delivery.
func (d *deliverer) direct(ctx context.Context, msgs []stream.DirectMessage) []stream.DirectResult {
	out := make([]stream.DirectResult, len(msgs))
	lanes := laneOf(msgs, d.lanes)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := d.directLane(ctx, msgs, lane, out); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if errors.Is(ctx.Err(), context.Canceled) {
		return out // the sidecar is stopping: nothing here says how the endpoint is
	}
	if firstErr != nil {
		d.logger.WarnContext(ctx, "delivery failed; will retry", "consumer", d.consumer.Name, "error", firstErr)
		d.setHealth(context.WithoutCancel(ctx), customerIntervention, firstErr.Error())
		return out
	}
	d.setHealth(context.WithoutCancel(ctx), healthy, "")
	return out
}

// directLane sends the messages at the positions of lane, a batch at a time, and returns the first
// failure (the rest of the lane is then not sent).
func (d *deliverer) directLane(ctx context.Context, msgs []stream.DirectMessage, lane []int, out []stream.DirectResult) error {
	for start := 0; start < len(lane); start += d.batch {
		part := lane[start:min(start+d.batch, len(lane))]
		chunk := make([]Message, len(part))
		for i, at := range part {
			m := &msgs[at]
			chunk[i] = Message{Seq: m.Seq, DeliverCount: 1, RecordKey: m.RecordKey, SyncID: m.SyncID, CollectionID: m.CollectionID, Body: m.Body}
		}
		var firstErr error
		for i, err := range d.sink.deliver(ctx, chunk) {
			r := &out[part[i]]
			if err == nil {
				r.Delivered = true
				continue
			}
			if firstErr == nil {
				firstErr = err
			}
			r.Sent, r.Err, r.RetryIn = true, err.Error(), d.retryIn(1, err)
		}
		if firstErr != nil {
			return firstErr
		}
	}
	return nil
}

// laneOf spreads the positions of msgs over at most n lanes by record, keeping their order: a
// record's messages share a lane. Empty lanes are left out.
func laneOf(msgs []stream.DirectMessage, n int) [][]int {
	if n <= 1 || len(msgs) <= 1 {
		all := make([]int, len(msgs))
		for i := range all {
			all[i] = i
		}
		return [][]int{all}
	}
	lanes := make([][]int, n)
	for i := range msgs {
		h := fnv.New32a()
		h.Write([]byte(msgs[i].RecordKey))
		l := int(h.Sum32() % uint32(n))
		lanes[l] = append(lanes[l], i)
	}
	return slices.DeleteFunc(lanes, func(l []int) bool { return len(l) == 0 })
}

// pause waits out a failing endpoint's backoff, cut short when the consumer changes, and reports
// whether ctx is still alive.
func (d *deliverer) pause(ctx context.Context, wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-d.kick:
		return true
	case <-t.C:
		return true
	}
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

func (d *deliverer) setHealth(ctx context.Context, health, msg string) {
	d.healthMu.Lock()
	defer d.healthMu.Unlock()
	if d.health == health && d.healthMsg == msg {
		return
	}
	if err := d.store.setHealth(ctx, d.consumer.ID, health, msg); err != nil {
		d.logger.WarnContext(ctx, "recording consumer health failed", "consumer", d.consumer.Name, "error", err)
		return
	}
	d.health, d.healthMsg = health, msg
}
