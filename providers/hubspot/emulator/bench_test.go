package emulator_test

import (
	"testing"

	"github.com/sequinsync/sequin/providers/hubspot/emulator"
)

// BenchmarkSeed measures seeding an emulator with 10,000 objects per collection, the size
// `sequin emulator hubspot --seed` is used with for backfill benchmarks.
func BenchmarkSeed(b *testing.B) {
	for b.Loop() {
		srv := emulator.New(emulator.Config{Seed: 10_000})
		if srv.Count("contacts") != 10_000 {
			b.Fatal("seeding fell short")
		}
	}
}
