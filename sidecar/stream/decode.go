package stream

import (
	"encoding/binary"
	"fmt"

	"github.com/jackc/pglogrepl"
)

// maxTxnBodyBytes bounds the event documents a transaction keeps in memory: past it, they are
// dropped and the transaction goes through the outbox, whose documents are built by SQL.
const maxTxnBodyBytes = 8 << 20

// txn is a committed transaction: its events, in WAL order, and where its commit record ends.
type txn struct {
	xid    uint32
	endLSN pglogrepl.LSN
	events []event
	// bodyBytes is the size of the events' documents; noBodies says they were dropped (or never built).
	bodyBytes int
	noBodies  bool
	// skipped says the transaction inserted events that were not decoded: there was no consumer
	// when its first one arrived.
	skipped bool
}

// addEvent appends an event, dropping the transaction's documents once they grow past
// maxTxnBodyBytes.
func (t *txn) addEvent(ev event) {
	if t.noBodies {
		ev.body = nil
	} else if ev.body == nil {
		t.dropBodies()
	} else if t.bodyBytes += len(ev.body); t.bodyBytes > maxTxnBodyBytes {
		ev.body = nil
		t.dropBodies()
	}
	t.events = append(t.events, ev)
}

// dropBodies forgets the documents of the transaction's events.
func (t *txn) dropBodies() {
	t.noBodies = true
	t.bodyBytes = 0
	for i := range t.events {
		t.events[i].body = nil
	}
}

// relation is a table announced by a Relation message.
type relation struct {
	namespace, name string
	// events is set for sequin.events, with the positions of the columns the reader needs.
	events bool
	idx    [numEventColumns]int
}

// decoder turns pgoutput protocol 2 messages into committed transactions. It keeps the relation
// cache, the open (not streamed) transaction, and the in-progress transactions the server streams
// before they commit.
type decoder struct {
	relations map[uint32]*relation
	// cur is the transaction between Begin and Commit.
	cur *txn
	// inStream is set between Stream Start and Stream Stop; streamXid is the transaction streamed.
	inStream  bool
	streamXid uint32
	// streams are the in-progress transactions received so far, by top-level xid.
	streams map[uint32]*txn
	// bodies says whether to build the events' documents (nil: never); it is asked at each
	// transaction's first event, so a transaction has documents for all its events or none.
	bodies func() bool
	// skip says whether events can be left undecoded, there being no consumer (nil: never); it is
	// asked at each transaction's first event too.
	skip func() bool
}

func newDecoder() *decoder {
	return &decoder{relations: map[uint32]*relation{}, streams: map[uint32]*txn{}}
}

// wantBodies reports whether the documents of t's events are to be built.
func (d *decoder) wantBodies(t *txn) bool {
	if t.noBodies {
		return false
	}
	if len(t.events) == 0 && (d.bodies == nil || !d.bodies()) {
		t.noBodies = true
		return false
	}
	return true
}

// idle reports whether no transaction is partly received.
func (d *decoder) idle() bool { return d.cur == nil && len(d.streams) == 0 && !d.inStream }

// handle decodes one message and returns the transaction it completes, if any.
func (d *decoder) handle(data []byte) (*txn, error) {
	if len(data) == 0 {
		return nil, nil
	}
	switch data[0] {
	case 'U', 'D', 'T', 'Y', 'O', 'M':
		// Updates, deletes, truncates, types, origins and messages: sequin.events is insert-only as
		// far as consumers are concerned.
		return nil, nil
	case 'I':
		if d.skipInsert(data) {
			return nil, nil
		}
		if err := checkInsert(data, d.inStream); err != nil {
			return nil, fmt.Errorf("decoding pgoutput insert: %w", err)
		}
	}
	msg, err := parseV2(data, d.inStream)
	if err != nil {
		return nil, fmt.Errorf("decoding pgoutput message %q: %w", data[0], err)
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessageV2:
		d.relations[m.RelationID] = newRelation(&m.RelationMessage)
	case *pglogrepl.BeginMessage:
		if d.cur != nil {
			return nil, fmt.Errorf("begin of transaction %d inside transaction %d", m.Xid, d.cur.xid)
		}
		d.cur = &txn{xid: m.Xid}
	case *pglogrepl.InsertMessageV2:
		rel, ok := d.relations[m.RelationID]
		if !ok {
			return nil, fmt.Errorf("insert into unknown relation %d", m.RelationID)
		}
		if !rel.events {
			return nil, nil
		}
		t, subxid, err := d.target(m.Xid)
		if err != nil {
			return nil, err
		}
		ev, err := decodeEvent(m.Tuple.Columns, &rel.idx, d.wantBodies(t))
		if err != nil {
			return nil, err
		}
		ev.subxid = subxid
		t.addEvent(ev)
	case *pglogrepl.CommitMessage:
		if d.cur == nil {
			return nil, fmt.Errorf("commit at %s outside a transaction", m.CommitLSN)
		}
		t := d.cur
		d.cur = nil
		t.endLSN = m.TransactionEndLSN
		return t, nil
	case *pglogrepl.StreamStartMessageV2:
		if d.inStream {
			return nil, fmt.Errorf("stream start of %d inside the stream of %d", m.Xid, d.streamXid)
		}
		d.inStream = true
		d.streamXid = m.Xid
		if _, ok := d.streams[m.Xid]; !ok {
			d.streams[m.Xid] = &txn{xid: m.Xid}
		}
	case *pglogrepl.StreamStopMessageV2:
		d.inStream = false
	case *pglogrepl.StreamAbortMessageV2:
		t, ok := d.streams[m.Xid]
		if !ok {
			return nil, nil
		}
		if m.SubXid == m.Xid || m.SubXid == 0 {
			delete(d.streams, m.Xid)
			return nil, nil
		}
		kept := t.events[:0]
		for _, ev := range t.events {
			if ev.subxid != m.SubXid {
				kept = append(kept, ev)
			} else {
				t.bodyBytes -= len(ev.body)
			}
		}
		for i := len(kept); i < len(t.events); i++ {
			t.events[i] = event{}
		}
		t.events = kept
	case *pglogrepl.StreamCommitMessageV2:
		t, ok := d.streams[m.Xid]
		if !ok {
			// Streamed without a change of ours (or the start was before our start position).
			t = &txn{xid: m.Xid}
		}
		delete(d.streams, m.Xid)
		t.endLSN = m.TransactionEndLSN
		return t, nil
	}
	return nil, nil
}

