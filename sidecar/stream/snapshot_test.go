package stream

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSnapshotVisibility(t *testing.T) {
	t.Parallel()
	s, err := parseSnapshot("100:110:102,105")
	require.NoError(t, err)
	for xid, want := range map[uint64]bool{99: true, 100: true, 102: false, 104: true, 105: false, 109: true, 110: false, 200: false} {
		require.Equal(t, want, s.visible(xid), "xid %d", xid)
	}
	empty, err := parseSnapshot("7:7:")
	require.NoError(t, err)
	require.True(t, empty.visible(6))
	require.False(t, empty.visible(7))

	for _, bad := range []string{"", "1:2", "a:2:", "1:b:", "1:2:x", "1:2:3,", "1:2:3:4"} {
		_, err := parseSnapshot(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestFullXid(t *testing.T) {
	t.Parallel()
	// Epoch 0: xids are their own full value.
	require.Equal(t, uint64(500), fullXid(500, 1000))
	// Epoch 3, counter at 1000: xids below it are of epoch 3, those above wrapped from epoch 2.
	next := uint64(3)<<32 | 1000
	require.Equal(t, uint64(3)<<32|999, fullXid(999, next))
	require.Equal(t, uint64(2)<<32|4000000000, fullXid(4000000000, next))
}

func FuzzParseSnapshot(f *testing.F) {
	for _, s := range []string{"100:110:102,105", "7:7:", "1:2:3,", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		snap, err := parseSnapshot(s)
		if err != nil {
			return
		}
		// What parses answers visibility without panicking, and xids below xmin are visible.
		if snap.xmin > 0 {
			require.True(t, snap.visible(snap.xmin-1))
		}
		_ = snap.visible(snap.xmax)
	})
}
