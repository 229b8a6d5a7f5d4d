package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQuantileIsAnObservedSample(t *testing.T) {
	t.Parallel()
	var s []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, Quantile(s, 0.5))
	require.Equal(t, 99*time.Millisecond, Quantile(s, 0.99))
	require.Equal(t, 100*time.Millisecond, Quantile(s, 1))
	require.Equal(t, time.Millisecond, Quantile(s, 0))
	require.Equal(t, 100*time.Millisecond, s[0], "the caller's slice is not reordered")

	require.Equal(t, 7*time.Millisecond, Quantile([]time.Duration{7 * time.Millisecond}, 0.99))
	require.Zero(t, Quantile[time.Duration](nil, 0.5))
	require.Equal(t, 2.5, Quantile([]float64{3.5, 1, 2.5}, 0.5), "the median of three rates")
	// Nearest rank on a small set: p50 of four samples is the second.
	require.Equal(t, 2*time.Second, Quantile([]time.Duration{4 * time.Second, time.Second, 3 * time.Second, 2 * time.Second}, 0.5))
}

func TestMaxInWindowFindsTheBusiestWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	at := func(ms ...int) []time.Time {
		var out []time.Time
		for _, m := range ms {
			out = append(out, t0.Add(time.Duration(m)*time.Millisecond))
		}
		return out
	}
	// Evenly spaced 100 ms apart: ten per second, never eleven.
	even := at(0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200)
	require.Equal(t, 10, MaxInWindow(even, time.Second))
	// A burst late in the log, given out of order.
	burst := at(5000, 0, 4990, 4995, 2000, 5001)
	require.Equal(t, 4, MaxInWindow(burst, 20*time.Millisecond))
	// The window is half-open: requests exactly w apart are in different windows.
	require.Equal(t, 1, MaxInWindow(at(0, 1000, 2000), time.Second))
	require.Zero(t, MaxInWindow(nil, time.Second))
}

func TestCountBetweenIsHalfOpen(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	times := []time.Time{t0.Add(-time.Millisecond), t0, t0.Add(time.Second - time.Nanosecond), t0.Add(time.Second)}
	require.Equal(t, 2, CountBetween(times, t0, t0.Add(time.Second)))
}
