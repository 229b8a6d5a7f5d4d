package ratelimit

import (
	"sync"
	"time"
)

// maxDrift bounds how fast the database clock may drift from the local monotonic clock (500 ppm, the
// largest slew NTP applies); it ages the uncertainty of an old clock sample.
const maxDrift = 500e-6

// dbClock maps instants of the database clock onto this process's monotonic clock. Each sample is a
// database timestamp taken while a query ran; its local counterpart is the midpoint of the query's
// round trip, uncertain by half the round trip. The most certain sample wins, its uncertainty aged by
// maxDrift so that fresh samples eventually replace it, and a sample that contradicts it (the
// database clock was stepped) replaces it at once.
type dbClock struct {
	mu    sync.Mutex
	ok    bool
	db    time.Time     // a database instant
	local time.Time     // its local counterpart, with a monotonic reading
	unc   time.Duration // how far off local may be
}

// observe records that the database clock read db during a query sent at sent and answered at
// received (both local readings).
func (c *dbClock) observe(sent, received, db time.Time) {
	unc := received.Sub(sent) / 2
	mid := sent.Add(unc)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok {
		aged := c.unc + time.Duration(float64(mid.Sub(c.local))*maxDrift)
		predicted := c.local.Add(db.Sub(c.db))
		off := predicted.Sub(mid)
		if off < 0 {
			off = -off
		}
		if unc > aged && off <= unc+aged {
			return
		}
	}
	c.ok, c.db, c.local, c.unc = true, db, mid, unc
}

// toLocal returns the local instant matching the database instant db.
func (c *dbClock) toLocal(db time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local.Add(db.Sub(c.db))
}
