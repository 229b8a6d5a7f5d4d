// Package emulatorkit holds the plumbing the API emulators under providers/*/emulator share: serving
// a handler on a loopback address, the request log, fault queues, a sliding-window rate limiter, and
// a webhook forwarder for tests whose receiver URL is known only after the emulator starts.
// What an API answers (its error bodies, headers, pagination and webhooks) stays in each emulator.
package emulatorkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultGrace is how long Close lets requests in flight finish when Listener.Grace is zero.
const DefaultGrace = time.Second

// Listener serves an http.Handler in the background: the Start, URL and Close half of an emulator.
// Its zero value is ready to use; set the exported fields before Start.
type Listener struct {
	// Log receives errors of the serving goroutine (default: discarded).
	Log *slog.Logger
	// Grace is how long Close lets requests in flight finish before cutting connections (default
	// DefaultGrace). Connections a client dialed but never used would otherwise hold a graceful
	// shutdown for seconds; an emulator has nothing to flush.
	Grace time.Duration
	// OnClose, when set, runs once in Close after the server has stopped, e.g. to stop webhook
	// delivery.
	OnClose func()

	mu     sync.Mutex // guards the fields below
	srv    *http.Server
	url    string
	served chan struct{} // closed when the serving goroutine returns
	done   chan struct{} // closed when Close begins
	closed bool

	closeOnce sync.Once
}

// Start listens on addr (e.g. "127.0.0.1:0"), serves h in the background and returns the base URL,
// e.g. "http://127.0.0.1:41234"; an unspecified host (":0", "0.0.0.0:0") is reported as 127.0.0.1.
func (l *Listener) Start(addr string, h http.Handler) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return "", errors.New("emulator: closed")
	case l.srv != nil:
		return "", errors.New("emulator: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("emulator: listening on %s: %w", addr, err)
	}
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		_ = ln.Close()
		return "", fmt.Errorf("emulator: reading listen address: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	log := l.Log
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && log != nil {
			log.Error("emulator server stopped", "error", err)
		}
	}()
	l.srv, l.served, l.url = srv, served, "http://"+net.JoinHostPort(host, port)
	return l.url, nil
}

// URL returns the base URL after Start, or "".
func (l *Listener) URL() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.url
}

// Done returns a channel closed when Close begins, so that waits inside handlers end with the server.
func (l *Listener) Done() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.doneLocked()
}

func (l *Listener) doneLocked() chan struct{} {
	if l.done == nil {
		l.done = make(chan struct{})
	}
	return l.done
}

// Close stops the server, cutting connections still open after the grace period, then runs
// OnClose. It is safe to call more than once and before Start; later calls return nil.
func (l *Listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		close(l.doneLocked())
		srv, served := l.srv, l.served
		l.mu.Unlock()
		if srv != nil {
			err = shutdown(srv, orDefault(l.Grace, DefaultGrace))
			<-served
		}
		if l.OnClose != nil {
			l.OnClose()
		}
	})
	return err
}

// shutdown stops srv gracefully within grace, then cuts what is left.
func shutdown(srv *http.Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if srv.Shutdown(ctx) == nil {
		return nil
	}
	if err := srv.Close(); err != nil {
		return fmt.Errorf("emulator: closing: %w", err)
	}
	return nil
}

// Sleep waits for d unless ctx ends or Close begins first; it reports whether it slept fully.
func (l *Listener) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-l.Done():
		return false
	}
}

// orDefault returns d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
