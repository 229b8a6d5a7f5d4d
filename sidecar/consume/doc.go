// Package consume delivers the events the stream reader put in sequin.consumer_messages (the outbox,
// see package stream) to the consumers that are not pulled: webhook consumers get batches POSTed to
// their URL, signed with HMAC-SHA256, and Kafka consumers get one record per event, keyed
// collection_id:upstream_id so a record's events stay in one partition in order. It also serves the
// HTTP pull API of http_pull consumers (next, ack, nack), a thin layer over the SQL functions.
//
// Delivery is at least once. A batch is taken from the outbox with sequin._take, which leases its
// messages (they come back by themselves if the sidecar dies mid-delivery) and hands out at most one
// message per record at a time; a message leaves the outbox only after the endpoint answered 2xx or
// Kafka acknowledged the produce. A failed delivery is retried after an exponential backoff with
// jitter; once a message has used up its deliveries (the consumer's max_deliver, or config
// max_retries + 1) it is dead-lettered (sequin.consumer_dead_letters) and the record's next event goes
// out. The consumer's health says whether its endpoint is failing.
//
// Every sidecar runs the deliverers; leases and SKIP LOCKED let them share the work without handing
// one message to two of them.
//
// While a consumer's outbox is empty, the stream reader does not write its messages there at all:
// it hands them to Service.Deliver (stream.Direct), which sends them with the consumer's deliverer
// (its sink, batch size and health), up to max_in_flight webhook requests at once with each record in
// one lane, and reports what the endpoint did not take; the reader puts those in the outbox.
//
// HTTP pull consumers get the same treatment while their pullers call this process (PullAPI.Direct):
// the stream's batch is offered to them in memory, next hands it out and ack settles it, and when the
// batch closes (all acked, or the pullers idle) only what is left goes to the outbox, with its
// hand-out: its ack token, what is left of its lease, its deliveries, or dead-lettered. An ack of
// such a message waits until its outbox row is committed (Service.Settled).
package consume
