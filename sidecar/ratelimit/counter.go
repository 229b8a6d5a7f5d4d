package ratelimit

import "time"

// counter counts events in a ring of fixed-width time buckets, for sums over a recent span. Memory
// stays constant whatever the rate.
type counter struct {
	base   time.Time // local origin of bucket 0, with a monotonic reading
	width  time.Duration
	counts []int
	index  []int64 // the bucket number each count belongs to
}

func newCounter(span time.Duration, buckets int) *counter {
	width := max(span/time.Duration(buckets), time.Millisecond)
	return &counter{
		base:   time.Now(),
		width:  width,
		counts: make([]int, buckets+1),
		index:  make([]int64, buckets+1),
	}
}

func (c *counter) bucket(t time.Time) int64 {
	return int64(t.Sub(c.base) / c.width)
}

// add counts one event at t.
func (c *counter) add(t time.Time) {
	b := c.bucket(t)
	i := int(b % int64(len(c.counts)))
	if c.index[i] != b {
		c.index[i], c.counts[i] = b, 0
	}
	c.counts[i]++
}

// sum returns the events counted in the buckets overlapping (t-span, t], up to the ring's length.
func (c *counter) sum(t time.Time, span time.Duration) int {
	last := c.bucket(t)
	first := c.bucket(t.Add(-span)) + 1
	if span < c.width {
		first = last
	}
	total := 0
	for i, b := range c.index {
		if b >= first && b <= last {
			total += c.counts[i]
		}
	}
	return total
}
