package stream

import (
	"fmt"
	"strconv"

	"github.com/jackc/pglogrepl"
)

// The columns of sequin.events the reader needs, in the order of eventColumns.
const (
	colSeq = iota
	colSyncID
	colCollectionID
	colUpstreamID
	numEventColumns
)

var eventColumns = [numEventColumns]string{"seq", "sync_id", "collection_id", "upstream_id"}

// event is one row inserted into sequin.events, decoded from the WAL: what the fan-out needs to route
// it. The document consumers receive is built from the row when it is delivered
// (sequin._event_message), so the outbox stays small and cheap to write.
type event struct {
	seq          int64
	syncID       string
	collectionID string
	upstreamID   string
	// subxid is the (sub)transaction that inserted the row, for in-progress transactions: the events
	// of an aborted subtransaction are dropped.
	subxid uint32
}

// recordKey identifies the record the event is about; a record's events are delivered in order.
func (e *event) recordKey() string { return e.collectionID + ":" + e.upstreamID }

// decodeEvent builds an event from an inserted tuple of sequin.events; idx maps eventColumns to the
// relation's column positions.
func decodeEvent(cols []*pglogrepl.TupleDataColumn, idx *[numEventColumns]int) (event, error) {
	var vals [numEventColumns]string
	for i, at := range idx {
		if at >= len(cols) {
			return event{}, fmt.Errorf("insert into sequin.events has %d columns, expected column %q at %d", len(cols), eventColumns[i], at)
		}
		c := cols[at]
		switch c.DataType {
		case pglogrepl.TupleDataTypeText:
			vals[i] = string(c.Data)
		case pglogrepl.TupleDataTypeNull:
			return event{}, fmt.Errorf("column %s of sequin.events is null", eventColumns[i])
		default:
			return event{}, fmt.Errorf("column %s of sequin.events arrived in format %q; expected text", eventColumns[i], c.DataType)
		}
	}
	seq, err := strconv.ParseInt(vals[colSeq], 10, 64)
	if err != nil {
		return event{}, fmt.Errorf("seq %q: %w", vals[colSeq], err)
	}
	return event{seq: seq, syncID: vals[colSyncID], collectionID: vals[colCollectionID], upstreamID: vals[colUpstreamID]}, nil
}
