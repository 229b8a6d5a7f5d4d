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

	"github.com/sequinsync/sequin/providers/jsonscan"
)

// deliveries records when each event (by seq) first reached a consumer. While a set of events is
// watched (watch), arrivals of that set are counted as they come, so polling for progress costs
// nothing while deliveries run.
type deliveries struct {
	mu    sync.Mutex
	first map[int64]time.Time
	// watched is the set progress reports on; arrived and last count its arrivals.
	watched map[int64]time.Time
	arrived int
	last    time.Time
	// lastErr is the latest failure of the receiving side, for the report when deliveries stall.
	lastErr atomic.Value
}

func newDeliveries() *deliveries { return &deliveries{first: map[int64]time.Time{}} }

// note records the messages of a payload received at.
func (d *deliveries) note(payload []byte, at time.Time) error {
	seqs, _, err := parseMessages(payload)
	if err != nil {
		return fmt.Errorf("payload is not JSON: %w", err)
	}
	d.noteSeqs(seqs, at)
	return nil
}

func (d *deliveries) noteSeqs(seqs []int64, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range seqs {
		if _, ok := d.first[s]; ok {
			continue
		}
		d.first[s] = at
		if _, ok := d.watched[s]; ok {
			d.arrived++
			if at.After(d.last) {
				d.last = at
			}
		}
	}
}

// watch makes progress report on want, counting what has arrived of it already.
func (d *deliveries) watch(want map[int64]time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.watched, d.arrived, d.last = want, 0, time.Time{}
	for s := range want {
		if at, ok := d.first[s]; ok {
			d.arrived++
			if at.After(d.last) {
				d.last = at
			}
		}
	}
}

// progress reports how many of the watched events have arrived and when the last of those arrived.
func (d *deliveries) progress() (int, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.arrived, d.last
}

// earliest returns when the first of the events of want arrived (zero when none did).
func (d *deliveries) earliest(want map[int64]time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	var first time.Time
	for s := range want {
		if at, ok := d.first[s]; ok && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return first
}

// has reports whether event seq has arrived.
func (d *deliveries) has(seq int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.first[seq]
	return ok
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

// parseMessages finds the event messages of a delivered document and the ack tokens alongside,
// whatever its shape: a message (seq and event_id), a pulled message (ack_token and record or
// message), or a list of either, alone or under "data". The document is validated once and then
// walked without decoding the events' own data.
func parseMessages(payload []byte) (seqs []int64, ackTokens []string, err error) {
	if !json.Valid(payload) {
		return nil, nil, fmt.Errorf("invalid JSON (%d bytes)", len(payload))
	}
	var walk func(raw []byte) error
	walk = func(raw []byte) error {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return nil
		}
		switch raw[0] {
		case '[':
			return jsonscan.Elements(raw, walk)
		case '{':
		default:
			return nil
		}
		var (
			seq   *int64
			event bool
			inner [][]byte
			data  []byte
			token string
		)
		err := jsonscan.Members(raw, func(key string, v []byte) error {
			switch key {
			case "seq":
				n, err := jsonscan.Int(v)
				if err != nil {
					return err
				}
				seq = &n
			case "event_id":
				event = string(v) != "null"
			case "ack_token":
				t, err := jsonscan.String(v)
				if err != nil {
					return err
				}
				token = t
			case "message", "record":
				inner = append(inner, v)
			case "data":
				data = v
			}
			return nil
		})
		if err != nil {
			return err
		}
		if token != "" {
			ackTokens = append(ackTokens, token)
		}
		if seq != nil && event {
			seqs = append(seqs, *seq)
			return nil
		}
		for _, v := range inner {
			if v = bytes.TrimSpace(v); len(v) > 0 && v[0] == '{' {
				if err := walk(v); err != nil {
					return err
				}
			}
		}
		if d := bytes.TrimSpace(data); len(d) > 0 && d[0] == '[' {
			return walk(d)
		}
		return nil
	}
	return seqs, ackTokens, walk(payload)
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

// httpPuller pulls an HTTP pull consumer through the sidecar's API (next, then ack) in a loop; a
// next that finds nothing waits up to a second for messages (wait_ms).
type httpPuller struct {
	addr     atomic.Value // the sidecar's HTTP address; it changes when the sidecar restarts
	token    string
	consumer string
	d        *deliveries
}

// run pulls until ctx ends; errors (a sidecar restarting) are recorded and retried.
func (p *httpPuller) run(ctx context.Context, batch int) {
	for ctx.Err() == nil {
		if _, err := p.pullOnce(ctx, batch); err != nil {
			if ctx.Err() == nil {
				p.d.failed(err)
			}
			sleepCtx(ctx, 20*time.Millisecond)
		}
	}
}

func (p *httpPuller) pullOnce(ctx context.Context, batch int) (int, error) {
	addr, _ := p.addr.Load().(string)
	if addr == "" {
		return 0, fmt.Errorf("no sidecar address")
	}
	base := "http://" + addr + "/v1/http-consumers/" + p.consumer
	body, err := p.post(ctx, base+"/next", map[string]any{"batch_size": batch, "wait_ms": 1000})
	at := time.Now()
	if err != nil {
		return 0, err
	}
	seqs, tokens, err := parseMessages(body)
	if err != nil {
		return 0, fmt.Errorf("next: %w", err)
	}
	if len(tokens) == 0 {
		return 0, nil
	}
	p.d.noteSeqs(seqs, at)
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
	buf := bytes.NewBuffer(make([]byte, 0, max(resp.ContentLength, 0)+bytes.MinRead))
	_, err = buf.ReadFrom(resp.Body)
	out := buf.Bytes()
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
