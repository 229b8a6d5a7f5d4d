package extract

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi"
)

// Target is one synced table: where a collection of a sync lands.
type Target struct {
	SyncID     string
	Collection *providers.Collection
	Schema     string
	Table      string
}

// QualifiedName is the quoted "schema"."table".
func (t Target) QualifiedName() string {
	return pgx.Identifier{t.Schema, t.Table}.Sanitize()
}

// EnsureTable creates the schema and the table of a collection, and adds columns for fields declared
// since it was created, filled from the _data of the rows already there (an unchanged record is not
// written again by a sync, so nothing else would fill them). Tables keep the whole API object in _data
// and have REPLICA IDENTITY FULL so logical replication subscribers see old values. _data is compressed
// with lz4 where the server has it, and ANALYZE leaves it out.
func EnsureTable(ctx context.Context, q sqlapi.Querier, t Target) error {
	var existing []string
	var lz4 bool
	if err := q.QueryRow(ctx, `SELECT (SELECT coalesce(array_agg(attname::text), '{}') FROM pg_attribute
			WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped),
		EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))`,
		t.QualifiedName()).Scan(&existing, &lz4); err != nil {
		return fmt.Errorf("reading columns of %s: %w", t.QualifiedName(), err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE SCHEMA IF NOT EXISTS %s;\n", pgx.Identifier{t.Schema}.Sanitize())
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n  id text PRIMARY KEY", t.QualifiedName())
	for _, f := range t.Collection.Fields {
		fmt.Fprintf(&b, ",\n  %s %s", pgx.Identifier{f.Name}.Sanitize(), f.Type)
	}
	b.WriteString(",\n  _data jsonb NOT NULL,\n  _sync_id uuid NOT NULL,\n  _upstream_updated_at timestamptz,\n  _synced_at timestamptz NOT NULL DEFAULT now()\n);\n")
	for _, f := range t.Collection.Fields {
		fmt.Fprintf(&b, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s;\n", t.QualifiedName(), pgx.Identifier{f.Name}.Sanitize(), f.Type)
	}
	if len(existing) > 0 {
		var sets []string
		for _, f := range t.Collection.Fields {
			if !slices.Contains(existing, f.Name) {
				sets = append(sets, fmt.Sprintf("%s = %s", pgx.Identifier{f.Name}.Sanitize(), columnExpr(f, "_data")))
			}
		}
		if len(sets) > 0 {
			fmt.Fprintf(&b, "UPDATE %s SET %s;\n", t.QualifiedName(), strings.Join(sets, ", "))
		}
	}
	if lz4 {
		// Several times faster than pglz at about the same size, for objects past the TOAST threshold:
		// the whole object, and the fields that can be as large (a list of invoice lines, a long text).
		cols := []string{"ALTER COLUMN _data SET COMPRESSION lz4"}
		for _, f := range t.Collection.Fields {
			if f.Type == "jsonb" || f.Type == "text" || f.Type == "text[]" {
				cols = append(cols, fmt.Sprintf("ALTER COLUMN %s SET COMPRESSION lz4", pgx.Identifier{f.Name}.Sanitize()))
			}
		}
		fmt.Fprintf(&b, "ALTER TABLE %s %s;\n", t.QualifiedName(), strings.Join(cols, ", "))
	}
	// No statistics on the whole object: nothing filters on it, and analyzing it sorts a sample of
	// objects, detoasting the large ones. The typed columns are what queries filter on.
	fmt.Fprintf(&b, "ALTER TABLE %s ALTER COLUMN _data SET STATISTICS 0;\n", t.QualifiedName())
	fmt.Fprintf(&b, "ALTER TABLE %s REPLICA IDENTITY FULL;\n", t.QualifiedName())
	fmt.Fprintf(&b, "COMMENT ON TABLE %s IS %s;\n", t.QualifiedName(), quoteLiteral(fmt.Sprintf("Synced by sequin: %s (sync %s)", t.Collection.ID, t.SyncID)))
	if _, err := q.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("creating table %s: %w", t.QualifiedName(), err)
	}
	return nil
}

// columnExpr is the SQL that extracts field f, typed, from the jsonb expression data. Values of an
// unexpected JSON type become NULL rather than failing the page: the whole object is in _data anyway.
func columnExpr(f providers.Field, data string) string {
	return fieldValue(f, fieldLookup(f, data))
}

// fieldLookup is the SQL that looks field f up in the jsonb expression data: as text for text
// columns (a string unquoted, anything else as JSON), as jsonb for the others. fieldValue types it.
func fieldLookup(f providers.Field, data string) string {
	one, path := "->", "#>"
	if f.Type == "text" {
		one, path = "->>", "#>>"
	}
	if p := f.SourcePath(); !strings.Contains(p, ".") {
		return fmt.Sprintf("(%s %s %s::text)", data, one, quoteLiteral(p))
	}
	return fmt.Sprintf("(%s %s %s)", data, path, pathLiteral(f.SourcePath()))
}

// fieldValue is the SQL that turns v, what fieldLookup looked up for f, into the column's value.
func fieldValue(f providers.Field, v string) string {
	if f.Type == "text" {
		return v
	}
	return typedExpr(f, v, fmt.Sprintf("(%s #>> '{}')", v))
}

// typedExpr is the SQL that turns a field's value, given as the jsonb expression j (extracted once) and
// the text expression txt (the same value as text, only evaluated for strings), into a value of the
// field's column type, or NULL. JSON numbers are cast from jsonb, which holds them as numeric already.
func typedExpr(f providers.Field, j, txt string) string {
	switch f.Type {
	case "text":
		return txt
	case "jsonb":
		return j
	case "bigint", "integer":
		// Out-of-range numbers are NULL rather than an error that would fail the page.
		bound := map[string]string{"bigint": "9223372036854775808", "integer": "2147483648"}[f.Type]
		return fmt.Sprintf(`(CASE jsonb_typeof(%[1]s) WHEN 'number' THEN CASE WHEN abs(%[1]s::numeric) < %[4]s THEN trunc(%[1]s::numeric)::%[3]s END
			WHEN 'string' THEN CASE WHEN %[2]s ~ '^-?[0-9]{1,18}$' AND abs(%[2]s::numeric) < %[4]s THEN %[2]s::%[3]s END END)`, j, txt, f.Type, bound)
	case "numeric":
		return fmt.Sprintf(`(CASE jsonb_typeof(%[1]s) WHEN 'number' THEN %[1]s::numeric
			WHEN 'string' THEN CASE WHEN %[2]s ~ '^-?[0-9]{1,100}(\.[0-9]{1,100})?([eE][-+]?[0-9]{1,4})?$' AND abs(%[2]s::numeric) < 1e1000 THEN %[2]s::numeric END END)`, j, txt)
	case "double precision":
		return fmt.Sprintf(`(CASE jsonb_typeof(%[1]s) WHEN 'number' THEN %[3]s
			WHEN 'string' THEN CASE WHEN %[2]s ~ '^-?[0-9]{1,100}(\.[0-9]{1,100})?([eE][-+]?[0-9]{1,4})?$' THEN %[4]s END END)`,
			j, txt, numericToDouble(j+"::numeric"), numericToDouble(txt+"::numeric"))
	case "boolean":
		return fmt.Sprintf(`(CASE jsonb_typeof(%[1]s) WHEN 'boolean' THEN %[1]s::boolean
			WHEN 'string' THEN CASE WHEN lower(%[2]s) IN ('true', 'false') THEN %[2]s::boolean END END)`, j, txt)
	case "timestamptz":
		// Seconds (or milliseconds) since 1970 within years 1..9999, to the microsecond; anything else
		// is NULL.
		switch f.Format {
		case "unix":
			return fmt.Sprintf(`(CASE WHEN jsonb_typeof(%[1]s) = 'number' AND %[1]s::numeric BETWEEN -62135596800 AND 253402300799
				THEN to_timestamp(round(%[1]s::numeric, 6)::double precision) END)`, j)
		case "unix_ms":
			return fmt.Sprintf(`(CASE WHEN jsonb_typeof(%[1]s) = 'number' AND %[1]s::numeric BETWEEN -62135596800000 AND 253402300799999
				THEN to_timestamp(round(%[1]s::numeric, 3)::double precision / 1000) END)`, j)
		}
		return fmt.Sprintf(`(CASE WHEN jsonb_typeof(%[1]s) = 'string' AND %[2]s ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?)?(Z|z|[+-](0\d|1[0-5])(:?[0-5]\d)?)?$' AND %[3]s THEN %[2]s::timestamptz END)`,
			j, txt, realDate(txt))
	case "date":
		return fmt.Sprintf(`(CASE WHEN jsonb_typeof(%[1]s) = 'string' AND %[2]s ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])' AND %[3]s THEN substr(%[2]s, 1, 10)::date END)`,
			j, txt, realDate(txt))
	case "text[]":
		return fmt.Sprintf(`(CASE WHEN jsonb_typeof(%[1]s) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(%[1]s)) END)`, j)
	}
	return txt
}

// numericToDouble is the SQL that turns the numeric expression n into double precision: NULL beyond
// its range, zero below its smallest normal magnitude (where the cast would fail, not round).
func numericToDouble(n string) string {
	return fmt.Sprintf(`CASE WHEN abs(%[1]s) >= 1e308 THEN NULL WHEN abs(%[1]s) < 1e-307 THEN 0 ELSE %[1]s::double precision END`, n)
}

// realDate is the SQL condition that the YYYY-MM-DD at the start of txt (already matched by a pattern
// with valid month and day ranges) is a day of the calendar: no year 0, no 31st of a short month, no
// 29th of February outside leap years. Casting anything else would fail the whole page.
func realDate(txt string) string {
	return fmt.Sprintf(`(left(%[1]s, 4) <> '0000' AND substr(%[1]s, 6, 5) NOT IN ('02-30', '02-31', '04-31', '06-31', '09-31', '11-31')
		AND (substr(%[1]s, 6, 5) <> '02-29' OR (left(%[1]s, 4)::int %% 4 = 0 AND (left(%[1]s, 4)::int %% 100 <> 0 OR left(%[1]s, 4)::int %% 400 = 0))))`, txt)
}

// pathLiteral renders a dotted path as a quoted text[] literal for #> and #>>.
func pathLiteral(path string) string {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		p = strings.ReplaceAll(p, `\`, `\\`)
		p = strings.ReplaceAll(p, `"`, `\"`)
		parts[i] = `"` + p + `"`
	}
	return quoteLiteral("{"+strings.Join(parts, ",")+"}") + "::text[]"
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
