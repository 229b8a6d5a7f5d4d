package emulator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The emulator evaluates the part of Airtable's formula language that filterByFormula is used with:
// literals, {field} references, comparisons, arithmetic, & concatenation, and the functions AND, OR,
// NOT, IF, IS_AFTER, IS_BEFORE, IS_SAME, DATETIME_PARSE, LAST_MODIFIED_TIME, CREATED_TIME, RECORD_ID,
// FIND, LOWER, UPPER, LEN, BLANK, TRUE and FALSE. Anything else is refused as Airtable refuses an
// invalid formula.

// formulaNode is a parsed formula.
type formulaNode interface {
	eval(env *formulaEnv) (any, error)
}

// formulaEnv is the record a formula is evaluated against.
type formulaEnv struct {
	t *table
	r *record
}

type litNode struct{ v any }

func (n litNode) eval(*formulaEnv) (any, error) { return n.v, nil }

type fieldNode struct{ f *field }

func (n fieldNode) eval(env *formulaEnv) (any, error) {
	v := env.t.value(env.r, n.f)
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ", "), nil
	case int:
		return float64(x), nil
	case map[string]any:
		if name, ok := x["name"].(string); ok {
			return name, nil
		}
		return fmt.Sprint(x), nil
	}
	return v, nil
}

type binNode struct {
	op   string
	l, r formulaNode
}

type callNode struct {
	name string
	args []formulaNode
}

// formulaError is a formula Airtable would refuse.
type formulaError struct{ msg string }

func (e *formulaError) Error() string { return e.msg }

func badFormula(format string, args ...any) error {
	return &formulaError{msg: fmt.Sprintf(format, args...)}
}

// parseFormula parses a filterByFormula value against a table's fields.
func parseFormula(src string, t *table) (formulaNode, error) {
	p := &formulaParser{src: []rune(src), t: t}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, badFormula("Invalid formula. Please check your formula text.")
	}
	return n, nil
}

type formulaParser struct {
	src []rune
	pos int
	t   *table
}

func (p *formulaParser) space() {
	for p.pos < len(p.src) && unicode.IsSpace(p.src[p.pos]) {
		p.pos++
	}
}

func (p *formulaParser) peek(s string) bool {
	p.space()
	return strings.HasPrefix(string(p.src[p.pos:]), s)
}

func (p *formulaParser) eat(s string) bool {
	if p.peek(s) {
		p.pos += len([]rune(s))
		return true
	}
	return false
}

func (p *formulaParser) expr() (formulaNode, error) {
	l, err := p.concat()
	if err != nil {
		return nil, err
	}
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.eat(op) {
			r, err := p.concat()
			if err != nil {
				return nil, err
			}
			return binNode{op: op, l: l, r: r}, nil
		}
	}
	return l, nil
}

func (p *formulaParser) concat() (formulaNode, error) {
	l, err := p.additive()
	for err == nil && p.eat("&") {
		var r formulaNode
		if r, err = p.additive(); err == nil {
			l = binNode{op: "&", l: l, r: r}
		}
	}
	return l, err
}

func (p *formulaParser) additive() (formulaNode, error) {
	l, err := p.term()
	for err == nil {
		op := ""
		if p.eat("+") {
			op = "+"
		} else if p.eat("-") {
			op = "-"
		} else {
			break
		}
		var r formulaNode
		if r, err = p.term(); err == nil {
			l = binNode{op: op, l: l, r: r}
		}
	}
	return l, err
}

func (p *formulaParser) term() (formulaNode, error) {
	l, err := p.unary()
	for err == nil {
		op := ""
		if p.eat("*") {
			op = "*"
		} else if p.eat("/") {
			op = "/"
		} else {
			break
		}
		var r formulaNode
		if r, err = p.unary(); err == nil {
			l = binNode{op: op, l: l, r: r}
		}
	}
	return l, err
}

func (p *formulaParser) unary() (formulaNode, error) {
	if p.eat("-") {
		n, err := p.unary()
		return binNode{op: "-", l: litNode{v: 0.0}, r: n}, err
	}
	return p.primary()
}

