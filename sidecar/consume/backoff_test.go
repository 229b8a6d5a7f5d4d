package consume

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffGrowsWithJitterWithinBounds(t *testing.T) {
	t.Parallel()
	b := Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}
	for delivery, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond,
		5: 1600 * time.Millisecond, 6: 2 * time.Second, 50: 2 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := b.Delay(delivery)
			require.GreaterOrEqual(t, d, want/2, "delivery %d", delivery)
			require.LessOrEqual(t, d, want, "delivery %d", delivery)
			seen[d] = true
		}
		require.Greater(t, len(seen), 1, "delivery %d: the delay is jittered", delivery)
	}
	// Zero values still give a sane wait.
	d := Backoff{}.Delay(1)
	require.Positive(t, d)
	require.LessOrEqual(t, d, time.Second)
}
