// Package status renders sequin.sync_status as a table for the command line.
package status

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/sqlapi"
)

// Row is one line of the status table.
type Row struct {
	SyncName, CollectionID, State, Health, Message string
	Records, BackfillRecords                       int64
	BackfillTotal                                  *int64
	Percent                                        *float64
	Lag                                            *time.Duration
}

// Load reads the status view.
func Load(ctx context.Context, q sqlapi.Querier) ([]Row, error) {
	rows, err := q.Query(ctx, `SELECT sync_name, collection_id, state, health, coalesce(health_message, ''), records,
		backfill_records, backfill_total, backfill_percent::float8, lag FROM sequin.sync_status ORDER BY sync_name, collection_id`)
	if err != nil {
		return nil, fmt.Errorf("reading sequin.sync_status: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Row, error) {
		var x Row
		err := r.Scan(&x.SyncName, &x.CollectionID, &x.State, &x.Health, &x.Message, &x.Records,
			&x.BackfillRecords, &x.BackfillTotal, &x.Percent, &x.Lag)
		return x, err
	})
}

// Print writes the status table, with a progress bar for each backfilling collection.
func Print(ctx context.Context, q sqlapi.Querier, w io.Writer) error {
	rows, err := Load(ctx, q)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "no syncs yet: SELECT sequin.create_sync(...)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SYNC\tCOLLECTION\tSTATE\tRECORDS\tPROGRESS\tLAG\tHEALTH")
	for _, r := range rows {
		lag := "-"
		if r.Lag != nil {
			lag = r.Lag.Round(100 * time.Millisecond).String()
		}
		health := r.Health
		if r.Message != "" {
			health += ": " + truncate(r.Message, 60)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.SyncName, r.CollectionID, r.State, r.Records, Bar(r), lag, health)
	}
	return tw.Flush()
}

// Bar renders backfill progress: a bar when the total is known, a count otherwise.
func Bar(r Row) string {
	const width = 20
	switch {
	case r.State == "live" || r.State == "paused" && r.Percent != nil && *r.Percent >= 100:
		return "[" + strings.Repeat("#", width) + "] 100%"
	case r.Percent != nil:
		n := int(*r.Percent / 100 * width)
		return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat(".", width-n), *r.Percent)
	default:
		return fmt.Sprintf("%d so far", r.BackfillRecords)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