func (p *formulaParser) primary() (formulaNode, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, badFormula("Invalid formula. Please check your formula text.")
	}
	c := p.src[p.pos]
	switch {
	case c == '(':
		p.pos++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, badFormula("Invalid formula. Please check your formula text.")
		}
		return n, nil
	case c == '\'' || c == '"':
		return p.str(c)
	case c == '{':
		end := -1
		for i := p.pos + 1; i < len(p.src) && end < 0; i++ {
			if p.src[i] == '}' {
				end = i
			}
		}
		if end < 0 {
			return nil, badFormula("Invalid formula. Please check your formula text.")
		}
		name := string(p.src[p.pos+1 : end])
		p.pos = end + 1
		f := p.t.fieldNamed(name)
		if f == nil {
			return nil, badFormula("Unknown field names: %s", strings.ToLower(name))
		}
		return fieldNode{f: f}, nil
	case unicode.IsDigit(c) || c == '.':
		start := p.pos
		for p.pos < len(p.src) && (unicode.IsDigit(p.src[p.pos]) || p.src[p.pos] == '.') {
			p.pos++
		}
		n, err := strconv.ParseFloat(string(p.src[start:p.pos]), 64)
		if err != nil {
			return nil, badFormula("Invalid formula. Please check your formula text.")
		}
		return litNode{v: n}, nil
	case unicode.IsLetter(c) || c == '_':
		start := p.pos
		for p.pos < len(p.src) && (unicode.IsLetter(p.src[p.pos]) || unicode.IsDigit(p.src[p.pos]) || p.src[p.pos] == '_') {
			p.pos++
		}
		name := string(p.src[start:p.pos])
		if !p.eat("(") {
			if f := p.t.fieldNamed(name); f != nil {
				return fieldNode{f: f}, nil
			}
			return nil, badFormula("Unknown field names: %s", strings.ToLower(name))
		}
		call := callNode{name: strings.ToUpper(name)}
		if !p.eat(")") {
			for {
				a, err := p.expr()
				if err != nil {
					return nil, err
				}
				call.args = append(call.args, a)
				if p.eat(")") {
					break
				}
				if !p.eat(",") {
					return nil, badFormula("Invalid formula. Please check your formula text.")
				}
			}
		}
		if !knownFunctions[call.name] {
			return nil, badFormula("Unknown function names: %s", call.name)
		}
		return call, nil
	}
	return nil, badFormula("Invalid formula. Please check your formula text.")
}

// str reads a string literal quoted with q; a backslash escapes the next character.
func (p *formulaParser) str(q rune) (formulaNode, error) {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == '\\' && p.pos < len(p.src):
			b.WriteRune(p.src[p.pos])
			p.pos++
		case c == q:
			return litNode{v: b.String()}, nil
		default:
			b.WriteRune(c)
		}
	}
	return nil, badFormula("Invalid formula. Please check your formula text.")
}

var knownFunctions = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IF": true, "IS_AFTER": true, "IS_BEFORE": true, "IS_SAME": true,
	"DATETIME_PARSE": true, "LAST_MODIFIED_TIME": true, "CREATED_TIME": true, "RECORD_ID": true, "FIND": true,
	"LOWER": true, "UPPER": true, "LEN": true, "BLANK": true, "TRUE": true, "FALSE": true,
}

// truthy is Airtable's notion of a true value.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case time.Time:
		return !x.IsZero()
	}
	return false
}

// asTime reads a value as a time: a time, or a string in ISO 8601.
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, !x.IsZero()
	case string:
		t, err := parseTime(x)
		return t, err == nil
	}
	return time.Time{}, false
}

func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return n, err == nil
	case nil:
		return 0, true
	}
	return 0, false
}

