package consume

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces the retries of a failing delivery: the wait doubles with every delivery from Base up
// to Max, and a random half of it is jitter, so consumers that failed together do not retry together.
type Backoff struct {
	Base, Max time.Duration
}

// Delay is the wait after the given delivery (1 for the first) failed.
func (b Backoff) Delay(delivery int) time.Duration {
	base, most := b.Base, b.Max
	if base <= 0 {
		base = time.Second
	}
	if most < base {
		most = base
	}
	d := base
	for i := 1; i < delivery && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	half := d / 2
	return half + rand.N(d-half+1)
}
