package bench

import (
	"math"
	"slices"
	"time"
)

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of samples by the nearest-rank method, so that the
// figure is one that was actually observed; it returns 0 for no samples.
func Quantile[T time.Duration | float64](samples []T, q float64) T {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	rank := int(math.Ceil(q * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

// MaxInWindow returns the largest number of the times that fall in any half-open window [t, t+w):
// how far a request log ever went above a sliding-window budget. The times need not be sorted.
func MaxInWindow(times []time.Time, w time.Duration) int {
	s := slices.Clone(times)
	slices.SortFunc(s, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range s {
		for j < len(s) && s[j].Sub(s[i]) < w {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// CountBetween counts the times in [from, to).
func CountBetween(times []time.Time, from, to time.Time) int {
	n := 0
	for _, t := range times {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}
