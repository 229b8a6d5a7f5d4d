package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// results collects the rows of every benchmark of this run; TestMain prints them as one table.
var results = NewReport()

// outEnv names the file the results are written to as JSON (default results.json in this folder).
const outEnv = "SEQUIN_BENCH_OUT"

// strictEnv, set to 1, makes the run fail when a figure misses its target (for CI).
const strictEnv = "SEQUIN_BENCH_STRICT"

func TestMain(m *testing.M) {
	code := m.Run()
	if len(results.Rows()) > 0 {
		results.Order("backfill ingest, end to end", "stream", "rate-limit", "change lag", "sidecar", "backfill ingest", "idle")
		s := results.Summarize(time.Now())
		if err := s.WriteTable(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			code = 1
		}
		path := os.Getenv(outEnv)
		if path == "" {
			path = "results.json"
		}
		if err := s.WriteJSON(path); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			code = 1
		} else if abs, err := filepath.Abs(path); err == nil {
			fmt.Printf("results written to %s\n", abs)
		}
		if s.Failed > 0 && os.Getenv(strictEnv) == "1" && code == 0 {
			code = 1
		}
	}
	removeBinary()
	pgtest.Shutdown()
	os.Exit(code)
}
