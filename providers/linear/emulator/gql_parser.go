package emulator

import (
	"fmt"
	"strings"
)

// The parser reads the subset of GraphQL a sync client sends: one operation (a query or a mutation,
// named or not) with variable definitions, fields with aliases, arguments and selection sets, and
// every kind of literal value. Fragments and directives are refused with a clear message.

// operation is a parsed GraphQL operation.
type operation struct {
	kind string // "query" or "mutation"
	name string
	vars []varDef
	sel  []*field
}

// varDef is a variable definition: "$first: Int! = 50".
type varDef struct {
	name     string
	typ      string
	required bool
	def      *value
}

// field is one selected field.
type field struct {
	alias string
	name  string
	args  []argument
	// sel is nil for a leaf field.
	sel []*field
}

// key is the name the field has in the response.
func (f *field) key() string {
	if f.alias != "" {
		return f.alias
	}
	return f.name
}

// argument is a name and a value.
type argument struct {
	name string
	val  value
}

// valueKind is the kind of a literal value.
type valueKind int

const (
	vNull valueKind = iota
	vInt
	vFloat
	vString
	vBool
	vEnum
	vList
	vObject
	vVar
)

// value is a literal value or a variable reference.
type value struct {
	kind   valueKind
	text   string // number digits, string, enum or variable name
	b      bool
	list   []value
	fields []argument
}

// parser walks a token list.
type parser struct {
	toks []token
	i    int
	// depth bounds nesting so that a hostile document cannot exhaust the stack.
	depth int
}

// maxDepth bounds nested selections and values.
const maxDepth = 32

// parseDocument parses a document holding exactly one operation.
func parseDocument(src string) (*operation, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, fmt.Errorf("Syntax Error: %v", err)
	}
	p := &parser{toks: toks}
	op, err := p.operation()
	if err != nil {
		return nil, fmt.Errorf("Syntax Error: %v", err)
	}
	if t := p.peek(); t.kind != tokEOF {
		if t.kind == tokName && (t.text == "query" || t.text == "mutation" || t.text == "fragment") || t.text == "{" {
			return nil, fmt.Errorf("this server accepts one operation per document")
		}
		return nil, fmt.Errorf("Syntax Error: unexpected %s at %d", describe(t), t.pos)
	}
	return op, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// punct consumes the punctuator s or fails.
func (p *parser) punct(s string) error {
	t := p.next()
	if t.kind != tokPunct || t.text != s {
		return fmt.Errorf("expected %q, found %s at %d", s, describe(t), t.pos)
	}
	return nil
}

// isPunct reports whether the next token is the punctuator s.
func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

// name consumes a name or fails.
func (p *parser) name() (string, error) {
	t := p.next()
	if t.kind != tokName {
		return "", fmt.Errorf("expected a name, found %s at %d", describe(t), t.pos)
	}
	return t.text, nil
}

func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "<EOF>"
	case tokString:
		return "a string"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) operation() (*operation, error) {
	op := &operation{kind: "query"}
	if p.isPunct("{") {
		sel, err := p.selectionSet()
		op.sel = sel
		return op, err
	}
	kw, err := p.name()
	if err != nil {
		return nil, err
	}
	switch kw {
	case "query", "mutation":
		op.kind = kw
	case "fragment":
		return nil, fmt.Errorf("fragments are not supported")
	case "subscription":
		return nil, fmt.Errorf("subscriptions are not supported")
	default:
		return nil, fmt.Errorf("unexpected %q: expected query or mutation", kw)
	}
	if p.peek().kind == tokName {
		op.name = p.next().text
	}
	if p.isPunct("(") {
		if op.vars, err = p.varDefs(); err != nil {
			return nil, err
		}
	}
	if p.isPunct("@") {
		return nil, fmt.Errorf("directives are not supported")
	}
	op.sel, err = p.selectionSet()
	return op, err
}

func (p *parser) varDefs() ([]varDef, error) {
	if err := p.punct("("); err != nil {
		return nil, err
	}
	var out []varDef
	for !p.isPunct(")") {
		if err := p.punct("$"); err != nil {
			return nil, err
		}
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		if err := p.punct(":"); err != nil {
			return nil, err
		}
		typ, required, err := p.typeRef()
		if err != nil {
			return nil, err
		}
		d := varDef{name: n, typ: typ, required: required}
		if p.isPunct("=") {
			p.next()
			v, err := p.value(true)
			if err != nil {
				return nil, err
			}
			d.def = &v
		}
		out = append(out, d)
	}
	p.next()
	return out, nil
}

// typeRef reads a type such as "String!", "[String!]" or "IssueFilter".
func (p *parser) typeRef() (string, bool, error) {
	var typ string
	if p.isPunct("[") {
		p.next()
		inner, innerReq, err := p.typeRef()
		if err != nil {
			return "", false, err
		}
		if err := p.punct("]"); err != nil {
			return "", false, err
		}
		if innerReq {
			inner += "!"
		}
		typ = "[" + inner + "]"
	} else {
		n, err := p.name()
		if err != nil {
			return "", false, err
		}
		typ = n
	}
	required := false
	if p.isPunct("!") {
		p.next()
		required = true
	}
	return typ, required, nil
}

