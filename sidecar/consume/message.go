package consume

import "encoding/json"

// Message is one event on its way to a consumer: an outbox row handed out by sequin._take, with the
// event document consumers receive.
type Message struct {
	// Seq is the event's position in sequin.events.
	Seq int64
	// Token identifies this delivery: only its holder may settle the message.
	Token string
	// DeliverCount counts the deliveries so far, this one included.
	DeliverCount int
	// RecordKey is collection_id:upstream_id, the record the event is about.
	RecordKey string
	// SyncID and CollectionID say where the event comes from.
	SyncID, CollectionID string
	// Body is the event document (DESIGN.md's message format).
	Body json.RawMessage
}
