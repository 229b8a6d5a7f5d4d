package emulator

import (
	"testing"
)

// BenchmarkSeed10k measures building an emulator with 10,000 objects in each collection.
func BenchmarkSeed10k(b *testing.B) {
	for b.Loop() {
		s := New(Config{Seed: 10000, RandSeed: 42})
		if s.Count("customer") != 10000 {
			b.Fatal("wrong count")
		}
	}
}

// BenchmarkSeed10kNoEvents measures seeding without the creation events.
func BenchmarkSeed10kNoEvents(b *testing.B) {
	for b.Loop() {
		New(Config{Seed: 10000, RandSeed: 42, SkipSeedEvents: true})
	}
}

// BenchmarkGenerate measures generating and encoding one seeded object of every collection.
func BenchmarkGenerate(b *testing.B) {
	g := newSeeder(1, 1000, 1_700_000_000)
	for b.Loop() {
		for c := 0; c < numSeeded; c++ {
			encode(g.generate(c, 500))
		}
	}
}
