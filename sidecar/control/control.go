// Package control listens for the notifications the SQL functions send on sequin_control and hands
// them to the sidecar, and reconciles everything on start and periodically, since notifications sent
// while no sidecar listens are lost.
package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/sqlapi"
)

// Notification is one message from the SQL functions.
type Notification struct {
	// Kind says what happened: credential_created, sync_created, sync_paused, ...
	Kind string `json:"kind"`
	// ID is the row concerned.
	ID string `json:"id"`
	// Raw is the whole payload.
	Raw json.RawMessage `json:"-"`
}

// Handler reacts to control events. Reconcile must bring everything up to date from the tables alone.
type Handler interface {
	HandleNotification(ctx context.Context, n Notification) error
	Reconcile(ctx context.Context) error
}

// Loop is the control loop service.
type Loop struct {
	Pool    *pgxpool.Pool
	Handler Handler
	Logger  *slog.Logger
	// ReconcileEvery is the period of the safety-net reconcile (default 30s).
	ReconcileEvery time.Duration
	// Listening, when set, is closed once LISTEN is in place (tests wait on it instead of sleeping).
	Listening chan struct{}
}

// Run listens until ctx ends, reconnecting after connection failures. It reconciles first, and after
// every reconnect, since notifications may have been missed meanwhile.
func (l *Loop) Run(ctx context.Context) error {
	every := l.ReconcileEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := l.session(ctx, every, &first)
		if ctx.Err() != nil {
			return nil
		}
		l.Logger.WarnContext(ctx, "control loop connection lost; reconnecting", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
	return nil
}

func (l *Loop) session(ctx context.Context, every time.Duration, first *bool) error {
	pooled, err := l.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTEN connection must not go back to the pool still listening: take it out of the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+sqlapi.ControlChannel); err != nil {
		return fmt.Errorf("LISTEN: %w", err)
	}
	if *first && l.Listening != nil {
		close(l.Listening)
	}
	*first = false
	l.reconcile(ctx)
	next := time.Now().Add(every)
	for {
		wctx, cancel := context.WithDeadline(ctx, next)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				l.reconcile(ctx)
				next = time.Now().Add(every)
				continue
			}
			return err
		}
		l.dispatch(ctx, n.Payload)
	}
}

func (l *Loop) reconcile(ctx context.Context) {
	if err := l.Handler.Reconcile(ctx); err != nil && ctx.Err() == nil {
		l.Logger.ErrorContext(ctx, "reconcile failed", "error", err)
	}
}

func (l *Loop) dispatch(ctx context.Context, payload string) {
	var n Notification
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		l.Logger.WarnContext(ctx, "ignoring malformed control notification", "payload", payload, "error", err)
		return
	}
	n.Raw = json.RawMessage(payload)
	l.Logger.InfoContext(ctx, "control notification", "kind", n.Kind, "id", n.ID)
	if err := l.Handler.HandleNotification(ctx, n); err != nil && ctx.Err() == nil {
		l.Logger.ErrorContext(ctx, "handling control notification failed", "kind", n.Kind, "id", n.ID, "error", err)
	}
}

// Payload decodes the notification payload into v.
func (n Notification) Payload(v any) error { return json.Unmarshal(n.Raw, v) }
