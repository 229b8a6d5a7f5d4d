package stream

import (
	"testing"
)

// The decoder reports malformed pgoutput messages as errors; it never panics.
func FuzzDecoder(f *testing.F) {
	for _, s := range [][]byte{
		[]byte("B\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07"),
		[]byte("R\x00\x00\x00\x10sequin\x00events\x00f\x00\x01\x00seq\x00\x00\x00\x00\x14\xff\xff\xff\xff"),
		[]byte("I\x00\x00\x00\x10N\x00\x01t\x00\x00\x00\x013"),
		[]byte("C\x00"),
		[]byte("S\x00\x00\x00\x07\x01"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := newDecoder()
		_, _ = d.handle(data)
	})
}
