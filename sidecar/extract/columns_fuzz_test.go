package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// FuzzColumnExpr: whatever JSON an API sends, once made storable it is accepted by jsonb and the typed
// columns extracted from it by columnExpr are a value or NULL, never an error that would fail a whole
// page (the object is kept whole in _data).
func FuzzColumnExpr(f *testing.F) {
	for _, s := range []string{
		`{"v": 1}`, `{"v": "12"}`, `{"v": "1e400"}`, `{"v": -9223372036854775809}`, `{"v": 1.5e300}`,
		`{"v": "2024-02-30T25:61:00Z"}`, `{"v": "2024-01-01"}`, `{"v": "0000-00-00"}`, `{"v": 1e20}`,
		`{"v": "TRUE"}`, `{"v": [1, "a", null, {"x": 1}]}`, `{"v": {"w": [1]}}`, `{"v": null}`, `{}`,
		`{"v": "99999999999999999999"}`, `{"v": "-0.0e-0"}`, `{"v": "\u0000"}`, `{"v\u0000": "a\\u0000"}`, "{\"v\": \"\xdf\"}", `{"v": 17e3}`, `0E2000000000`, `{"v": "1e99999"}`, `{"v": 1e-400}`, `{"v": "-1e-400"}`,
	} {
		f.Add([]byte(s))
	}
	db := pgtest.NewDB(f)
	ctx := context.Background()
	var exprs []string
	for _, typ := range []string{"text", "bigint", "integer", "numeric", "double precision", "boolean", "date", "jsonb", "text[]"} {
		exprs = append(exprs, columnExpr(providers.Field{Name: "v", Type: typ}, "$1::jsonb")+"::text")
	}
	for _, format := range []string{"", "unix", "unix_ms"} {
		exprs = append(exprs, columnExpr(providers.Field{Name: "v", Type: "timestamptz", Format: format}, "$1::jsonb")+"::text")
	}
	exprs = append(exprs, columnExpr(providers.Field{Name: "w", Type: "bigint", Path: "v.w"}, "$1::jsonb")+"::text")
	query := "SELECT " + strings.Join(exprs, ", ")
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			t.Skip("not JSON")
		}
		if !bytes.HasPrefix(bytes.TrimSpace(doc), []byte("{")) {
			doc = append(append([]byte(`{"v": `), doc...), '}') // records are objects
		}
		doc, err := storable(doc)
		if err != nil {
			t.Fatalf("storable(%q): %v", doc, err)
		}
		out := make([]any, len(exprs))
		ptrs := make([]any, len(exprs))
		for i := range out {
			ptrs[i] = &out[i]
		}
		if err := db.Pool.QueryRow(ctx, query, string(doc)).Scan(ptrs...); err != nil {
			t.Fatalf("extracting typed columns from %s: %v", doc, err)
		}
	})
}