// skipInsert reports whether an Insert message is an event left undecoded: the first event of a
// transaction decides, while no consumer exists, that none of its events are decoded (the fan-out
// replays the transaction should a consumer turn out to want it). Other inserts are decoded as usual.
func (d *decoder) skipInsert(data []byte) bool {
	if d.skip == nil {
		return false
	}
	off := 1
	if d.inStream {
		off += 4 // xid
	}
	if len(data) < off+4 {
		return false
	}
	rel, ok := d.relations[binary.BigEndian.Uint32(data[off:])]
	if !ok || !rel.events {
		return false
	}
	var t *txn
	switch {
	case d.inStream:
		t = d.streams[d.streamXid]
	default:
		t = d.cur
	}
	if t == nil {
		return false // decoding reports the change outside a transaction
	}
	if !t.skipped && len(t.events) == 0 && d.skip() {
		t.skipped = true
	}
	return t.skipped
}

// target is the transaction a change belongs to: the open one, or the streamed one, with the
// subtransaction id the change carries.
func (d *decoder) target(xid uint32) (*txn, uint32, error) {
	if d.inStream {
		t := d.streams[d.streamXid]
		return t, xid, nil
	}
	if d.cur == nil {
		return nil, 0, fmt.Errorf("change outside a transaction")
	}
	return d.cur, 0, nil
}

func newRelation(m *pglogrepl.RelationMessage) *relation {
	r := &relation{namespace: m.Namespace, name: m.RelationName}
	if m.Namespace != "sequin" || m.RelationName != "events" {
		return r
	}
	pos := map[string]int{}
	for i, c := range m.Columns {
		pos[c.Name] = i
	}
	r.events = true
	for i, name := range eventColumns {
		at, ok := pos[name]
		if !ok {
			// Decoding reports a missing routing column; without a document column, events go
			// through the outbox.
			at = -1
		}
		r.idx[i] = at
	}
	return r
}

// parseV2 parses a pgoutput message. pglogrepl indexes past the end of some truncated messages; a
// corrupt message must end the session with an error, not the process.
func parseV2(data []byte, inStream bool) (msg pglogrepl.Message, err error) {
	defer func() {
		if p := recover(); p != nil {
			msg, err = nil, fmt.Errorf("malformed message (%d bytes): %v", len(data), p)
		}
	}()
	return pglogrepl.ParseV2(data, inStream)
}

// checkInsert checks the column lengths of an Insert message against its size before pglogrepl
// allocates them: a corrupt length must be an error, not a multi-gigabyte allocation.
func checkInsert(data []byte, inStream bool) error {
	off := 1 + 4 + 1 // type, relation id, 'N'
	if inStream {
		off += 4 // xid
	}
	if len(data) < off+2 {
		return fmt.Errorf("insert message of %d bytes is truncated", len(data))
	}
	ncols := int(binary.BigEndian.Uint16(data[off:]))
	off += 2
	for i := range ncols {
		if off >= len(data) {
			return fmt.Errorf("insert message truncated at column %d of %d", i, ncols)
		}
		kind := data[off]
		off++
		if kind != pglogrepl.TupleDataTypeText && kind != pglogrepl.TupleDataTypeBinary {
			continue
		}
		if off+4 > len(data) {
			return fmt.Errorf("insert message truncated at column %d of %d", i, ncols)
		}
		n := int(binary.BigEndian.Uint32(data[off:]))
		off += 4
		if n > len(data)-off {
			return fmt.Errorf("column %d claims %d bytes; %d remain", i, n, len(data)-off)
		}
		off += n
	}
	return nil
}
