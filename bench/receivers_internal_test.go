package bench

import (
	"testing"
)

// The receivers find every event of the shapes consumers get, and nothing in the events' own data.
func TestParseMessages(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		seqs      []int64
		tokens    []string
	}{
		{"kafka record", `{"seq":7,"event_id":"e7","data":{"seq":99,"event_id":"x","data":[{"seq":98,"event_id":"y"}]}}`, []int64{7}, nil},
		{"webhook batch", `{"data":[{"seq":1,"event_id":"a","data":{}},{"seq" : 2, "event_id" : "b", "data" : [1]}]}`, []int64{1, 2}, nil},
		{"pull response", `{"data":[{"ack_token":"t1","record":{"seq":3,"event_id":"c","data":{"seq":5}}},{"ack_token":"t2","message":{"seq":4,"event_id":"d"}}]}`,
			[]int64{3, 4}, []string{"t1", "t2"}},
		{"list", ` [{"seq":8,"event_id":"h"}] `, []int64{8}, nil},
		{"no event", `{"seq":9,"data":{"seq":10}}`, nil, nil},
	} {
		seqs, tokens, err := parseMessages([]byte(c.doc))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(seqs) != len(c.seqs) || len(tokens) != len(c.tokens) {
			t.Fatalf("%s: got seqs %v tokens %v, want %v %v", c.name, seqs, tokens, c.seqs, c.tokens)
		}
		for i := range seqs {
			if seqs[i] != c.seqs[i] {
				t.Fatalf("%s: got seqs %v, want %v", c.name, seqs, c.seqs)
			}
		}
		for i := range tokens {
			if tokens[i] != c.tokens[i] {
				t.Fatalf("%s: got tokens %v, want %v", c.name, tokens, c.tokens)
			}
		}
	}
	if _, _, err := parseMessages([]byte(`{"data":[{"seq":1,`)); err == nil {
		t.Fatal("a truncated document is an error")
	}
}
