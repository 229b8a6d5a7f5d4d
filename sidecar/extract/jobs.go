package extract

import (
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Queue is the River queue extraction jobs run on.
const Queue = river.QueueDefault

// uniqueWhileLive makes a job unique by its arguments among jobs that are not finished, so reconciles
// and notifications can insert freely without ever running two copies of one chain.
var uniqueWhileLive = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	},
}

// BackfillArgs backfills one collection of a sync. Generation changes on resync, so a stale chain
// notices and stops.
type BackfillArgs struct {
	SyncID       string `json:"sync_id" river:"unique"`
	CollectionID string `json:"collection_id" river:"unique"`
	Generation   int    `json:"generation" river:"unique"`
}

// Kind is the River job kind.
func (BackfillArgs) Kind() string { return "sequin.backfill" }

// InsertOpts makes the job unique per (sync, collection, generation) while it is live.
func (BackfillArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1000, UniqueOpts: uniqueWhileLive}
}

// PollArgs polls one collection of a sync for changes; the job snoozes itself between polls, so one
// job row per collection lives for as long as the sync does.
type PollArgs struct {
	SyncID       string `json:"sync_id" river:"unique"`
	CollectionID string `json:"collection_id" river:"unique"`
}

// Kind is the River job kind.
func (PollArgs) Kind() string { return "sequin.poll" }

// InsertOpts makes the job unique per (sync, collection) while it is live.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 1000, UniqueOpts: uniqueWhileLive}
}

// RefetchArgs re-fetches objects a webhook named and merges them.
type RefetchArgs struct {
	SyncID       string   `json:"sync_id"`
	CollectionID string   `json:"collection_id"`
	UpstreamIDs  []string `json:"upstream_ids"`
}

// Kind is the River job kind.
func (RefetchArgs) Kind() string { return "sequin.refetch" }

// InsertOpts sets the queue and retries.
func (RefetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 10}
}

// RetentionArgs deletes events past the retention period.
type RetentionArgs struct{}

// Kind is the River job kind.
func (RetentionArgs) Kind() string { return "sequin.event_retention" }
