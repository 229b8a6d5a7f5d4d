package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// deliveries records when each event (by seq) first reached a consumer.
type deliveries struct {
	mu    sync.Mutex
	first map[int64]time.Time
	// lastErr is the latest failure of the receiving side, for the report when deliveries stall.
	lastErr atomic.Value
}

func newDeliveries() *deliveries { return &deliveries{first: map[int64]time.Time{}} }

// note records the messages of a payload received at.
func (d *deliveries) note(payload []byte, at time.Time) error {
	var doc any
	if err := json.Unmarshal(payload, &doc); err != nil {
		return fmt.Errorf("payload is not JSON: %w", err)
	}
	seqs, _ := walkMessages(doc)
	d.mu.Lock()
	for _, s := range seqs {
		if _, ok := d.first[s]; !ok {
			d.first[s] = at
		}
	}
	d.mu.Unlock()
	return nil
}

// progress reports how many of want have arrived and when the last of those arrived.
func (d *deliveries) progress(want map[int64]time.Time) (int, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, last := 0, time.Time{}
	for s := range want {
		if at, ok := d.first[s]; ok {
			n++
			if at.After(last) {
				last = at
			}
		}
	}
	return n, last
}

// latencies returns, for every seq of committed that arrived, the time from its commit to arrival.
func (d *deliveries) latencies(committed map[int64]time.Time) []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []time.Duration
	for s, c := range committed {
		if at, ok := d.first[s]; ok {
			out = append(out, at.Sub(c))
		}
	}
	return out
}

func (d *deliveries) failed(err error) { d.lastErr.Store(err.Error()) }

func (d *deliveries) lastError() string {
	s, _ := d.lastErr.Load().(string)
	return s
}

// walkMessages finds the event messages in a delivered document, whatever its envelope: objects
// with both "seq" and "event_id" are messages; "ack_token" strings are collected alongside.
func walkMessages(doc any) (seqs []int64, ackTokens []string) {
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if tok, ok := v["ack_token"].(string); ok {
				ackTokens = append(ackTokens, tok)
			}
			if seq, ok := v["seq"].(float64); ok {
				if _, isMsg := v["event_id"]; isMsg {
					seqs = append(seqs, int64(seq))
					return
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return seqs, ackTokens
}

// webhookReceiver answers every delivery 200 and records its messages.
func webhookReceiver(d *deliveries) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		at := time.Now()
		if err != nil {
			d.failed(err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := d.note(body, at); err != nil {
			d.failed(err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
}

// httpPuller pulls an HTTP pull consumer through the sidecar's API (next, then ack) in a loop.
type httpPuller struct {
	addr     atomic.Value // the sidecar's HTTP address; it changes when the sidecar restarts
	token    string
	consumer string
	d        *deliveries
}

// run pulls until ctx ends; errors (a sidecar restarting) are recorded and retried.
func (p *httpPuller) run(ctx context.Context, batch int) {
	for ctx.Err() == nil {
		n, err := p.pullOnce(ctx, batch)
		if err != nil {
			if ctx.Err() == nil {
				p.d.failed(err)
			}
			sleepCtx(ctx, 20*time.Millisecond)
			continue
		}
		if n == 0 {
			sleepCtx(ctx, 2*time.Millisecond)
		}
	}
}

func (p *httpPuller) pullOnce(ctx context.Context, batch int) (int, error) {
	addr, _ := p.addr.Load().(string)
	if addr == "" {
		return 0, fmt.Errorf("no sidecar address")
	}
	base := "http://" + addr + "/v1/http-consumers/" + p.consumer
	body, err := p.post(ctx, base+"/next", map[string]any{"batch_size": batch})
	at := time.Now()
	if err != nil {
		return 0, err
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return 0, fmt.Errorf("next: %w", err)
	}
	seqs, tokens := walkMessages(doc)
	if len(tokens) == 0 {
		return 0, nil
	}
	if err := p.d.note(body, at); err != nil {
		return 0, err
	}
	if _, err := p.post(ctx, base+"/ack", map[string]any{"ack_tokens": tokens}); err != nil {
		return 0, err
	}
	return len(seqs), nil
}

func (p *httpPuller) post(ctx context.Context, u string, body any) ([]byte, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s: %s: %s", u, resp.Status, firstLine(string(out)))
	}
	return out, nil
}

// consumeKafka reads topic from the start and records every record's messages until ctx ends.
func consumeKafka(ctx context.Context, brokers []string, topic string, d *deliveries) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		at := time.Now()
		fetches.EachError(func(_ string, _ int32, err error) {
			if ctx.Err() == nil {
				d.failed(err)
			}
		})
		fetches.EachRecord(func(r *kgo.Record) {
			if err := d.note(r.Value, at); err != nil {
				d.failed(err)
			}
		})
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
