package emulator

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeForm(t *testing.T) {
	t.Parallel()
	v := url.Values{
		"email": {"a@example.com"}, "metadata[order]": {"7"}, "metadata[123]": {"numeric key"},
		"items[0][price]": {"price_a"}, "items[1][price]": {"price_b"}, "items[1][quantity]": {"2"},
		"items[10][price]": {"price_c"}, "expand[]": {"customer", "invoice"}, "address[city]": {"Paris"},
		"shipping[address][line1]": {"1 Rue"},
	}
	got, err := decodeForm(v.Encode())
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"email":    "a@example.com",
		"metadata": map[string]any{"order": "7", "123": "numeric key"},
		"items": map[string]any{"0": map[string]any{"price": "price_a"}, "1": map[string]any{"price": "price_b", "quantity": "2"},
			"10": map[string]any{"price": "price_c"}},
		"expand":   []any{"customer", "invoice"},
		"address":  map[string]any{"city": "Paris"},
		"shipping": map[string]any{"address": map[string]any{"line1": "1 Rue"}},
	}, got)

	// Lists are made where the schema expects them, in index order; hashes keep numeric keys.
	p, err := coerce(specByName["subscription"].create, map[string]any{"items": got["items"], "metadata": got["metadata"]})
	require.NoError(t, err)
	require.Equal(t, []any{map[string]any{"price": "price_a"}, map[string]any{"price": "price_b", "quantity": int64(2)},
		map[string]any{"price": "price_c"}}, p["items"])
	require.Equal(t, map[string]any{"order": "7", "123": "numeric key"}, p["metadata"])

	_, err = decodeForm("a=1&a[b]=2")
	require.Error(t, err)
	_, err = decodeForm("%zz=1")
	require.Error(t, err)
	got, err = decodeForm("weird[key=1")
	require.NoError(t, err)
	require.Equal(t, map[string]any{"weird[key": "1"}, got)
}

func TestCoerce(t *testing.T) {
	t.Parallel()
	sc := schema{"n": pInt(), "b": pBool(), "f": pFloat(), "s": pStr(), "h": pHash(), "l": pList(pStr()),
		"o": pObj(schema{"x": pInt()})}
	p, err := coerce(sc, map[string]any{"n": "42", "b": "true", "f": "2.5", "s": "", "h": "", "l": "", "o": map[string]any{"x": "1"}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"n": int64(42), "b": true, "f": 2.5, "s": nil, "h": nil, "l": []any{}, "o": map[string]any{"x": int64(1)}}, p)

	for _, bad := range []map[string]any{
		{"n": "x"}, {"b": "yes"}, {"f": "abc"}, {"s": map[string]any{"a": "b"}}, {"h": "str"},
		{"h": map[string]any{"a": map[string]any{}}}, {"o": map[string]any{"y": "1"}}, {"zzz": "1"},
	} {
		_, err := coerce(sc, bad)
		var e *Error
		require.ErrorAs(t, err, &e, "%v", bad)
		require.Equal(t, http.StatusBadRequest, e.Status)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	got := normalize(map[string]any{"i": 3, "i64": int64(4), "f": 1.5, "b": false, "nil": nil,
		"ss": []string{"a"}, "ms": map[string]string{"k": "v"}, "lm": []map[string]any{{"price": "p"}}})
	require.Equal(t, map[string]any{"i": "3", "i64": "4", "f": "1.5", "b": "false", "nil": "",
		"ss": []any{"a"}, "ms": map[string]any{"k": "v"}, "lm": []any{map[string]any{"price": "p"}}}, got)
}

func TestEncodeIsCanonical(t *testing.T) {
	t.Parallel()
	v := map[string]any{"z": 1, "object": "thing", "a": []any{"x\n\"y\"", 2.5, nil, true}, "id": "t_1",
		"bad": "\xff", "ctrl": "\x01", "big": float64(1700000000)}
	require.Equal(t, `{"id":"t_1","object":"thing","a":["x\n\"y\"",2.5,null,true],"bad":"\ufffd","big":1700000000,"ctrl":"\u0001","z":1}`,
		string(encode(v)))
}
