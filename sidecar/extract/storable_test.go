package extract

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStorable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"a": "b"}`:                        `{"a": "b"}`,       // untouched, byte for byte
		`{"a": "x\\u0000"}`:                 `{"a":"x\\u0000"}`, // an escaped backslash: kept
		`{"a\u0000": "x\u0000", "n": 1.50}`: "{\"a\uFFFD\":\"x\uFFFD\",\"n\":1.50}",
		`{"n": 1e99999, "s": "1e99999"}`:    `{"n":"1e99999","s":"1e99999"}`,
		"{\"a\": \"\xdf\"}":                 "{\"a\": \"\uFFFD\"}",
	} {
		got, err := storable([]byte(in))
		require.NoError(t, err)
		require.Equal(t, want, string(got), "storable(%s)", in)
		require.True(t, json.Valid(got))
	}
	_, err := storable([]byte(`{"a": "\u0000"`))
	require.Error(t, err, "truncated JSON is an error, not a guess")
}
