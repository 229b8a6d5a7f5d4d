package stream

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pglogrepl"
)

// The columns of sequin.events the reader reads, in the order of eventColumns: the first
// numRouteColumns route an event to its consumers and must be there; the others make the document
// consumers receive, built only when the reader delivers straight from the stream.
const (
	colSeq = iota
	colSyncID
	colCollectionID
	colUpstreamID
	numRouteColumns
)

const (
	colEventID = numRouteColumns + iota
	colUpstreamUpdatedAt
	colEvent
	colData
	colPreviousData
	colEventInsertedAt
	numEventColumns
)

var eventColumns = [numEventColumns]string{"seq", "sync_id", "collection_id", "upstream_id",
	"event_id", "upstream_updated_at", "event", "data", "previous_data", "event_inserted_at"}

// event is one row inserted into sequin.events, decoded from the WAL: what the fan-out needs to route
// it, and, when the reader delivers straight from the stream, the document consumers receive. Rows
// written to the outbox carry only the seq; their document is built from sequin.events when they are
// handed out (sequin._event_json), so the outbox stays small and cheap to write.
type event struct {
	seq          int64
	syncID       string
	collectionID string
	upstreamID   string
	// body is the event document (the same as sequin._event_json builds), or nil when it was not
	// built: not wanted, a column the document needs is missing, or a value has no message form.
	body []byte
	// subxid is the (sub)transaction that inserted the row, for in-progress transactions: the events
	// of an aborted subtransaction are dropped.
	subxid uint32
}

// recordKey identifies the record the event is about; a record's events are delivered in order.
func (e *event) recordKey() string { return e.collectionID + ":" + e.upstreamID }

// decodeEvent builds an event from an inserted tuple of sequin.events; idx maps eventColumns to the
// relation's column positions (-1: the relation has no such column). With withBody, the event's
// document is built too.
func decodeEvent(cols []*pglogrepl.TupleDataColumn, idx *[numEventColumns]int, withBody bool) (event, error) {
	var vals [numRouteColumns]string
	for i := range numRouteColumns {
		at := idx[i]
		if at < 0 || at >= len(cols) {
			return event{}, fmt.Errorf("insert into sequin.events has %d columns, expected column %q", len(cols), eventColumns[i])
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
	ev := event{seq: seq, syncID: vals[colSyncID], collectionID: vals[colCollectionID], upstreamID: vals[colUpstreamID]}
	if withBody {
		ev.body = eventBody(cols, idx, &ev)
	}
	return ev, nil
}

// eventBody builds the document of an event as sequin._event_json does (the same members, in the
// same order, with the same values), or returns nil when a column it needs is missing or a value
// has no form in the document here (a timestamp outside years 1 to 9999, say): such an event goes
// through the outbox, where SQL builds its document.
func eventBody(cols []*pglogrepl.TupleDataColumn, idx *[numEventColumns]int, ev *event) []byte {
	// text returns a column's value; null says it is NULL; ok is false when the column is missing
	// or not in text format.
	text := func(col int) (v []byte, null, ok bool) {
		at := idx[col]
		if at < 0 || at >= len(cols) {
			return nil, false, false
		}
		switch c := cols[at]; c.DataType {
		case pglogrepl.TupleDataTypeText:
			return c.Data, false, true
		case pglogrepl.TupleDataTypeNull:
			return nil, true, true
		default:
			return nil, false, false
		}
	}
	eventID, null, ok := text(colEventID)
	if !ok || null {
		return nil
	}
	kind, null, ok := text(colEvent)
	if !ok || null {
		return nil
	}
	data, null, ok := text(colData)
	if !ok || null {
		return nil
	}
	prev, prevNull, ok := text(colPreviousData)
	if !ok {
		return nil
	}
	updated, updatedNull, ok := text(colUpstreamUpdatedAt)
	if !ok {
		return nil
	}
	inserted, null, ok := text(colEventInsertedAt)
	if !ok || null {
		return nil
	}
	b := make([]byte, 0, 256+len(data)+len(prev)+len(ev.upstreamID))
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, ev.seq, 10)
	b = append(b, `,"event_id":`...)
	b = appendJSONString(b, eventID)
	b = append(b, `,"sync_id":`...)
	b = appendJSONString(b, []byte(ev.syncID))
	b = append(b, `,"collection_id":`...)
	b = appendJSONString(b, []byte(ev.collectionID))
	b = append(b, `,"upstream_id":`...)
	b = appendJSONString(b, []byte(ev.upstreamID))
	b = append(b, `,"upstream_updated_at":`...)
	if updatedNull {
		b = append(b, "null"...)
	} else if b, ok = appendMessageTime(b, updated); !ok {
		return nil
	}
	b = append(b, `,"event":`...)
	b = appendJSONString(b, kind)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	b = append(b, `,"previous_data":`...)
	if prevNull {
		b = append(b, "null"...)
	} else {
		b = append(b, prev...)
	}
	b = append(b, `,"event_inserted_at":`...)
	if b, ok = appendMessageTime(b, inserted); !ok {
		return nil
	}
	return append(b, '}')
}

// timestampLayouts read timestamptz values as the replication connection prints them (ISO
// DateStyle; the zone is UTC there, the others are for a server that ignores the setting).
var timestampLayouts = []string{"2006-01-02 15:04:05Z07", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05Z07:00:00"}

// appendMessageTime appends a timestamptz in the text form of the WAL as sequin._message_ts prints
// it: a JSON string, UTC, microseconds. ok is false for values it cannot print the same way.
func appendMessageTime(b, v []byte) ([]byte, bool) {
	s := string(v)
	for _, layout := range timestampLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		t = t.UTC()
		if y := t.Year(); y < 1 || y > 9999 {
			return b, false
		}
		b = append(b, '"')
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
		return append(b, '"'), true
	}
	return b, false
}

// appendJSONString appends s as a JSON string, escaped as PostgreSQL's json functions escape text.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i, c := range s {
		var esc string
		switch {
		case c == '"':
			esc = `\"`
		case c == '\\':
			esc = `\\`
		case c == '\b':
			esc = `\b`
		case c == '\f':
			esc = `\f`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c < 0x20:
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			start = i + 1
			continue
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
