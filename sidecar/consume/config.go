package consume

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Defaults of the delivery settings in a consumer's config.
const (
	DefaultWebhookBatchSize = 100
	// DefaultMaxInFlight is how many webhook requests a consumer has out at once at most.
	DefaultMaxInFlight    = 4
	DefaultKafkaBatchSize = 500
	DefaultTimeout        = 30 * time.Second
	DefaultBackoff        = time.Second
	DefaultMaxBackoff     = 5 * time.Minute
)

// delivery holds the settings every pushed consumer has (sql/060_consumers.sql validates them).
type delivery struct {
	BatchSize    int `json:"batch_size"`
	MaxRetries   int `json:"max_retries"`
	TimeoutMS    int `json:"timeout_ms"`
	BackoffMS    int `json:"backoff_ms"`
	MaxBackoffMS int `json:"max_backoff_ms"`
}

func (d delivery) batchSize(def int) int {
	if d.BatchSize > 0 {
		return d.BatchSize
	}
	return def
}

func (d delivery) timeout() time.Duration {
	if d.TimeoutMS > 0 {
		return time.Duration(d.TimeoutMS) * time.Millisecond
	}
	return DefaultTimeout
}

func (d delivery) backoff() Backoff {
	b := Backoff{Base: DefaultBackoff, Max: DefaultMaxBackoff}
	if d.BackoffMS > 0 {
		b.Base = time.Duration(d.BackoffMS) * time.Millisecond
	}
	if d.MaxBackoffMS > 0 {
		b.Max = time.Duration(d.MaxBackoffMS) * time.Millisecond
	}
	return b
}

// webhookConfig is the config of a webhook consumer.
type webhookConfig struct {
	delivery
	URL     string            `json:"url"`
	Secret  string            `json:"secret"`
	Headers map[string]string `json:"headers"`
	// MaxInFlight bounds the requests out at once (a record's events are never in two of them).
	MaxInFlight int `json:"max_in_flight"`
}

func (c *webhookConfig) maxInFlight() int {
	if c.MaxInFlight > 0 {
		return c.MaxInFlight
	}
	return DefaultMaxInFlight
}

func parseWebhookConfig(raw json.RawMessage) (*webhookConfig, error) {
	var c webhookConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("webhook config: %w", err)
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook config: url %q must be an http:// or https:// URL", c.URL)
	}
	return &c, nil
}

// kafkaConfig is the config of a Kafka consumer.
type kafkaConfig struct {
	delivery
	Brokers []string `json:"brokers"`
	// Topic is a template: {sync_name}, {sync_id} and {collection} are replaced per event.
	Topic string          `json:"topic"`
	TLS   json.RawMessage `json:"tls"`
	SASL  *saslConfig     `json:"sasl"`
}

// saslConfig authenticates to the brokers.
type saslConfig struct {
	Mechanism string `json:"mechanism"`
	Username  string `json:"username"`
	Password  string `json:"password"`
}

// DefaultTopic is the topic template of Kafka consumers whose config names none: one topic per sync.
const DefaultTopic = "sequin.{sync_name}"

func parseKafkaConfig(raw json.RawMessage) (*kafkaConfig, error) {
	var c kafkaConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("kafka config: %w", err)
	}
	if len(c.Brokers) == 0 {
		return nil, errors.New("kafka config: brokers must name at least one host:port")
	}
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.SASL != nil {
		switch c.SASL.Mechanism {
		case "plain", "scram-sha-256", "scram-sha-512":
		default:
			return nil, fmt.Errorf("kafka config: sasl mechanism %q: use plain, scram-sha-256 or scram-sha-512", c.SASL.Mechanism)
		}
	}
	return &c, nil
}

// tlsConfig returns the TLS settings of a Kafka consumer: nil for plain TCP, system roots for
// "tls": true, or the given CA, server name and verification for an object.
func (c *kafkaConfig) tlsConfig() (*tls.Config, error) {
	if len(c.TLS) == 0 || string(c.TLS) == "null" || string(c.TLS) == "false" {
		return nil, nil
	}
	if string(c.TLS) == "true" {
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	var o struct {
		CACert             string `json:"ca_cert"`
		ServerName         string `json:"server_name"`
		InsecureSkipVerify bool   `json:"insecure_skip_verify"`
	}
	if err := json.Unmarshal(c.TLS, &o); err != nil {
		return nil, fmt.Errorf("kafka config: tls: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName, InsecureSkipVerify: o.InsecureSkipVerify} //nolint:gosec // the customer's explicit choice
	if o.CACert != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(o.CACert)) {
			return nil, errors.New("kafka config: tls.ca_cert holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
