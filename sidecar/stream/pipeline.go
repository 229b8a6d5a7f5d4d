package stream

import (
	"context"
	"sync"
)

// pipeline hands committed transactions from the receiving goroutine to the writing one. While the
// writer is busy, transactions pile up and go out together in the next batch, so batches grow with
// the load and stay small (low latency) when it is light.
type pipeline struct {
	mu      sync.Mutex
	ready   []*txn
	events  int
	bytes   int // of the queued events' documents
	writing bool
	// wake tells the writer there is work; space tells a blocked receiver the writer took some.
	wake  chan struct{}
	space chan struct{}
	// maxPending and maxPendingBytes bound the events waiting and the size of their documents, so
	// a slow database or endpoint applies backpressure to the stream.
	maxPending, maxPendingBytes int
}

// defaultMaxPendingBytes bounds the documents of the events waiting to be written.
const defaultMaxPendingBytes = 32 << 20

func newPipeline(maxPending int) *pipeline {
	return &pipeline{wake: make(chan struct{}, 1), space: make(chan struct{}, 1), maxPending: maxPending, maxPendingBytes: defaultMaxPendingBytes}
}

// push queues a committed transaction, waiting while too many events are queued.
func (p *pipeline) push(ctx context.Context, t *txn) error {
	for {
		p.mu.Lock()
		if (p.events < p.maxPending && p.bytes < p.maxPendingBytes) || len(p.ready) == 0 {
			p.ready = append(p.ready, t)
			p.events += len(t.events)
			p.bytes += t.bodyBytes
			p.mu.Unlock()
			signal(p.wake)
			return nil
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.space:
		}
	}
}

// take waits for queued transactions and returns whole transactions holding up to maxEvents events
// (at least one transaction). The pipeline counts as busy until done is called.
func (p *pipeline) take(ctx context.Context, maxEvents int) ([]*txn, error) {
	for {
		p.mu.Lock()
		if len(p.ready) > 0 {
			n, events, bytes := 0, 0, 0
			for n < len(p.ready) && (n == 0 || events+len(p.ready[n].events) <= maxEvents) {
				events += len(p.ready[n].events)
				bytes += p.ready[n].bodyBytes
				n++
			}
			out := make([]*txn, n)
			copy(out, p.ready)
			clear(p.ready[:n])
			p.ready = p.ready[n:]
			p.events -= events
			p.bytes -= bytes
			p.writing = true
			p.mu.Unlock()
			return out, nil
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.wake:
		}
	}
}

// done marks the batch returned by take as written.
func (p *pipeline) done() {
	p.mu.Lock()
	p.writing = false
	more := len(p.ready) > 0
	p.mu.Unlock()
	signal(p.space)
	if more {
		signal(p.wake)
	}
}

// empty reports whether every pushed transaction has been written.
func (p *pipeline) empty() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ready) == 0 && !p.writing
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
