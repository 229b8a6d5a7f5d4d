package extract

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers"
)

// discoveries caches the collections providers discovered, per sync (accounts differ).
type discoveries struct {
	mu sync.Mutex
	m  map[string]discovered
}

type discovered struct {
	coll *providers.Collection
	at   time.Time
}

// collection resolves a collection of a sync: a declared one from the registry, or one its provider
// discovers in the account. fresh reports a discovery made by this call, after which the caller
// brings the table's columns up to date.
func (e *Engine) collection(ctx context.Context, s *syncRow, id string) (coll *providers.Collection, fresh bool, err error) {
	if c, ok := e.Registry.Collection(id); ok {
		return c, false, nil
	}
	p, ok := e.Registry.Provider(s.Provider)
	if !ok {
		return nil, false, fmt.Errorf("provider %q is not known to this sidecar", s.Provider)
	}
	d, ok := p.(providers.CollectionDiscoverer)
	prov, name, _ := providers.SplitCollectionID(id)
	if !ok || prov != s.Provider || !providers.ValidCollectionName(name) {
		return nil, false, fmt.Errorf("collection %q is not known to this sidecar", id)
	}
	key := s.ID + "/" + id
	e.discovered.mu.Lock()
	hit, cached := e.discovered.m[key]
	e.discovered.mu.Unlock()
	if cached && time.Since(hit.at) < e.discoveryTTL() {
		return hit.coll, false, nil
	}
	_, sess, err := e.session(ctx, s)
	if err != nil {
		return nil, false, err
	}
	c, err := d.DiscoverCollection(ctx, sess, name)
	if err != nil && providers.IsNotFound(err) {
		err = &missingCollectionError{id: id, err: err}
	}
	if err != nil {
		if cached {
			// Keep syncing with what was known; the next call asks again.
			e.Logger.WarnContext(ctx, "rediscovering a collection failed", "sync_id", s.ID, "collection_id", id, "error", err)
			return hit.coll, false, nil
		}
		return nil, false, fmt.Errorf("discovering collection %s: %w", id, err)
	}
	if err := providers.ValidateCollection(s.Provider, c); err != nil {
		return nil, false, fmt.Errorf("discovered collection %s: %w", id, err)
	}
	e.discovered.mu.Lock()
	if e.discovered.m == nil {
		e.discovered.m = map[string]discovered{}
	}
	e.discovered.m[key] = discovered{coll: c, at: time.Now()}
	e.discovered.mu.Unlock()
	return c, true, nil
}

func (e *Engine) discoveryTTL() time.Duration {
	if e.DiscoveryTTL > 0 {
		return e.DiscoveryTTL
	}
	return 10 * time.Minute
}

// addDiscoveredColumns adds columns for the fields of a rediscovered collection to its existing table.
// A table in use by a long reader is not waited for: the columns come at the next discovery.
func (e *Engine) addDiscoveredColumns(ctx context.Context, t Target) {
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
			return err
		}
		return EnsureTable(ctx, tx, t)
	})
	if err != nil {
		e.Logger.WarnContext(ctx, "adding columns of a discovered collection failed", "table", t.QualifiedName(), "error", err)
		e.discovered.mu.Lock()
		delete(e.discovered.m, t.SyncID+"/"+t.Collection.ID)
		e.discovered.mu.Unlock()
	}
}

// missingCollectionError says the account has no collection by the name a sync asks for: the
// customer's to fix (a typo, a deleted object), shown on the sync's health.
type missingCollectionError struct {
	id  string
	err error
}

func (e *missingCollectionError) Error() string {
	return fmt.Sprintf("the account has no collection %s (%v)", e.id, e.err)
}

func (e *missingCollectionError) Unwrap() error { return e.err }
