package consume

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sequinsync/sequin/sidecar/stream"
)

// HTTP pull consumers whose pullers call this process get their messages straight from the stream
// (stream.Direct), as webhook and Kafka consumers do: the reader offers a batch within its
// transaction, next hands it out from memory, ack settles it in memory, and only what was not acked
// when the batch closes goes to the outbox, with its hand-out (token, lease, deliveries), so that
// the acks and nacks that come later find it there. Pulling a healthy consumer thus costs Postgres
// nothing per message. A batch closes when every message is acked, when its pullers took or settled
// nothing for a while (Service.PullIdle), or at the reader's direct timeout.
const (
	// pullActive: a consumer is offered batches only while one of its pullers called next on this
	// process this recently; a consumer pulled elsewhere (another sidecar, or sequin.next in SQL)
	// gets its messages in the outbox. A process that started this recently does not know yet where
	// the pullers are (those of the process it replaces are reconnecting): it offers every batch.
	pullActive = time.Second
	// DefaultPullIdle: an offered batch closes when its pullers took or settled nothing of it for
	// this long.
	DefaultPullIdle = 200 * time.Millisecond
	// pullSettleWait bounds how long an ack or nack of a closed batch's message waits for the
	// batch's outbox rows to be committed.
	pullSettleWait = 10 * time.Second
)

// pullHub holds the batches offered to HTTP pull consumers.
type pullHub struct {
	idle      time.Duration // Service.PullIdle or its default, set before use
	started   time.Time
	mu        sync.Mutex
	consumers map[string]*pullConsumer
}

// pullConsumer is what the hub knows of one consumer.
type pullConsumer struct {
	lastNext   time.Time
	ackWait    time.Duration
	maxDeliver int
	// waiting counts the next calls waiting for messages (wait_ms); wake is closed when a batch is
	// offered or the outbox got messages.
	waiting int
	wake    chan struct{}
	// open is the batch being handed out, if any.
	open *pullBatch
	// closing are closed batches whose outbox rows are not committed yet.
	closing []*pullBatch
}

// pullBatch is one offered batch.
type pullBatch struct {
	msgs []stream.DirectMessage
	out  []handOut
	// tokens maps the ack tokens of messages out with pullers to their index.
	tokens  map[string]int
	unacked int
	// first is the index of the first message not acked.
	first int
	// progress is signalled when a message is taken, acked or given back.
	progress chan struct{}
	// settled is closed once the batch's outbox rows are committed, or will not be.
	settled chan struct{}
}

// handOut is the state of one offered message.
type handOut struct {
	token      string    // the uuid of its current hand-out; "" when never handed out or given back
	until      time.Time // the end of that hand-out's lease
	deliveries int
	acked      bool
	lastErr    string
}

// seen notes a next call of a puller of consumer id on this process, with the consumer's settings.
func (h *pullHub) seen(id string, ackWait time.Duration, maxDeliver int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.consumer(id)
	c.lastNext, c.ackWait, c.maxDeliver = time.Now(), ackWait, maxDeliver
}

// consumer returns what the hub knows of consumer id, adding it if need be; h.mu is held.
func (h *pullHub) consumer(id string) *pullConsumer {
	if h.consumers == nil {
		h.consumers = map[string]*pullConsumer{}
	}
	c := h.consumers[id]
	if c == nil {
		c = &pullConsumer{}
		h.consumers[id] = c
	}
	return c
}

