package shopify

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The REST Admin API limits each app in each shop with a leaky bucket: every request adds one, the
// bucket leaks at a steady rate (2 a second on the standard plan, 4 on Advanced, 20 on Plus: a
// twentieth of the bucket's size), and a request that would overflow it is refused with a 429. Every
// answer reports the bucket's fill in X-Shopify-Shop-Api-Call-Limit ("32/40"). The engine's own
// budget (2 requests a second by default) keeps one sync below the leak rate, but the bucket is shared
// by everything using the same app in the shop (other syncs, the merchant's own scripts), so the
// transport also reads the header and, when the bucket is nearly full, spaces requests at the leak
// rate until it drains, instead of spending requests on 429s.

const (
	// callLimitHeader reports the bucket's fill after a request.
	callLimitHeader = "X-Shopify-Shop-Api-Call-Limit"
	// minLeakRate is the slowest leak of any plan, in requests per second.
	minLeakRate = 2
	// maxBucket bounds a capacity read from the header.
	maxBucket = 100000
)

// callLimit is the bucket's fill as one answer reported it.
type callLimit struct {
	used, capacity int
}

// parseCallLimit reads "<used>/<capacity>".
func parseCallLimit(v string) (callLimit, bool) {
	u, c, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return callLimit{}, false
	}
	used, err1 := strconv.Atoi(strings.TrimSpace(u))
	capacity, err2 := strconv.Atoi(strings.TrimSpace(c))
	if err1 != nil || err2 != nil || capacity <= 0 || capacity > maxBucket || used < 0 || used > capacity {
		return callLimit{}, false
	}
	return callLimit{used: used, capacity: capacity}, true
}

// leakRate is the bucket's leak in requests per second: a twentieth of its size, at least the
// standard plan's 2.
func (c callLimit) leakRate() float64 { return max(minLeakRate, float64(c.capacity)/20) }

// headroom is how many requests the pacer leaves free in the bucket for others: a tenth, at least one.
func (c callLimit) headroom() float64 { return max(1, float64(c.capacity)/10) }

// bucketPacer is a transport that follows the bucket's fill from the call-limit header and delays a
// request that would leave less than the headroom free.
type bucketPacer struct {
	base http.RoundTripper
	// now and sleep are replaceable in tests.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu sync.Mutex
	// limit is the last reported fill and capacity; capacity 0 means nothing was reported yet.
	limit callLimit
	// level is the estimated fill at time at, counting requests sent since the last report; at may be
	// in the future when requests are waiting for their turn.
	level float64
	at    time.Time
	// waiting counts requests delayed by reserve and not yet sent.
	waiting int
}

// newBucketPacer wraps base.
func newBucketPacer(base http.RoundTripper) *bucketPacer {
	return &bucketPacer{base: base, now: time.Now, sleep: sleepCtx}
}

// RoundTrip waits for room in the bucket, sends the request and reads the fill from the answer.
func (p *bucketPacer) RoundTrip(r *http.Request) (*http.Response, error) {
	if d := p.reserve(); d > 0 {
		err := p.sleep(r.Context(), d)
		p.mu.Lock()
		p.waiting--
		p.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	resp, err := p.base.RoundTrip(r)
	if err == nil {
		if cl, ok := parseCallLimit(resp.Header.Get(callLimitHeader)); ok {
			p.observe(cl)
		}
	}
	return resp, err
}

// reserve counts a request into the estimated fill and returns how long it must wait so that the
// bucket keeps its headroom. Waiting requests queue: each takes the next slot the leak frees.
func (p *bucketPacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limit.capacity == 0 {
		return 0
	}
	now, leak := p.now(), p.limit.leakRate()
	level := p.level - leak*now.Sub(p.at).Seconds() // above p.level when at is in the future
	level = max(level, 0)
	target := float64(p.limit.capacity) - p.limit.headroom()
	if level+1 <= target {
		p.level, p.at = level+1, now
		return 0
	}
	wait := time.Duration((level + 1 - target) / leak * float64(time.Second))
	p.level, p.at = target, now.Add(wait)
	p.waiting++
	return wait
}

// observe takes a reported fill as the truth about the bucket now: it counts every request Shopify
// saw, ours and others'. Requests still waiting for their turn are added, as Shopify has not seen them.
func (p *bucketPacer) observe(cl callLimit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit, p.level, p.at = cl, float64(cl.used+p.waiting), p.now()
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
