// Command httppull consumes a sequin HTTP pull consumer: it asks the sidecar for batches of events,
// handles them, and acknowledges each batch, so an event is handed out again only if the handler did
// not finish (the consumer's ack_wait_ms passed) or failed (it is nacked at once).
//
//	SEQUIN_URL=http://127.0.0.1:7376 SEQUIN_TOKEN=... go run ./examples/httppull my-consumer
//
// Create the consumer and the token first, in SQL:
//
//	SELECT sequin.create_consumer('my-consumer', 'http_pull');
//	SELECT sequin.create_api_token('my-app');
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"
)

// Event is the document sequin delivers for each change of a synced record.
type Event struct {
	Seq               int64           `json:"seq"`
	EventID           string          `json:"event_id"`
	SyncID            string          `json:"sync_id"`
	CollectionID      string          `json:"collection_id"`
	UpstreamID        string          `json:"upstream_id"`
	UpstreamUpdatedAt *time.Time      `json:"upstream_updated_at"`
	Event             string          `json:"event"` // inserted, updated or deleted
	Data              json.RawMessage `json:"data"`
	PreviousData      json.RawMessage `json:"previous_data"`
	EventInsertedAt   time.Time       `json:"event_inserted_at"`
}

// Client talks to a sidecar's HTTP pull API.
type Client struct {
	BaseURL, Token string
	HTTP           *http.Client
}

// Next asks for up to n messages, waiting up to wait for some when there are none (long polling);
// each comes with the token that acknowledges it.
func (c *Client) Next(ctx context.Context, consumer string, n int, wait time.Duration) (tokens []string, events []Event, err error) {
	var out struct {
		Data []struct {
			AckToken string `json:"ack_token"`
			Record   Event  `json:"record"`
		} `json:"data"`
	}
	if err := c.post(ctx, consumer, "next", map[string]any{"batch_size": n, "wait_ms": wait.Milliseconds()}, &out); err != nil {
		return nil, nil, err
	}
	for _, m := range out.Data {
		tokens = append(tokens, m.AckToken)
		events = append(events, m.Record)
	}
	return tokens, events, nil
}

// Ack acknowledges handled messages; Nack gives messages back for another delivery.
func (c *Client) Ack(ctx context.Context, consumer string, tokens []string) error {
	return c.post(ctx, consumer, "ack", map[string]any{"ack_tokens": tokens}, nil)
}

// Nack gives messages back for another delivery at once.
func (c *Client) Nack(ctx context.Context, consumer string, tokens []string) error {
	return c.post(ctx, consumer, "nack", map[string]any{"ack_tokens": tokens}, nil)
}

func (c *Client) post(ctx context.Context, consumer, action string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/v1/http-consumers/"+consumer+"/"+action, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message, Hint string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s: %s %s (%s)", action, resp.Status, e.Error.Message, e.Error.Hint)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Consume hands every event of consumer to handle, batch by batch, until ctx ends. A batch whose
// handler fails is nacked and comes back. Each call waits up to 10 s for events, so an idle consumer
// costs one request per 10 s and a new event arrives as soon as it is there.
func Consume(ctx context.Context, c *Client, consumer string, handle func(context.Context, []Event) error) error {
	for {
		tokens, events, err := c.Next(ctx, consumer, 100, 10*time.Second)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if len(events) == 0 {
			continue
		}
		if err := handle(ctx, events); err != nil {
			log.Printf("handling %d events failed, giving them back: %v", len(events), err)
			if err := c.Nack(ctx, consumer, tokens); err != nil && ctx.Err() == nil {
				return err
			}
			continue
		}
		if err := c.Ack(ctx, consumer, tokens); err != nil && ctx.Err() == nil {
			return err
		}
	}
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: httppull <consumer name or id>   (env SEQUIN_URL, SEQUIN_TOKEN)")
	}
	base := os.Getenv("SEQUIN_URL")
	if base == "" {
		base = "http://127.0.0.1:7376"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := &Client{BaseURL: base, Token: os.Getenv("SEQUIN_TOKEN"), HTTP: &http.Client{Timeout: 30 * time.Second}}
	err := Consume(ctx, c, os.Args[1], func(_ context.Context, events []Event) error {
		for _, e := range events {
			fmt.Printf("%d %s %s %s\n", e.Seq, e.Event, e.CollectionID, e.UpstreamID)
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}
