// Package bench measures sequin against the performance targets of its design: backfill ingest,
// stream delivery, rate-limit accuracy, change lag, memory through a large backfill and idle CPU
// with many syncs. Each figure is measured in the same run as its baseline and reported as a ratio,
// so that runs on different machines compare.
//
// The benchmarks are in the _test.go files and run with `make bench`; this package holds what they
// share: the report (one table, also written as JSON), statistics and /proc sampling.
// BENCHMARKS.md at the repository root records the latest figures.
package bench
