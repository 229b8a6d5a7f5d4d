package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Status says how a row compares with its target.
type Status string

// The statuses of a row: only StatusFail and StatusError mean a target was missed or not measured
// because of a failure.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "FAIL"
	StatusInfo  Status = "info"  // no target: context for the other rows
	StatusGap   Status = "gap"   // not measured, for a reason given in the note
	StatusError Status = "error" // the benchmark failed before measuring
)

// Target is the accepted range of a row's ratio; an unset bound is open.
type Target struct {
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// AtLeast accepts ratios of at least v.
func AtLeast(v float64) Target { return Target{Min: &v} }

// AtMost accepts ratios of at most v.
func AtMost(v float64) Target { return Target{Max: &v} }

// Between accepts ratios from lo to hi, both included.
func Between(lo, hi float64) Target { return Target{Min: &lo, Max: &hi} }

// Set reports whether the target has a bound at all.
func (t Target) Set() bool { return t.Min != nil || t.Max != nil }

// Met reports whether ratio is within the target.
func (t Target) Met(ratio float64) bool {
	if math.IsNaN(ratio) {
		return false
	}
	if t.Min != nil && ratio < *t.Min {
		return false
	}
	if t.Max != nil && ratio > *t.Max {
		return false
	}
	return true
}

func (t Target) String() string {
	switch {
	case t.Min != nil && t.Max != nil:
		return fmt.Sprintf("%.2f–%.2f", *t.Min, *t.Max)
	case t.Min != nil:
		return fmt.Sprintf("≥ %.2f", *t.Min)
	case t.Max != nil:
		return fmt.Sprintf("≤ %.2f", *t.Max)
	}
	return "-"
}

// Row is one figure: a value, the baseline it was measured against in the same run, their ratio
// and the target that ratio must meet.
type Row struct {
	// Name says what was measured, e.g. "backfill ingest, end to end".
	Name string `json:"name"`
	// Value is the measured figure, in Unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Baseline is what Value is compared with, in the same unit, and BaselineName says what it is.
	Baseline     float64 `json:"baseline"`
	BaselineName string  `json:"baseline_name"`
	// Ratio is Value/Baseline.
	Ratio  float64 `json:"ratio"`
	Target Target  `json:"target"`
	Status Status  `json:"status"`
	// Note gives the conditions of the measurement (sizes, samples) or why it is missing.
	Note string `json:"note,omitempty"`
}

// Measured builds a row from a value and its baseline, computing the ratio and the status.
func Measured(name string, value float64, unit string, baseline float64, baselineName string, target Target, note string) Row {
	r := Row{Name: name, Value: value, Unit: unit, Baseline: baseline, BaselineName: baselineName, Target: target, Note: note}
	r.Ratio = math.NaN()
	if baseline != 0 {
		r.Ratio = value / baseline
	}
	switch {
	case !target.Set():
		r.Status = StatusInfo
	case target.Met(r.Ratio):
		r.Status = StatusPass
	default:
		r.Status = StatusFail
	}
	return r
}

// Missing builds a row for a figure that was not measured, with the reason.
func Missing(name string, status Status, reason string) Row {
	return Row{Name: name, Ratio: math.NaN(), Status: status, Note: reason}
}

// MarshalJSON writes a ratio that could not be computed as null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	var ratio *float64
	if !math.IsNaN(r.Ratio) && !math.IsInf(r.Ratio, 0) {
		ratio = &r.Ratio
	}
	return json.Marshal(struct {
		plain
		Ratio *float64 `json:"ratio"`
	}{plain(r), ratio})
}

// Report collects the rows of one run, in the order they were added.
type Report struct {
	mu   sync.Mutex
	rows []Row
	// Started is when the run began; load averages are read at Start and at the end.
	Started   time.Time
	loadStart string
}

// NewReport starts a report, noting the machine's load so that noisy runs can be told apart.
func NewReport() *Report {
	return &Report{Started: time.Now(), loadStart: loadAverage()}
}

// Add appends rows.
func (r *Report) Add(rows ...Row) {
	r.mu.Lock()
	r.rows = append(r.rows, rows...)
	r.mu.Unlock()
}

// Rows returns a copy of the rows.
func (r *Report) Rows() []Row {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Row(nil), r.rows...)
}

// Order sorts the rows by the first of prefixes their name starts with, keeping the order of
// addition among equals and putting rows matching none last: benchmarks run in file order, the
// table follows the order a reader expects.
func (r *Report) Order(prefixes ...string) {
	rank := func(name string) int {
		for i, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return i
			}
		}
		return len(prefixes)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.SliceStable(r.rows, func(i, j int) bool { return rank(r.rows[i].Name) < rank(r.rows[j].Name) })
}

// Summary is the report as written to JSON.
type Summary struct {
	Started     time.Time `json:"started"`
	DurationSec float64   `json:"duration_seconds"`
	GoVersion   string    `json:"go_version"`
	Platform    string    `json:"platform"`
	CPUs        int       `json:"cpus"`
	// LoadStart and LoadEnd are /proc/loadavg at the start and the end: other work on the machine
	// makes the figures noisy.
	LoadStart string `json:"load_start"`
	LoadEnd   string `json:"load_end"`
	Rows      []Row  `json:"rows"`
	// Failed counts rows whose status is FAIL or error.
	Failed int `json:"failed"`
}

// Summarize freezes the report at now.
func (r *Report) Summarize(now time.Time) Summary {
	rows := r.Rows()
	s := Summary{Started: r.Started, DurationSec: now.Sub(r.Started).Seconds(), GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), LoadStart: r.loadStart,
		LoadEnd: loadAverage(), Rows: rows}
	for _, row := range rows {
		if row.Status == StatusFail || row.Status == StatusError {
			s.Failed++
		}
	}
	return s
}

// WriteTable prints the summary as one aligned table with the run's conditions above it.
func (s Summary) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nsequin benchmarks: %s, %s, %d CPUs, %.0f s, load average %s at start, %s at end\n\n",
		s.GoVersion, s.Platform, s.CPUs, s.DurationSec, orDash(s.LoadStart), orDash(s.LoadEnd))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\tbaseline\tratio\ttarget\tresult\tconditions")
	for _, r := range s.Rows {
		value, baseline, ratio := "-", "-", "-"
		if r.Status != StatusGap && r.Status != StatusError {
			value = FormatValue(r.Value, r.Unit)
			if r.Baseline != 0 || r.BaselineName != "" {
				baseline = FormatValue(r.Baseline, r.Unit)
			}
			if r.BaselineName != "" {
				baseline += " (" + r.BaselineName + ")"
			}
			if !math.IsNaN(r.Ratio) {
				ratio = fmt.Sprintf("%.2f", r.Ratio)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, value, baseline, ratio, r.Target, r.Status, r.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, "\n%d figure(s) missed their target or failed\n", s.Failed)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the summary to path, indented.
func (s Summary) WriteJSON(path string) error {
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// FormatValue renders v in unit with the precision a reader needs: whole numbers with thousands
// separators from 100 up, two significant decimals below.
func FormatValue(v float64, unit string) string {
	var num string
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		num = "?"
	case a >= 100:
		num = thousands(int64(math.Round(v)))
	case a >= 10:
		num = fmt.Sprintf("%.1f", v)
	default:
		num = fmt.Sprintf("%.2f", v)
	}
	if unit == "" {
		return num
	}
	return num + " " + unit
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
