package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// walk rebuilds a document from the walks: objects by Members, arrays by Elements, anything else as
// its raw text decoded by encoding/json.
func walk(t testing.TB, raw []byte) any {
	raw = bytes.TrimSpace(raw)
	switch raw[0] {
	case '{':
		m := map[string]any{}
		require.NoError(t, Members(raw, func(k string, v []byte) error {
			m[k] = walk(t, v)
			return nil
		}))
		return m
	case '[':
		l := []any{}
		objects := true
		require.NoError(t, Elements(raw, func(e []byte) error {
			l = append(l, walk(t, e))
			objects = objects && e[0] == '{'
			return nil
		}))
		if objects {
			// The one-pass walk of an array of objects reads the same members and objects.
			var byMembers, byElems []any
			m := map[string]any{}
			require.NoError(t, ObjectElements(raw, func(k, v []byte) error {
				m[string(k)] = walk(t, v)
				return nil
			}, func(obj []byte) error {
				byMembers, byElems = append(byMembers, m), append(byElems, walk(t, obj))
				m = map[string]any{}
				return nil
			}))
			require.Equal(t, l, append([]any{}, byMembers...), "members of %s", raw)
			require.Equal(t, l, append([]any{}, byElems...), "objects of %s", raw)
		}
		return l
	}
	v, err := decode(raw)
	require.NoError(t, err, "scalar %q", raw)
	return v
}

// decode is encoding/json's reading of a document, numbers kept as their text.
func decode(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

var seeds = []string{
	`{}`, `[]`, `{"a":1}`, `[1,2,3]`, ` { "a" : [ 1 , {"b" : "c,}]"} ] , "d":null } `,
	`{"k\"ey": "va\\lue\"}", "e": "\u00e9", "x": [[], {}, [[]], ""]}`,
	`{"n": -1.5e10, "t": true, "f": false, "s": "}{]["}`,
	"{\n\t\"a\"\r\n:\t[\n1\n]\n}",
	`{"data":[{"id":"cus_1","created":1700000000,"deleted":true},{"id":"cus_2","metadata":{"id":"x"}}],"has_more":false}`,
	`{"a":1,"a":2}`,
	`[{"a":"x\\","b":"\\\"q\\"},{"c":["\\\\",{"d":"]}\""}]},{}]`,
	`[{"id":"a"} , {"id":"b","n":[{"x":1}]}]`,
}

func TestWalksMatchEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		want, err := decode([]byte(s))
		require.NoError(t, err)
		require.Equal(t, want, walk(t, []byte(s)), s)
	}
}

func TestScalars(t *testing.T) {
	s, err := String([]byte(`"a\"b\u00e9"`))
	require.NoError(t, err)
	require.Equal(t, "a\"bé", s)
	_, err = String([]byte(`12`))
	require.Error(t, err)
	n, err := Int([]byte(`1700000000`))
	require.NoError(t, err)
	require.Equal(t, int64(1700000000), n)
	for _, bad := range []string{`1.5`, `"1"`, `1e3`, `true`} {
		_, err = Int([]byte(bad))
		require.Error(t, err, bad)
	}
	b, err := Bool([]byte(`true`))
	require.NoError(t, err)
	require.True(t, b)
	_, err = Bool([]byte(`1`))
	require.Error(t, err)
	require.ErrorIs(t, Members([]byte(`[1]`), nil), ErrNotObject)
	require.ErrorIs(t, Elements([]byte(`{"a":1}`), nil), ErrNotArray)
}

// FuzzWalk: on any valid JSON document, walking it with Members and Elements rebuilds what
// encoding/json decodes.
func FuzzWalk(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			t.Skip()
		}
		want, err := decode(doc)
		require.NoError(t, err)
		require.Equal(t, want, walk(t, doc))
	})
}