func (p *parser) selectionSet() ([]*field, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, fmt.Errorf("the document nests deeper than %d", maxDepth)
	}
	defer func() { p.depth-- }()
	if err := p.punct("{"); err != nil {
		return nil, err
	}
	var out []*field
	for !p.isPunct("}") {
		if p.isPunct("...") {
			return nil, fmt.Errorf("fragments are not supported")
		}
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	p.next()
	if len(out) == 0 {
		return nil, fmt.Errorf("a selection set is empty")
	}
	return out, nil
}

func (p *parser) field() (*field, error) {
	n, err := p.name()
	if err != nil {
		return nil, err
	}
	f := &field{name: n}
	if p.isPunct(":") {
		p.next()
		if f.name, err = p.name(); err != nil {
			return nil, err
		}
		f.alias = n
	}
	if p.isPunct("(") {
		p.next()
		for !p.isPunct(")") {
			an, err := p.name()
			if err != nil {
				return nil, err
			}
			if err := p.punct(":"); err != nil {
				return nil, err
			}
			v, err := p.value(false)
			if err != nil {
				return nil, err
			}
			f.args = append(f.args, argument{name: an, val: v})
		}
		p.next()
	}
	if p.isPunct("@") {
		return nil, fmt.Errorf("directives are not supported")
	}
	if p.isPunct("{") {
		if f.sel, err = p.selectionSet(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// value reads a literal value; constant forbids variables (in defaults).
func (p *parser) value(constant bool) (value, error) {
	if p.depth++; p.depth > maxDepth {
		return value{}, fmt.Errorf("the document nests deeper than %d", maxDepth)
	}
	defer func() { p.depth-- }()
	t := p.next()
	switch t.kind {
	case tokInt:
		return value{kind: vInt, text: t.text}, nil
	case tokFloat:
		return value{kind: vFloat, text: t.text}, nil
	case tokString:
		return value{kind: vString, text: t.text}, nil
	case tokName:
		switch t.text {
		case "true", "false":
			return value{kind: vBool, b: t.text == "true"}, nil
		case "null":
			return value{kind: vNull}, nil
		}
		return value{kind: vEnum, text: t.text}, nil
	case tokPunct:
		switch t.text {
		case "$":
			if constant {
				return value{}, fmt.Errorf("a variable is not allowed at %d", t.pos)
			}
			n, err := p.name()
			return value{kind: vVar, text: n}, err
		case "[":
			v := value{kind: vList}
			for !p.isPunct("]") {
				if p.peek().kind == tokEOF {
					return value{}, fmt.Errorf("unterminated list")
				}
				item, err := p.value(constant)
				if err != nil {
					return value{}, err
				}
				v.list = append(v.list, item)
			}
			p.next()
			return v, nil
		case "{":
			v := value{kind: vObject}
			for !p.isPunct("}") {
				n, err := p.name()
				if err != nil {
					return value{}, err
				}
				if err := p.punct(":"); err != nil {
					return value{}, err
				}
				item, err := p.value(constant)
				if err != nil {
					return value{}, err
				}
				v.fields = append(v.fields, argument{name: n, val: item})
			}
			p.next()
			return v, nil
		}
	}
	return value{}, fmt.Errorf("unexpected %s at %d: expected a value", describe(t), t.pos)
}

// String renders an operation back to GraphQL, for logs and tests.
func (op *operation) String() string {
	var b strings.Builder
	b.WriteString(op.kind)
	if op.name != "" {
		b.WriteString(" " + op.name)
	}
	writeSelection(&b, op.sel)
	return b.String()
}

func writeSelection(b *strings.Builder, sel []*field) {
	b.WriteString(" {")
	for _, f := range sel {
		b.WriteString(" ")
		if f.alias != "" {
			b.WriteString(f.alias + ": ")
		}
		b.WriteString(f.name)
		if len(f.args) > 0 {
			b.WriteString("(")
			for i, a := range f.args {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(a.name + ": ")
				writeValue(b, a.val)
			}
			b.WriteString(")")
		}
		if f.sel != nil {
			writeSelection(b, f.sel)
		}
	}
	b.WriteString(" }")
}

func writeValue(b *strings.Builder, v value) {
	switch v.kind {
	case vNull:
		b.WriteString("null")
	case vBool:
		fmt.Fprint(b, v.b)
	case vString:
		b.Write(appendString(nil, v.text))
	case vVar:
		b.WriteString("$" + v.text)
	case vList:
		b.WriteString("[")
		for i, x := range v.list {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, x)
		}
		b.WriteString("]")
	case vObject:
		b.WriteString("{")
		for i, a := range v.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.name + ": ")
			writeValue(b, a.val)
		}
		b.WriteString("}")
	default:
		b.WriteString(v.text)
	}
}
