package bench

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMeasuredComputesRatioAndStatus(t *testing.T) {
	t.Parallel()
	r := Measured("ingest", 30000, "records/s", 60000, "raw COPY", AtLeast(0.5), "")
	require.InDelta(t, 0.5, r.Ratio, 1e-9)
	require.Equal(t, StatusPass, r.Status, "the bound is included")

	r = Measured("ingest", 29000, "records/s", 60000, "raw COPY", AtLeast(0.5), "")
	require.Equal(t, StatusFail, r.Status)

	r = Measured("rate", 39, "req/s", 40, "allowed", Between(0.9, 1.0), "")
	require.Equal(t, StatusPass, r.Status)
	r = Measured("rate", 41, "req/s", 40, "allowed", Between(0.9, 1.0), "")
	require.Equal(t, StatusFail, r.Status, "above the budget")
	r = Measured("rate", 35, "req/s", 40, "allowed", Between(0.9, 1.0), "")
	require.Equal(t, StatusFail, r.Status, "too far below the budget")

	r = Measured("p99", 80, "ms", 0, "", Target{}, "")
	require.Equal(t, StatusInfo, r.Status, "no target")
	require.True(t, math.IsNaN(r.Ratio), "no baseline, no ratio")

	r = Measured("rss", 120, "MB", 0, "target", AtMost(1), "")
	require.Equal(t, StatusFail, r.Status, "a ratio that cannot be computed never passes")
}

func TestSummaryTableAndJSON(t *testing.T) {
	t.Parallel()
	rep := NewReport()
	rep.Add(
		Measured("backfill ingest, end to end", 31234.4, "records/s", 61000, "raw pgx COPY", AtLeast(0.5), "120,000 records"),
		Measured("lag p99, webhook mode", 1500, "ms", 1000, "target", AtMost(1), "40 changes"),
		Missing("stream delivery, kafka", StatusGap, "no stream service"),
	)
	s := rep.Summarize(rep.Started.Add(90 * time.Second))
	require.Equal(t, 1, s.Failed, "a FAIL counts, a gap does not")
	require.InDelta(t, 90, s.DurationSec, 1e-9)

	var out strings.Builder
	require.NoError(t, s.WriteTable(&out))
	text := out.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	var ingest string
	for _, l := range lines {
		if strings.HasPrefix(l, "backfill ingest") {
			ingest = l
		}
	}
	require.NotEmpty(t, ingest, text)
	for _, want := range []string{"31,234 records/s", "61,000 records/s (raw pgx COPY)", "0.51", "≥ 0.50", "pass", "120,000 records"} {
		require.Contains(t, ingest, want)
	}
	require.Regexp(t, `stream delivery, kafka\s+-\s+-\s+-\s+-\s+gap\s+no stream service`, text)
	require.Contains(t, text, "1 figure(s) missed their target")

	path := filepath.Join(t.TempDir(), "results.json")
	require.NoError(t, s.WriteJSON(path))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var back struct {
		Rows []struct {
			Name   string   `json:"name"`
			Ratio  *float64 `json:"ratio"`
			Status string   `json:"status"`
			Target Target   `json:"target"`
		} `json:"rows"`
		Failed int `json:"failed"`
	}
	require.NoError(t, json.Unmarshal(raw, &back), string(raw))
	require.Len(t, back.Rows, 3)
	require.NotNil(t, back.Rows[0].Ratio)
	require.InDelta(t, 31234.4/61000, *back.Rows[0].Ratio, 1e-9)
	require.Equal(t, 0.5, *back.Rows[0].Target.Min)
	require.Nil(t, back.Rows[2].Ratio, "a missing ratio is null, not NaN")
	require.Equal(t, "gap", back.Rows[2].Status)
	require.Equal(t, 1, back.Failed)
}

func TestOrderFollowsThePrefixes(t *testing.T) {
	t.Parallel()
	rep := NewReport()
	for _, n := range []string{"idle CPU", "lag p50", "other", "ingest", "lag p99"} {
		rep.Add(Row{Name: n})
	}
	rep.Order("ingest", "lag", "idle")
	var names []string
	for _, r := range rep.Rows() {
		names = append(names, r.Name)
	}
	require.Equal(t, []string{"ingest", "lag p50", "lag p99", "idle CPU", "other"}, names)
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	require.Equal(t, "1,234,568 records/s", FormatValue(1234567.8, "records/s"))
	require.Equal(t, "120 MB", FormatValue(120.4, "MB"))
	require.Equal(t, "42.5 ms", FormatValue(42.46, "ms"))
	require.Equal(t, "0.96", FormatValue(0.956, ""))
	require.Equal(t, "-1,500 ms", FormatValue(-1500, "ms"))
	require.Equal(t, "?", FormatValue(math.NaN(), ""))
}

func TestTargetString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "≥ 0.50", AtLeast(0.5).String())
	require.Equal(t, "≤ 1.00", AtMost(1).String())
	require.Equal(t, "0.90–1.00", Between(0.9, 1).String())
	require.Equal(t, "-", Target{}.String())
	require.False(t, Target{}.Set())
}
