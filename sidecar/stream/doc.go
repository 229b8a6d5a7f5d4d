// Package stream reads sequin.events from the WAL and hands every event to the consumers that want it.
//
// A Reader holds a persistent logical replication slot (default "sequin_events") on the publication
// sequin_events and decodes its pgoutput stream (protocol 2, with in-progress transactions streamed)
// with pglogrepl. For each replicated commit (or batch of commits) it writes one row per interested
// consumer into sequin.consumer_messages, in one transaction, and only then confirms the commit's LSN
// to the server. That table is the outbox every kind of consumer can be delivered from: HTTP pull
// consumers read it with sequin.next, and the webhook and Kafka deliverers of package consume work
// through it. A row names its event by seq (with the record key and sync the order and filters need);
// the document is built from sequin.events when it is handed out, so the outbox stays small.
//
// Webhook and Kafka consumers, and HTTP pull consumers whose pullers call the sidecar, skip the
// outbox while they have nothing waiting in it: within the batch's transaction the reader hands their
// messages to Direct (the sidecar's deliverers and pull API), built from the decoded rows, and writes
// to the outbox only the messages the consumer did not take (with those deliveries counted, and a
// pulled message's ack token) and the later messages of their records. Anything in a consumer's outbox
// keeps the consumer on the outbox until it is drained, so a record's events never overtake each
// other. A healthy endpoint thus costs Postgres nothing per message, and a failing one costs what
// the outbox costs.
//
// A slot has one reader: of the sidecars sharing a database, the one holding an advisory lock per
// slot streams, the others stand by and take over when its connection goes away.
//
// Why an outbox rather than confirming the LSN once every endpoint has acknowledged: a slot has one
// confirmed position for all consumers, so a webhook endpoint that is down for a day would pin a day
// of WAL for everyone, and one slow Kafka cluster would hold every HTTP puller back. Once a commit's
// messages are committed in sequin.consumer_messages, each consumer has them durably; the slot
// advances at the speed of the fastest path (decode and insert), and every consumer drains, retries
// and dead-letters at its own pace.
//
// Delivery guarantees:
//   - Nothing is lost: the LSN of a commit is confirmed after its messages are committed (or
//     delivered directly within that transaction), so a crash of the reader or of Postgres replays
//     the commit; a batch delivered directly whose transaction did not commit is sent again. The end LSN of the last fanned-out commit is
//     kept in sequin.stream_positions in the same transaction, so a replayed commit is skipped rather
//     than fanned out twice.
//   - A consumer created with start_at 'all' gets a copy of the retained events at creation; the
//     snapshot of that copy is stored with the consumer, and the reader fans out exactly the
//     transactions not visible in it (compared by transaction id), so the copy and the stream neither
//     overlap nor leave a gap. start_at 'new' skips the transactions visible in that snapshot.
//     create_consumer and the fan-out serialise on an advisory lock, so a batch written without a
//     new consumer only holds transactions its snapshot already covers.
//   - When the slot is created (first start, or after it was dropped), the events committed before
//     it are fanned out from the table using the slot's exported snapshot, so consumers created
//     before the first start miss nothing. Transactions that wrote events in a subtransaction while a
//     consumer was being created are compared by their subtransaction id in that one catch-up, which
//     can skip them; the replicated path compares top-level ids and is exact.
//   - When idle (nothing decoded and unwritten), the reader confirms the WAL end reported by the
//     server's keepalives, so the slot does not hold WAL back while sequin.events is quiet.
//
// While no consumer exists, a transaction's events are not decoded at all, only noted. Should a
// consumer created before the transaction committed turn up when it is fanned out, the session
// restarts from the last confirmed commit and decodes it. After DormantAfter with no consumer (at
// once when a session starts without one, without creating the slot if there is none yet), the
// reader closes the replication connection and goes dormant: the server then decodes nothing, and
// the reader advances the slot itself, behind a check that any consumer created later sees every
// transaction passed over (see dormant.go). It streams again as soon as a consumer exists. Batches
// say whether consumers are left; while no events come, the reader looks every DormantAfter.
//
// Transactions are held in memory until their commit arrives (streamed ones too, so an aborted
// subtransaction's events can be dropped): about a hundred bytes per event, plus the event's document
// while some consumer may be delivered to directly (at most 8 MB of documents per transaction and
// 32 MB waiting to be written; past that, they go through the outbox).
//
// The publication sequin_records, over every synced table, is for native subscribers;
// SyncRecordsPublication keeps it in step with the syncs. The sidecar calls it when the engine creates
// tables, and the leading reader every PublicationRefresh (for dropped syncs).
package stream
