package consume

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigs(t *testing.T) {
	t.Parallel()
	w, err := parseWebhookConfig(json.RawMessage(`{"url": "https://x.example/h", "batch_size": 7, "timeout_ms": 1500, "backoff_ms": 10, "max_backoff_ms": 20}`))
	require.NoError(t, err)
	require.Equal(t, 7, w.batchSize(DefaultWebhookBatchSize))
	require.Equal(t, 1500*time.Millisecond, w.timeout())
	require.Equal(t, Backoff{Base: 10 * time.Millisecond, Max: 20 * time.Millisecond}, w.backoff())
	_, err = parseWebhookConfig(json.RawMessage(`{"url": "ftp://x"}`))
	require.Error(t, err)
	_, err = parseWebhookConfig(json.RawMessage(`{"url": 5}`))
	require.Error(t, err, "malformed config is an error, not a zero value")

	k, err := parseKafkaConfig(json.RawMessage(`{"brokers": ["k:9092"]}`))
	require.NoError(t, err)
	require.Equal(t, DefaultTopic, k.Topic)
	require.Equal(t, DefaultKafkaBatchSize, k.batchSize(DefaultKafkaBatchSize))
	tlsCfg, err := k.tlsConfig()
	require.NoError(t, err)
	require.Nil(t, tlsCfg)
	k.TLS = json.RawMessage(`true`)
	tlsCfg, err = k.tlsConfig()
	require.NoError(t, err)
	require.NotNil(t, tlsCfg)
	_, err = parseKafkaConfig(json.RawMessage(`{"brokers": []}`))
	require.Error(t, err)
	_, err = parseKafkaConfig(json.RawMessage(`{"brokers": ["k:1"], "sasl": {"mechanism": "gssapi"}}`))
	require.Error(t, err)

	s := &kafkaSink{cfg: &kafkaConfig{Topic: "{sync_name}.{collection}-{sync_id}"},
		syncName: func(_ context.Context, id string) string { return "Shop EU" }}
	require.Equal(t, "Shop_EU.stripe.customer-0000", s.topic(context.Background(), Message{SyncID: "0000", CollectionID: "stripe:customer"}))
}
