// Package ratelimit paces the upstream requests of each credential against its budget
// (allowed_requests per interval, at most max_concurrent_requests in flight) across every sidecar
// that shares the database.
//
// # Rate
//
// The budget is enforced as evenly spaced slots, a generic cell rate algorithm without burst:
// consecutive slots of a credential are T apart, where T is interval/allowed_requests stretched by
// 6% (slotStretch). Any allowed_requests+1 slots therefore span the interval plus a margin of 6%, so
// no sliding window of the interval holds more than allowed_requests requests, even as the upstream
// server sees them, as long as requests are not delayed unevenly by more than that margin.
//
// The only shared state is one row per credential, sequin.rate_limits.next_slot_at, on the
// database clock. A sidecar reserves a run of k consecutive slots with one upsert that moves it to
// greatest(next_slot_at, clock_timestamp() + lead) + k·T, and hands the slots out locally, earliest
// first. k follows this process's demand over about 100 ms (batchSpan), so a busy sidecar makes
// about ten round trips a second per credential and an idle one wastes at most a slot or two; the
// lead (twice the usual round trip) keeps the first slot of a run from passing before the answer
// arrives. The caller that takes the last local slot reserves the next run while it waits, so that
// the pipeline does not stall on the database. Slots are turned into local monotonic times through
// an estimate of the database clock (clock.go), so the clocks of the sidecar hosts never matter. When
// that estimate moves earlier (a reading with a quicker round trip replaces a poor one, as on a busy
// host), a new run would map onto the end of the run before it; it is queued one spacing after it.
//
// A waiter that wakes up for its slot later than a quarter of the margin (lateTolerance) forfeits
// it and takes another: a late request could bunch up with later ones at the server. The other
// three quarters cover what happens after Acquire returns. Forfeited and unused slots are lost,
// never reused; the limiter errs towards sending fewer requests. With enough demand it sends up to
// 1/1.06 ≈ 94% of the budget.
//
// # Concurrency
//
// max_concurrent_requests is enforced with leases: sequin.rate_limit_leases holds that many rows
// per credential, and a request takes a free one (FOR UPDATE SKIP LOCKED) before its rate slot and
// gives it back when its response has been read. Leases expire after LeaseTTL unless renewed while
// the request is still running, so a sidecar that dies cannot keep them. A local semaphore of the
// same size comes first, so that one process does not poll the table for leases it cannot get. A
// waiter for a lease polls with a short backoff and is woken at once by a release in its own
// process.
//
// Both tables are UNLOGGED: they change on nearly every request, and such writes commit without
// waiting for a WAL flush. After a crash of the database they are empty again and are refilled.
package ratelimit
