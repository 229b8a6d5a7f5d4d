package emulator

import (
	"strings"
	"testing"
)

func TestParseDocument(t *testing.T) {
	t.Parallel()
	op, err := parseDocument(`
		# a comment
		query Page($first: Int! = 50, $after: String, $ids: [String!]) {
			list: issues(first: $first, after: $after, orderBy: updatedAt, includeArchived: true,
			             filter: { updatedAt: { gte: "2024-01-01T00:00:00.000Z" }, id: { in: $ids } }) {
				nodes { id title team { id } }
				pageInfo { hasNextPage endCursor }
			}
		}`)
	if err != nil {
		t.Fatal(err)
	}
	if op.kind != "query" || op.name != "Page" || len(op.vars) != 3 || !op.vars[0].required || op.vars[0].def == nil || op.vars[2].typ != "[String!]" {
		t.Fatalf("operation %+v", op)
	}
	want := `query Page { list: issues(first: $first, after: $after, orderBy: updatedAt, includeArchived: true, filter: {updatedAt: {gte: "2024-01-01T00:00:00.000Z"}, id: {in: $ids}}) { nodes { id title team { id } } pageInfo { hasNextPage endCursor } } }`
	if got := op.String(); got != want {
		t.Errorf("parsed as\n%s\nwant\n%s", got, want)
	}
	vars, err := resolveVars(op, map[string]any{"after": nil, "ids": []any{"a", "b"}})
	if err != nil || vars["first"] != int64(50) || vars["after"] != nil {
		t.Errorf("variables %v, %v", vars, err)
	}
	a, err := args(op.sel[0], vars, "first", "after", "orderBy", "includeArchived", "filter")
	if err != nil {
		t.Fatal(err)
	}
	f := a["filter"].(map[string]any)
	if a["orderBy"] != "updatedAt" || a["includeArchived"] != true || len(f["id"].(map[string]any)["in"].([]any)) != 2 {
		t.Errorf("arguments %v", a)
	}
}

func TestParseDocumentValues(t *testing.T) {
	t.Parallel()
	op, err := parseDocument(`mutation { x(a: -12, b: 1.5e3, c: "t\u00e9\"\n", d: null, e: [1, [2]], f: """block "quote" """, g: false) { ok } }`)
	if err != nil {
		t.Fatal(err)
	}
	a, err := args(op.sel[0], nil, "a", "b", "c", "d", "e", "f", "g")
	if err != nil {
		t.Fatal(err)
	}
	if a["a"] != int64(-12) || a["b"] != 1500.0 || a["c"] != "té\"\n" || a["d"] != nil || a["f"] != `block "quote" ` || a["g"] != false {
		t.Errorf("values %#v", a)
	}
}

func TestParseDocumentRejects(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		``, `{`, `{ }`, `query`, `{ a(b: ) }`, `{ a } { b }`, `query A { a } query B { b }`,
		`fragment F on Issue { id }`, `{ ...F }`, `{ a @include(if: true) }`, `subscription { a }`,
		`{ a(b: "unterminated) }`, `{ a(b: 01) }`, `{ a(b: 1.) }`, `{ a(b: "\q") }`, `{ a(b: $) }`,
		`query($a: Int = $b) { a }`, `{ a(b: [1, 2) }`, `{ a(b: {c: 1) }`, "{ a(b: \"x\ny\") }", `{ a ^ }`,
		"{" + strings.Repeat("a {", maxDepth+1) + strings.Repeat("}", maxDepth+2),
	} {
		if op, err := parseDocument(bad); err == nil {
			t.Errorf("parseDocument(%q) = %v, want an error", bad, op)
		}
	}
}

func TestResolveVarsChecksTypes(t *testing.T) {
	t.Parallel()
	op, err := parseDocument(`query($n: Int!, $s: String, $b: Boolean) { a(n: $n, s: $s, b: $b) { id } }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, vars := range []map[string]any{
		{},
		{"n": "3"},
		{"n": int64(3), "s": int64(4)},
		{"n": int64(3), "b": "yes"},
	} {
		if _, err := resolveVars(op, vars); err == nil {
			t.Errorf("resolveVars(%v) accepted", vars)
		}
	}
	undeclared, _ := parseDocument(`{ a(n: $n) { id } }`)
	if _, err := args(undeclared.sel[0], map[string]any{}, "n"); err == nil {
		t.Error("an undeclared variable was accepted")
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add(`query Q($first: Int!) { issues(first: $first, filter: {updatedAt: {gte: "x"}}) { nodes { id } pageInfo { endCursor } } }`)
	f.Add(`mutation { issueCreate(input: {teamId: "t", title: "a\u0041"}) { success } }`)
	f.Add(`{ a(b: [1, 2.5e-3, true, null, ENUM, {c: """d"""}]) }`)
	f.Fuzz(func(t *testing.T, doc string) {
		op, err := parseDocument(doc)
		if err != nil {
			return
		}
		// What parses prints as a document that parses to the same thing.
		again, err := parseDocument(op.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", doc, op.String(), err)
		}
		if again.String() != op.String() {
			t.Fatalf("printing is not stable: %q then %q", op.String(), again.String())
		}
	})
}
