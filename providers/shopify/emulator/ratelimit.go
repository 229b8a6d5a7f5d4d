package emulator

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// bucket is Shopify's leaky bucket: every request adds one, the bucket leaks at a steady rate, and a
// request that would overflow it is refused with a 429. Refused requests add nothing.
type bucket struct {
	mu       sync.Mutex
	enforce  bool
	capacity float64
	perSec   float64
	level    float64
	last     time.Time
}

// newBucket builds a bucket leaking limit requests per window; size overrides its capacity. A zero
// limit never refuses but still reports Shopify's standard bucket (40, leaking 2 per second) in the
// call-limit header.
func newBucket(limit int, window time.Duration, size int) *bucket {
	b := &bucket{enforce: limit > 0, capacity: 40, perSec: 2}
	if limit > 0 {
		b.capacity = float64(limit)
		b.perSec = float64(limit) / window.Seconds()
	}
	if size > 0 {
		b.capacity = float64(size)
	}
	return b
}

// take admits a request arriving at now, or says how long until one would be admitted. used is the
// bucket's fill after the request, as X-Shopify-Shop-Api-Call-Limit reports it.
func (b *bucket) take(now time.Time) (used, capacity int, wait time.Duration, admitted bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.level = math.Max(0, b.level-now.Sub(b.last).Seconds()*b.perSec)
	}
	b.last = now
	capacity = int(b.capacity)
	if b.level+1 > b.capacity {
		if b.enforce {
			wait = time.Duration((b.level + 1 - b.capacity) / b.perSec * float64(time.Second))
			return int(math.Ceil(b.level)), capacity, wait, false
		}
		b.level = b.capacity - 1
	}
	b.level++
	return int(math.Ceil(b.level)), capacity, 0, true
}

// formatSeconds renders a Retry-After the way Shopify does ("2.0"), rounded up to a tenth.
func formatSeconds(d time.Duration) string {
	tenths := int64(math.Ceil(d.Seconds() * 10))
	tenths = max(tenths, 1)
	return strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10)
}
