package ratelimit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A run reserved after the estimate of the database clock moved earlier maps onto the end of the run
// before it: it is queued one spacing after that run instead, so slots queued in one process never
// come closer than the spacing.
func TestRunsQueueOneSpacingApart(t *testing.T) {
	t.Parallel()
	const spacing = 26500 * time.Microsecond
	l := &limiter{}
	t0 := time.Now().Add(time.Second)
	require.Equal(t, t0, l.queueRun(t0, 4, spacing))
	// In database time the next run follows at once; the clock estimate moved 150 ms earlier.
	moved := t0.Add(4*spacing - 150*time.Millisecond)
	require.Equal(t, t0.Add(4*spacing), l.queueRun(moved, 4, spacing))
	require.Len(t, l.slots, 8)
	for i := 1; i < len(l.slots); i++ {
		require.Equal(t, spacing, l.slots[i].Sub(l.slots[i-1]), "slots %d and %d", i-1, i)
	}
	// A run that maps later than that keeps its place.
	later := l.slots[7].Add(time.Second)
	require.Equal(t, later, l.queueRun(later, 2, spacing))
}
