package extract

import (
	"context"
	"fmt"
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
// since it was created. Tables keep the whole API object in _data and have REPLICA IDENTITY FULL so
// logical replication subscribers see old values.
func EnsureTable(ctx context.Context, q sqlapi.Querier, t Target) error {
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
	path := pathLiteral(f.SourcePath())
	j := fmt.Sprintf("(%s #> %s)", data, path)
	txt := fmt.Sprintf("(%s #>> %s)", data, path)
	typ := fmt.Sprintf("jsonb_typeof%s", j)
	switch f.Type {
	case "text":
		return txt
	case "jsonb":
		return j
	case "bigint", "integer":
		return fmt.Sprintf(`(CASE WHEN %[1]s = 'number' THEN trunc(%[2]s::numeric)::%[3]s
			WHEN %[1]s = 'string' AND %[2]s ~ '^-?[0-9]{1,18}$' THEN %[2]s::%[3]s END)`, typ, txt, f.Type)
	case "numeric", "double precision":
		return fmt.Sprintf(`(CASE WHEN %[1]s = 'number' THEN %[2]s::%[3]s
			WHEN %[1]s = 'string' AND %[2]s ~ '^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$' THEN %[2]s::%[3]s END)`, typ, txt, f.Type)
	case "boolean":
		return fmt.Sprintf(`(CASE WHEN %[1]s = 'boolean' THEN %[2]s::boolean
			WHEN %[1]s = 'string' AND lower(%[2]s) IN ('true', 'false') THEN %[2]s::boolean END)`, typ, txt)
	case "timestamptz":
		switch f.Format {
		case "unix":
			return fmt.Sprintf(`(CASE WHEN %s = 'number' THEN to_timestamp(%s::double precision) END)`, typ, txt)
		case "unix_ms":
			return fmt.Sprintf(`(CASE WHEN %s = 'number' THEN to_timestamp(%s::double precision / 1000) END)`, typ, txt)
		}
		return fmt.Sprintf(`(CASE WHEN %s = 'string' AND %s ~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$' THEN %s::timestamptz END)`, typ, txt, txt)
	case "date":
		return fmt.Sprintf(`(CASE WHEN %s = 'string' AND %s ~ '^\d{4}-\d{2}-\d{2}' THEN substr(%s, 1, 10)::date END)`, typ, txt, txt)
	case "text[]":
		return fmt.Sprintf(`(CASE WHEN %s = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(%s)) END)`, typ, j)
	}
	return txt
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
