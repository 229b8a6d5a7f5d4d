package consume

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// kafkaSink produces one record per event, keyed collection_id:upstream_id: the default partitioner
// hashes the key, so a record's events land in one partition, in the order they are produced (the
// outbox hands out a record's next event only after Kafka acknowledged the previous one).
type kafkaSink struct {
	cfg    *kafkaConfig
	client *kgo.Client
	// syncName resolves a sync id for the topic template.
	syncName func(ctx context.Context, syncID string) string
}

func newKafkaSink(cfg *kafkaConfig, syncName func(context.Context, string) string, extra ...kgo.Opt) (*kafkaSink, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.AllowAutoTopicCreation(),
		kgo.RecordDeliveryTimeout(cfg.timeout()),
		kgo.ProduceRequestTimeout(cfg.timeout()),
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		opts = append(opts, kgo.DialTLSConfig(tlsCfg))
	}
	if s := cfg.SASL; s != nil {
		switch s.Mechanism {
		case "plain":
			opts = append(opts, kgo.SASL(plain.Auth{User: s.Username, Pass: s.Password}.AsMechanism()))
		case "scram-sha-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: s.Username, Pass: s.Password}.AsSha256Mechanism()))
		case "scram-sha-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: s.Username, Pass: s.Password}.AsSha512Mechanism()))
		}
	}
	client, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return &kafkaSink{cfg: cfg, client: client, syncName: syncName}, nil
}

func (s *kafkaSink) deliver(ctx context.Context, msgs []Message) []error {
	records := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		records[i] = &kgo.Record{Topic: s.topic(ctx, m), Key: []byte(m.RecordKey), Value: m.Body}
	}
	results := s.client.ProduceSync(ctx, records...)
	out := make([]error, len(msgs))
	for i, r := range results {
		if r.Err != nil {
			out[i] = fmt.Errorf("producing to %s: %w", r.Record.Topic, r.Err)
		}
	}
	return out
}

func (s *kafkaSink) close() { s.client.Close() }

// topicChars are the characters Kafka allows in topic names.
var topicChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// topic fills the topic template for a message. Replaced values keep only the characters Kafka
// allows ("stripe:customer" becomes "stripe.customer").
func (s *kafkaSink) topic(ctx context.Context, m Message) string {
	t := s.cfg.Topic
	if !strings.Contains(t, "{") {
		return t
	}
	clean := func(v string) string { return topicChars.ReplaceAllString(strings.ReplaceAll(v, ":", "."), "_") }
	if strings.Contains(t, "{sync_name}") {
		t = strings.ReplaceAll(t, "{sync_name}", clean(s.syncName(ctx, m.SyncID)))
	}
	t = strings.ReplaceAll(t, "{sync_id}", m.SyncID)
	return strings.ReplaceAll(t, "{collection}", clean(m.CollectionID))
}
