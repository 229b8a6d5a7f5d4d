package stream

import (
	"fmt"
	"strconv"
	"strings"
)

// snapshot is a pg_snapshot: which transactions were visible when it was taken.
type snapshot struct {
	xmin, xmax uint64
	xip        map[uint64]struct{}
}

// parseSnapshot parses the text form of pg_snapshot, "xmin:xmax:xip1,xip2,...".
func parseSnapshot(s string) (*snapshot, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("malformed snapshot %q", s)
	}
	xmin, err1 := strconv.ParseUint(parts[0], 10, 64)
	xmax, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("malformed snapshot %q", s)
	}
	snap := &snapshot{xmin: xmin, xmax: xmax}
	if parts[2] != "" {
		snap.xip = map[uint64]struct{}{}
		for _, x := range strings.Split(parts[2], ",") {
			v, err := strconv.ParseUint(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("malformed snapshot %q", s)
			}
			snap.xip[v] = struct{}{}
		}
	}
	return snap, nil
}

// visible reports whether the committed transaction xid (full, 64-bit) was visible in the snapshot,
// as pg_visible_in_snapshot does.
func (s *snapshot) visible(xid uint64) bool {
	if xid < s.xmin {
		return true
	}
	if xid >= s.xmax {
		return false
	}
	_, running := s.xip[xid]
	return !running
}

// fullXid widens the 32-bit xid of a committed transaction to 64 bits, given the next full xid of a
// current snapshot: a committed xid is below next, so it is in next's epoch or the one before.
func fullXid(xid uint32, next uint64) uint64 {
	epoch := next >> 32
	if uint64(xid) >= next&0xffffffff && epoch > 0 {
		epoch--
	}
	return epoch<<32 | uint64(xid)
}
