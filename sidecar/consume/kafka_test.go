package consume_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// readTopic reads n records of a topic from the start.
func readTopic(t *testing.T, brokers []string, topic string, n int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		require.NoError(t, ctx.Err(), "read %d of %d records of %s", len(out), n, topic)
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// Each record's events go to one partition, keyed collection_id:upstream_id, in order; the topic is
// the sync's by default.
func TestKafkaKeepsEachRecordInOnePartitionInOrder(t *testing.T) {
	t.Parallel()
	e := setup(t)
	total := e.history(t, 25, 4)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	brokers, _ := json.Marshal(cluster.ListenAddrs())
	c := e.consumer(t, "stream", "kafka", fmt.Sprintf(`config => '{"brokers": %s, "batch_size": 7}'`, brokers))
	e.startService(t)
	require.Eventually(t, func() bool { return e.outbox(t, c) == 0 }, 20*time.Second, 10*time.Millisecond)

	records := readTopic(t, cluster.ListenAddrs(), "sequin.shop", total)
	require.Len(t, records, total, "each event produced once")
	partition := map[string]int32{}
	order := map[string][]int{}
	for _, r := range records {
		key := string(r.Key)
		require.True(t, strings.HasPrefix(key, "acme:widget:r"), key)
		if p, ok := partition[key]; ok {
			require.Equal(t, p, r.Partition, "all of %s in one partition", key)
		}
		partition[key] = r.Partition
		var doc map[string]any
		require.NoError(t, json.Unmarshal(r.Value, &doc))
		require.Equal(t, key, doc["collection_id"].(string)+":"+doc["upstream_id"].(string))
		order[key] = append(order[key], int(doc["data"].(map[string]any)["version"].(float64)))
	}
	used := map[int32]bool{}
	for key, vs := range order {
		require.Equal(t, []int{1, 2, 3, 4}, vs, "%s in order", key)
		used[partition[key]] = true
	}
	require.Greater(t, len(used), 1, "records spread over partitions")
	h, _ := e.health(t, c)
	require.Equal(t, "healthy", h)
}

// TLS with the customer's CA and SCRAM credentials; wrong credentials show in the consumer's health
// and lose nothing.
func TestKafkaTLSAndSASL(t *testing.T) {
	t.Parallel()
	e := setup(t)
	total := e.history(t, 5, 2)
	// httptest's certificate is valid for 127.0.0.1.
	certSrv := httptest.NewUnstartedServer(nil)
	certSrv.StartTLS()
	certs := certSrv.TLS.Certificates
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certSrv.Certificate().Raw}))
	certSrv.Close()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.TLS(&tls.Config{Certificates: certs}),
		kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", "sequin", "right"))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	config := func(password string) string {
		b, err := json.Marshal(map[string]any{
			"brokers": cluster.ListenAddrs(), "topic": "{sync_name}.{collection}", "timeout_ms": 2000, "backoff_ms": 50, "max_backoff_ms": 200,
			"tls":  map[string]any{"ca_cert": caPEM},
			"sasl": map[string]any{"mechanism": "scram-sha-256", "username": "sequin", "password": password},
		})
		require.NoError(t, err)
		return "config => " + quote(string(b))
	}
	good := e.consumer(t, "good", "kafka", config("right"))
	bad := e.consumer(t, "bad", "kafka", config("wrong"))
	broken := e.consumer(t, "broken", "kafka", fmt.Sprintf(`config => '{"brokers": ["%s"], "tls": {"ca_cert": "not a certificate"}}'`,
		cluster.ListenAddrs()[0]))
	e.startService(t)
	require.Eventually(t, func() bool {
		h, _ := e.health(t, broken)
		return h == "customer_intervention"
	}, 10*time.Second, 10*time.Millisecond)
	_, msg := e.health(t, broken)
	require.Contains(t, msg, "tls.ca_cert holds no PEM certificate")

	require.Eventually(t, func() bool { return e.outbox(t, good) == 0 }, 20*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		h, _ := e.health(t, bad)
		return h == "customer_intervention"
	}, 20*time.Second, 10*time.Millisecond)
	_, msg = e.health(t, bad)
	t.Logf("health message with a wrong password: %s", msg)
	require.Equal(t, total, e.outbox(t, bad), "nothing lost while the credentials are wrong")

	records := readTopic(t, cluster.ListenAddrs(), "shop.acme.widget", total,
		kgo.DialTLSConfig(&tls.Config{InsecureSkipVerify: true}), //nolint:gosec // reading back from the test broker
		kgo.SASL(scram.Auth{User: "sequin", Pass: "right"}.AsSha256Mechanism()))
	require.Len(t, records, total)
}
