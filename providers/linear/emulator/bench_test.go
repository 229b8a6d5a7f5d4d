package emulator_test

import (
	"testing"

	"github.com/sequinsync/sequin/providers/linear/emulator"
)

// BenchmarkSeed measures seeding an emulator with 10,000 entities per collection, the size
// `sequin emulator linear --seed` is used with for backfill benchmarks.
func BenchmarkSeed(b *testing.B) {
	for b.Loop() {
		if srv := emulator.New(emulator.Config{Seed: 10_000}); srv.Count("issues") != 10_000 {
			b.Fatal("seeding fell short")
		}
	}
}

// BenchmarkIssuePage measures serving one page of 50 issues with a sync's selection, in process.
func BenchmarkIssuePage(b *testing.B) {
	srv := emulator.New(emulator.Config{Seed: 10_000})
	const q = `query($after: String) { issues(first: 50, after: $after, orderBy: createdAt) { nodes { id identifier title description
		priority estimate url createdAt updatedAt archivedAt team { id key } state { id name type } assignee { id } }
		pageInfo { hasNextPage endCursor } } }`
	for b.Loop() {
		if _, err := srv.Query(q, nil); err != nil {
			b.Fatal(err)
		}
	}
}
