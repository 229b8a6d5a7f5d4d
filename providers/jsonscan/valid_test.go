package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var validCases = []string{
	`{}`, `[]`, ` { } `, `{"a":1}`, `{"a" : [1, 2.5, -3e10, 0, -0.0e+1, 1E-2], "b": {"c": null, "d": true, "e": false}}`,
	`"x"`, `"\u00e9\n\t\"\\\/\b\f\r"`, `"é €"`, "\"\xff\xfe\"", `0`, `-0`, `12`, `1.5`, `true`, `null`,
	`[[[[]]]]`, `[{}, [], "", 0]`, "\t\r\n[1]\n",
	// invalid
	``, ` `, `{`, `}`, `[`, `]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{1:2}`, `{'a':1}`,
	`01`, `-`, `+1`, `1.`, `.5`, `1e`, `1e+`, `0x10`, `1 2`, `[1 2]`, `{"a":1 "b":2}`, `tru`, `truex`, `nul`,
	`"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x01b\"", "\"a\nb\"", `[1]]`, `{"a":1}}`, `{"a":[1}`, `[{]}`,
	`"\`, `[1,`, `{"a"`, `{"a":`, `NaN`, `Infinity`, `[-]`, `[1.e5]`, "\x00",
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range validCases {
		require.Equal(t, json.Valid([]byte(c)), Valid([]byte(c)), "%q", c)
	}
	deep := func(n int, inner string) string {
		return strings.Repeat("[", n) + inner + strings.Repeat("]", n)
	}
	for _, n := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		for _, inner := range []string{"", "1", "{}", `{"a":[]}`} {
			doc := []byte(deep(n, inner))
			require.Equal(t, json.Valid(doc), Valid(doc), "depth %d around %q", n, inner)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := Valid(data), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	doc := []byte(`{"object":"list","data":[` + strings.Repeat(`{"id":"cus_123","object":"customer","address":{"city":"Paris","line1":"1 rue \"x\""},"balance":-1250,"created":1700000000,"metadata":{"a":"b"},"tags":[1,2.5,true,null]},`, 100) + `{}],"has_more":true}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			Valid(doc)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			json.Valid(doc)
		}
	})
}
