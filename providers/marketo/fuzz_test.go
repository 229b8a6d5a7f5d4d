package marketo

import "testing"

// FuzzReadRows splits arbitrary export bytes at the last complete row and parses what precedes it:
// the split must lie within the data and on a row boundary, and parsing must never panic.
func FuzzReadRows(f *testing.F) {
	f.Add([]byte("id,email,updatedAt\n1,a@example.com,2024-01-02T03:04:05Z\n2,\"b\nc\",x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		end := lastRowEnd(data)
		if end < 0 || end > len(data) || (end > 0 && data[end-1] != '\n') {
			t.Fatalf("lastRowEnd = %d for %q", end, data)
		}
		_, _ = rowRecord([]string{"id", "email", "updatedAt"}, []string{string(data[:end]), "", ""})
		_ = errorCode(data)
	})
}
