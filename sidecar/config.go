// Package sidecar is the composition root: it connects to Postgres, migrates, publishes the provider
// catalogue, and runs the River workers, the control loop and the HTTP server until told to stop.
package sidecar

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sidecar/consume"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// Config configures a sidecar. Zero values take the documented defaults.
type Config struct {
	// DatabaseURL is the customer's Postgres (env DATABASE_URL).
	DatabaseURL string
	// Listen is the HTTP address (env SEQUIN_LISTEN, default 127.0.0.1:7376); "-" disables HTTP.
	Listen string
	// SecretKey seals credentials: 32 bytes as base64 or hex (env SEQUIN_SECRET_KEY).
	SecretKey string
	// PreviousSecretKeys open credentials sealed before a key rotation.
	PreviousSecretKeys []string
	// Registry is the set of providers; required.
	Registry *providers.Registry
	// Logger receives the sidecar's logs (default slog.Default()).
	Logger *slog.Logger
	// MaxWorkers bounds concurrently running jobs (default 50).
	MaxWorkers int
	// MaxConns bounds the Postgres pool (default 20).
	MaxConns int32
	// BackfillWrites bounds how many backfill pages the sidecar writes to Postgres at once, over all
	// syncs and collections (default extract.DefaultBackfillWrites). Backfills fetch ahead while they
	// wait for a turn, and merge what they fetched in one transaction.
	BackfillWrites int
	// ReconcileEvery is the period of the safety-net reconcile (default 30s).
	ReconcileEvery time.Duration
	// EventRetention is how long events are kept (default 7 days).
	EventRetention time.Duration
	// DefaultPollInterval applies to syncs without options.poll_interval_ms (default 10s).
	DefaultPollInterval time.Duration
	// DiscoveryTTL is how long a collection a provider discovered in the account (a Salesforce
	// object, an Airtable table) is used before its fields are read again (default 10m).
	DiscoveryTTL time.Duration
	// JobRescueAfter is how long a running job may go without finishing before it is considered
	// abandoned by a dead sidecar and run again (default 1m). Jobs run in bounded slices well below it.
	JobRescueAfter time.Duration
	// FetchPollInterval is how often River looks for new jobs besides its notifications (default 200ms).
	FetchPollInterval time.Duration
	// HeartbeatEvery is how often the sidecar proves it is alive; jobs of a sidecar silent for three
	// periods are run by others (default 5s).
	HeartbeatEvery time.Duration
	// Transport is the base HTTP transport for upstream APIs (default: http.DefaultTransport's
	// settings, keeping up to IdleConnsPerHost idle connections to each host).
	Transport http.RoundTripper
	// StreamSlot is the logical replication slot from which events are streamed to consumers (env
	// SEQUIN_STREAM_SLOT). Empty: "sequin_events", or, since slot names are per server, a slot named
	// after the database when another database of the server has "sequin_events" (see
	// stream.Reader.Slot). "-" turns the stream reader off; consumers then get only the events that
	// existed when they were created.
	StreamSlot string
	// ConsumerPollInterval bounds how long a consumer change or a due webhook/Kafka retry can go
	// unnoticed when its notification is missed (default 5s).
	ConsumerPollInterval time.Duration
	// ConsumerTransport sends webhook consumers' requests (default: as Transport).
	ConsumerTransport http.RoundTripper
}

// WithDefaults returns c with defaults filled in.
func (c Config) WithDefaults() Config {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:7376"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxWorkers <= 0 {
		c.MaxWorkers = 50
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 20
	}
	if c.ReconcileEvery <= 0 {
		c.ReconcileEvery = 30 * time.Second
	}
	if c.EventRetention <= 0 {
		c.EventRetention = 7 * 24 * time.Hour
	}
	if c.DefaultPollInterval <= 0 {
		c.DefaultPollInterval = 10 * time.Second
	}
	if c.JobRescueAfter <= 0 {
		c.JobRescueAfter = time.Minute
	}
	if c.FetchPollInterval <= 0 {
		c.FetchPollInterval = 200 * time.Millisecond
	}
	if c.HeartbeatEvery <= 0 {
		c.HeartbeatEvery = 5 * time.Second
	}
	if c.Transport == nil {
		c.Transport = newTransport()
	}
	if c.ConsumerPollInterval <= 0 {
		c.ConsumerPollInterval = consume.DefaultPollInterval
	}
	if c.ConsumerTransport == nil {
		c.ConsumerTransport = newTransport()
	}
	return c
}

// IdleConnsPerHost is how many idle connections the default transports keep to each host. The
// collections of a sync page through one API host at once, and with net/http's default of two, one
// request in six opened a new connection (a TCP and TLS handshake with a real API) in a backfill of
// twelve collections.
const IdleConnsPerHost = 32

// newTransport is http.DefaultTransport's settings with IdleConnsPerHost idle connections per host.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.MaxIdleConns = max(t.MaxIdleConns, 4*IdleConnsPerHost)
	return t
}

// slotName is what PostgreSQL accepts as a replication slot name.
var slotName = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

// Validate reports what is missing or wrong, naming the setting.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("database URL is required (--database-url or DATABASE_URL)"))
	}
	if c.SecretKey == "" {
		errs = append(errs, errors.New("secret key is required (SEQUIN_SECRET_KEY: 32 bytes, base64; generate with `openssl rand -base64 32`)"))
	} else if _, err := secret.ParseKey(c.SecretKey); err != nil {
		errs = append(errs, fmt.Errorf("SEQUIN_SECRET_KEY: %w", err))
	}
	for i, k := range c.PreviousSecretKeys {
		if _, err := secret.ParseKey(k); err != nil {
			errs = append(errs, fmt.Errorf("previous secret key %d: %w", i+1, err))
		}
	}
	if c.Registry == nil {
		errs = append(errs, errors.New("provider registry is required"))
	}
	if c.StreamSlot != "-" && c.StreamSlot != "" && !slotName.MatchString(c.StreamSlot) {
		errs = append(errs, fmt.Errorf("stream slot %q (SEQUIN_STREAM_SLOT): use 1 to 63 lower-case letters, digits or underscores, or - to turn streaming off", c.StreamSlot))
	}
	return errors.Join(errs...)
}