// deliver offers msgs to the pullers of consumer id and waits until they are all acked, the pullers
// go idle or ctx ends; it returns nil, having offered nothing, when the hub does not know the
// consumer (it knows the HTTP pull consumers) or no puller of it called this process lately.
func (h *pullHub) deliver(ctx context.Context, id string, msgs []stream.DirectMessage) []stream.DirectResult {
	h.mu.Lock()
	c := h.consumers[id]
	if c == nil || c.open != nil || (c.waiting == 0 && time.Since(c.lastNext) > pullActive && time.Since(h.started) > pullActive) {
		h.mu.Unlock()
		return nil
	}
	b := &pullBatch{msgs: msgs, out: make([]handOut, len(msgs)), tokens: map[string]int{}, unacked: len(msgs),
		progress: make(chan struct{}, 1), settled: make(chan struct{})}
	c.open = b
	c.wakeUp()
	h.mu.Unlock()

	idle := time.NewTimer(h.idle)
	defer idle.Stop()
wait:
	for {
		select {
		case <-b.progress:
			h.mu.Lock()
			done := b.unacked == 0
			h.mu.Unlock()
			if done {
				break wait
			}
			idle.Reset(h.idle)
		case <-idle.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	c.open = nil
	res := b.results(time.Now(), c.maxDeliver)
	if len(b.tokens) > 0 {
		c.closing = append(c.closing, b)
	} else {
		close(b.settled)
	}
	return res
}

// results says what became of each message of a closing batch. A message out with a puller goes to
// the outbox with its token and what is left of its lease; one given back, or whose lease ran out,
// with its deliveries; one out of deliveries, dead-lettered, as sequin._take and sequin.nack would.
func (b *pullBatch) results(now time.Time, maxDeliver int) []stream.DirectResult {
	res := make([]stream.DirectResult, len(b.msgs))
	for i := range b.out {
		m := &b.out[i]
		r := &res[i]
		switch {
		case m.acked:
			r.Delivered = true
		case m.deliveries == 0:
		default:
			r.Sent, r.Deliveries, r.Err = true, m.deliveries, m.lastErr
			if m.token != "" {
				r.Token, r.RetryIn = m.token, max(m.until.Sub(now), 0)
			}
			if maxDeliver > 0 && m.deliveries >= maxDeliver && r.RetryIn == 0 {
				r.Dead, r.Token = true, ""
				if r.Err == "" {
					r.Err = fmt.Sprintf("%d deliveries without an ack", m.deliveries)
				}
			}
		}
	}
	return res
}

// take hands out up to size messages of consumer id's open batch, oldest first and at most one per
// record at a time, each with a fresh ack token and lease. ok is false when the consumer has no open
// batch: its messages are in the outbox then.
func (h *pullHub) take(id string, size int) (msgs []pulledMessage, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.consumers[id]
	if c == nil || c.open == nil {
		return nil, false
	}
	b := c.open
	now := time.Now()
	var busy map[string]bool // records with an earlier message not acked
	msgs = []pulledMessage{}
	for i := b.first; i < len(b.msgs) && len(msgs) < size; i++ {
		m := &b.out[i]
		if m.acked {
			continue
		}
		key := b.msgs[i].RecordKey
		if busy[key] {
			continue
		}
		if busy == nil {
			busy = map[string]bool{}
		}
		busy[key] = true
		if m.token != "" && now.Before(m.until) {
			continue // out with a puller
		}
		if c.maxDeliver > 0 && m.deliveries >= c.maxDeliver {
			continue // out of deliveries: dead-lettered when the batch closes
		}
		if m.token != "" {
			delete(b.tokens, ackToken(b.msgs[i].Seq, m.token))
		}
		m.token, m.until, m.deliveries = uuid.NewString(), now.Add(c.ackWait), m.deliveries+1
		token := ackToken(b.msgs[i].Seq, m.token)
		b.tokens[token] = i
		msgs = append(msgs, pulledMessage{AckToken: token, Record: b.msgs[i].Body})
	}
	if len(msgs) > 0 {
		signal(b.progress)
	}
	return msgs, true
}

// settle acks (or, with nack, gives back) the tokens of consumer id that belong to its open batch.
// It returns how many it settled, the tokens left for the outbox, and, when some of those belong
// to a closed batch whose outbox rows are not committed yet, a channel closed once they are.
func (h *pullHub) settle(id string, tokens []string, nack bool) (n int, rest []string, wait <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.consumers[id]
	if c == nil {
		return 0, tokens, nil
	}
	for _, t := range tokens {
		if b := c.open; b != nil {
			if i, ok := b.tokens[t]; ok {
				delete(b.tokens, t)
				m := &b.out[i]
				if nack {
					m.token = ""
					if c.maxDeliver > 0 && m.deliveries >= c.maxDeliver {
						m.lastErr = fmt.Sprintf("nacked after %d deliveries", m.deliveries)
					}
				} else {
					m.acked = true
					b.unacked--
					for b.first < len(b.out) && b.out[b.first].acked {
						b.first++
					}
				}
				n++
				continue
			}
		}
		for _, b := range c.closing {
			if _, ok := b.tokens[t]; ok {
				wait = b.settled
			}
		}
		rest = append(rest, t)
	}
	if n > 0 && c.open != nil {
		signal(c.open.progress)
		c.wakeUp() // an ack frees a record's next message, a nack gives one back
	}
	return n, rest, wait
}

// settled is told that the transaction of the batches closed since ended: their outbox rows are
// committed, or (it failed) the batches will be streamed again and their tokens are void.
func (h *pullHub) settled() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.consumers {
		for _, b := range c.closing {
			close(b.settled)
		}
		c.closing = nil
	}
}

// reconcile brings the hub's consumers in step with the HTTP pull consumers that exist.
func (h *pullHub) reconcile(pulled map[string]consumerRow) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, row := range pulled {
		c := h.consumer(id)
		c.ackWait, c.maxDeliver = time.Duration(row.AckWaitMS)*time.Millisecond, row.MaxDeliver
	}
	for id, c := range h.consumers {
		if _, ok := pulled[id]; !ok && c.open == nil && len(c.closing) == 0 && c.waiting == 0 {
			delete(h.consumers, id)
		}
	}
}

// await registers a next call of consumer id waiting for messages: the consumer counts as pulled
// from this process meanwhile. The channel is closed when a batch is offered to the consumer or the
// outbox got messages; call done when no longer waiting.
func (h *pullHub) await(id string) (wake <-chan struct{}, done func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.consumer(id)
	c.waiting++
	if c.wake == nil {
		c.wake = make(chan struct{})
	}
	return c.wake, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		c.waiting--
	}
}

// wakeAll wakes every waiting next call: the outbox got messages.
func (h *pullHub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.consumers {
		c.wakeUp()
	}
}

// wakeUp wakes the consumer's waiting next calls; the hub's mutex is held.
func (c *pullConsumer) wakeUp() {
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
}

func ackToken(seq int64, token string) string { return strconv.FormatInt(seq, 10) + "." + token }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
