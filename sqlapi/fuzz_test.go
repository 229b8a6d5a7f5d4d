package sqlapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

// FuzzValidateRateLimit feeds arbitrary JSON to the SQL rate-limit validation: it must either accept
// the value (and normalise it) or raise invalid_parameter_value naming the argument; never another
// error, never a crash.
func FuzzValidateRateLimit(f *testing.F) {
	for _, s := range []string{
		`{"allowed_requests": 10, "interval": 1000}`,
		`{"allowed_requests": 10, "interval": 1000, "max_concurrent_requests": 2}`,
		`{"allowed_requests": "10", "interval": 1000}`,
		`{"allowed_requests": 1e400, "interval": 1}`,
		`{"allowed_requests": -1, "interval": 1000}`,
		`[]`, `null`, `"x"`, `{"interval": {"a": 1}}`, `{"allowed_requests": 99999999999999999999, "interval": 1}`,
	} {
		f.Add(s)
	}
	db := pgtest.NewDB(f)
	f.Fuzz(func(t *testing.T, in string) {
		if !json.Valid([]byte(in)) || !utf8.ValidString(in) || strings.Contains(in, `\u0000`) {
			// Not JSON Postgres would accept as text at all; rejected before any sequin code runs.
			t.Skip()
		}
		var parsed []byte
		if db.Pool.QueryRow(context.Background(), `SELECT $1::jsonb::text`, in).Scan(&parsed) != nil {
			t.Skip() // Postgres' own jsonb parser refuses it (e.g. numbers beyond numeric's range)
		}
		var out []byte
		err := db.Pool.QueryRow(context.Background(), `SELECT sequin._validate_rate_limit('fuzz', $1::jsonb)::text`, in).Scan(&out)
		if err == nil {
			var rl map[string]int64
			if jerr := json.Unmarshal(out, &rl); jerr != nil || rl["allowed_requests"] <= 0 || rl["interval"] <= 0 || rl["max_concurrent_requests"] < 0 {
				t.Fatalf("accepted %s as %s", in, out)
			}
			return
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "22023" {
			t.Fatalf("input %s: want invalid_parameter_value naming the argument, got %v", in, err)
		}
	})
}