func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return ts(x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

func (n binNode) eval(env *formulaEnv) (any, error) {
	l, err := n.l.eval(env)
	if err != nil {
		return nil, err
	}
	r, err := n.r.eval(env)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "&":
		return asString(l) + asString(r), nil
	case "+", "-", "*", "/":
		a, okA := asNumber(l)
		b, okB := asNumber(r)
		if !okA || !okB {
			return nil, nil
		}
		switch n.op {
		case "+":
			return a + b, nil
		case "-":
			return a - b, nil
		case "*":
			return a * b, nil
		}
		if b == 0 {
			return math.NaN(), nil
		}
		return a / b, nil
	}
	c, ok := compare(l, r)
	if !ok {
		return n.op == "!=", nil
	}
	switch n.op {
	case "=":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case ">":
		return c > 0, nil
	case "<=":
		return c <= 0, nil
	}
	return c >= 0, nil
}

// compare orders two values: as times when either is one, as numbers when both are, else as text.
func compare(l, r any) (int, bool) {
	_, lt := l.(time.Time)
	_, rt := r.(time.Time)
	if lt || rt {
		a, okA := asTime(l)
		b, okB := asTime(r)
		if !okA || !okB {
			return 0, false
		}
		return a.Compare(b), true
	}
	_, ls := l.(string)
	_, rs := r.(string)
	if !ls && !rs {
		a, okA := asNumber(l)
		b, okB := asNumber(r)
		if okA && okB {
			switch {
			case a < b:
				return -1, true
			case a > b:
				return 1, true
			}
			return 0, true
		}
	}
	return strings.Compare(asString(l), asString(r)), true
}

func (n callNode) eval(env *formulaEnv) (any, error) {
	args := make([]any, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	want := func(k int) error {
		if len(args) != k {
			return badFormula("Invalid formula: %s takes %d arguments", n.name, k)
		}
		return nil
	}
	switch n.name {
	case "AND", "OR":
		if len(args) == 0 {
			return nil, badFormula("Invalid formula: %s needs arguments", n.name)
		}
		all := n.name == "AND"
		for _, a := range args {
			if truthy(a) != all {
				return !all, nil
			}
		}
		return all, nil
	case "NOT":
		if err := want(1); err != nil {
			return nil, err
		}
		return !truthy(args[0]), nil
	case "IF":
		if len(args) < 2 || len(args) > 3 {
			return nil, badFormula("Invalid formula: IF takes 2 or 3 arguments")
		}
		if truthy(args[0]) {
			return args[1], nil
		}
		if len(args) == 3 {
			return args[2], nil
		}
		return nil, nil
	case "IS_AFTER", "IS_BEFORE", "IS_SAME":
		if len(args) < 2 {
			return nil, badFormula("Invalid formula: %s takes 2 arguments", n.name)
		}
		a, okA := asTime(args[0])
		b, okB := asTime(args[1])
		if !okA || !okB {
			return false, nil
		}
		switch n.name {
		case "IS_AFTER":
			return a.After(b), nil
		case "IS_BEFORE":
			return a.Before(b), nil
		}
		return a.Equal(b), nil
	case "DATETIME_PARSE":
		if len(args) < 1 {
			return nil, badFormula("Invalid formula: DATETIME_PARSE takes a string")
		}
		t, ok := asTime(args[0])
		if !ok {
			return nil, nil
		}
		return t, nil
	case "LAST_MODIFIED_TIME":
		return env.r.modified, nil
	case "CREATED_TIME":
		return env.r.created, nil
	case "RECORD_ID":
		return env.r.id, nil
	case "FIND":
		if len(args) < 2 {
			return nil, badFormula("Invalid formula: FIND takes 2 arguments")
		}
		return float64(strings.Index(asString(args[1]), asString(args[0])) + 1), nil
	case "LOWER":
		if err := want(1); err != nil {
			return nil, err
		}
		return strings.ToLower(asString(args[0])), nil
	case "UPPER":
		if err := want(1); err != nil {
			return nil, err
		}
		return strings.ToUpper(asString(args[0])), nil
	case "LEN":
		if err := want(1); err != nil {
			return nil, err
		}
		return float64(len([]rune(asString(args[0])))), nil
	case "BLANK":
		return nil, nil
	case "TRUE":
		return true, nil
	case "FALSE":
		return false, nil
	}
	return nil, badFormula("Unknown function names: %s", n.name)
}
