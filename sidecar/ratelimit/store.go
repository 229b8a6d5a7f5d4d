package ratelimit

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/providers"
)

// DefaultLeaseTTL is how long a concurrency lease lasts unless renewed; a sidecar that dies holds its
// leases at most this long.
const DefaultLeaseTTL = 60 * time.Second

// Store hands out the shared rate limiters of credentials, one per credential and process.
type Store struct {
	// Pool is the database that holds the shared state.
	Pool *pgxpool.Pool
	// Logger receives debug notices; nil discards them.
	Logger *slog.Logger
	// Holder names this process in concurrency leases; NewStore sets a random one.
	Holder string
	// LeaseTTL is how long a concurrency lease lasts unless renewed (DefaultLeaseTTL when zero).
	LeaseTTL time.Duration

	mu       sync.Mutex
	limiters map[string]*limiter
	clock    dbClock
	tokens   atomic.Int64
}

// NewStore returns a store of rate limiters kept in pool's database.
func NewStore(pool *pgxpool.Pool, logger *slog.Logger) *Store {
	return &Store{Pool: pool, Logger: logger, Holder: randomHolder()}
}

// For returns the limiter for a credential with the given budget. Limiters are cached per credential;
// when the budget differs from the cached one, the new budget applies to every holder of the limiter.
func (s *Store) For(credentialID string, rl providers.RateLimit) providers.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limiters == nil {
		s.limiters = map[string]*limiter{}
	}
	if s.Holder == "" {
		s.Holder = randomHolder()
	}
	l := s.limiters[credentialID]
	if l == nil {
		l = &limiter{store: s, credentialID: credentialID}
		s.limiters[credentialID] = l
	}
	l.configure(rl)
	return l
}

// Usage returns how many requests this process was granted for a credential over the last interval
// of its budget, and the budget's allowed requests (0 when unlimited or unknown).
func (s *Store) Usage(credentialID string) (granted int, allowed int) {
	s.mu.Lock()
	l := s.limiters[credentialID]
	s.mu.Unlock()
	if l == nil {
		return 0, 0
	}
	return l.usage(time.Now())
}

func (s *Store) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Store) leaseTTL() time.Duration {
	if s.LeaseTTL > 0 {
		return s.LeaseTTL
	}
	return DefaultLeaseTTL
}

func (s *Store) holder() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Holder
}

func randomHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
