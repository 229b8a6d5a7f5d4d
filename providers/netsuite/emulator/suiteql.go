package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file implements the subset of SuiteQL that sequin sends: a single-table SELECT of columns,
// <table>.* and TO_CHAR(column, format) AS alias, a WHERE of comparisons joined by AND (values are
// numbers, 'strings' or TO_TIMESTAMP('...', format)), and ORDER BY. Anything else is refused with
// NetSuite's INVALID_PARAMETER error, so that a provider cannot come to depend on a query the
// emulator accepts but NetSuite would not.

// selectItem is one item of the select list.
type selectItem struct {
	star   bool   // * or table.*
	column string // a column, or TO_CHAR's argument
	format string // TO_CHAR's format; "" for a plain column
	alias  string
}

// comparison is one WHERE condition.
type comparison struct {
	column string
	op     string
	value  any // string, float64 or time.Time
}

// ordering is one ORDER BY term.
type ordering struct {
	column string
	desc   bool
}

// statement is a parsed SELECT.
type statement struct {
	items []selectItem
	table string
	where []comparison
	order []ordering
}

// token is a lexical token: kind is 'i' (identifier), 'n' (number), 's' (string) or the symbol.
type token struct {
	kind byte
	text string
}

// lex splits a query into tokens.
func lex(q string) ([]token, error) {
	var out []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(q) && (q[j] == '_' || unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j]))) {
				j++
			}
			out = append(out, token{'i', strings.ToLower(q[i:j])})
			i = j
		case unicode.IsDigit(rune(c)) || c == '-' && i+1 < len(q) && unicode.IsDigit(rune(q[i+1])):
			j := i + 1
			for j < len(q) && (unicode.IsDigit(rune(q[j])) || q[j] == '.') {
				j++
			}
			out = append(out, token{'n', q[i:j]})
			i = j
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(q) {
					return nil, fmt.Errorf("unterminated string literal")
				}
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(q[j])
				j++
			}
			out = append(out, token{'s', b.String()})
			i = j + 1
		case strings.ContainsRune("(),*.", rune(c)):
			out = append(out, token{c, string(c)})
			i++
		case c == '<' || c == '>' || c == '!' || c == '=':
			j := i + 1
			if j < len(q) && (q[j] == '=' || c == '<' && q[j] == '>') {
				j++
			}
			out = append(out, token{'o', q[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	return out, nil
}

// parser is a recursive-descent reader of tokens.
type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *parser) next() token { t := p.peek(); p.pos++; return t }

// keyword consumes an identifier equal to kw.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == 'i' && t.text == kw {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(kind byte) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, fmt.Errorf("unexpected %q", t.text)
	}
	return t, nil
}

// parseSuiteQL parses the supported subset.
func parseSuiteQL(q string) (*statement, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if !p.keyword("select") {
		return nil, fmt.Errorf("only SELECT is supported")
	}
	st := &statement{}
	for {
		it, err := p.selectItem()
		if err != nil {
			return nil, err
		}
		st.items = append(st.items, it)
		if p.peek().kind != ',' {
			break
		}
		p.next()
	}
	if !p.keyword("from") {
		return nil, fmt.Errorf("expected FROM")
	}
	t, err := p.expect('i')
	if err != nil {
		return nil, err
	}
	st.table = t.text
	if p.keyword("where") {
		for {
			c, err := p.comparison()
			if err != nil {
				return nil, err
			}
			st.where = append(st.where, c)
			if !p.keyword("and") {
				break
			}
		}
	}
	if p.keyword("order") {
		if !p.keyword("by") {
			return nil, fmt.Errorf("expected BY")
		}
		for {
			c, err := p.expect('i')
			if err != nil {
				return nil, err
			}
			o := ordering{column: c.text}
			if p.keyword("desc") {
				o.desc = true
			} else {
				p.keyword("asc")
			}
			st.order = append(st.order, o)
			if p.peek().kind != ',' {
				break
			}
			p.next()
		}
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.peek().text)
	}
	for _, it := range st.items {
		if it.star && it.column != "" && it.column != st.table {
			return nil, fmt.Errorf("%s.* does not name the queried table", it.column)
		}
	}
	return st, nil
}

func (p *parser) selectItem() (selectItem, error) {
	if p.peek().kind == '*' {
		p.next()
		return selectItem{star: true}, nil
	}
	t, err := p.expect('i')
	if err != nil {
		return selectItem{}, err
	}
	if p.peek().kind == '.' {
		p.next()
		if _, err := p.expect('*'); err != nil {
			return selectItem{}, err
		}
		return selectItem{star: true, column: t.text}, nil
	}
	it := selectItem{column: t.text, alias: t.text}
	if t.text == "to_char" && p.peek().kind == '(' {
		p.next()
		col, err := p.expect('i')
		if err != nil {
			return it, err
		}
		if _, err := p.expect(','); err != nil {
			return it, err
		}
		f, err := p.expect('s')
		if err != nil {
			return it, err
		}
		if _, err := p.expect(')'); err != nil {
			return it, err
		}
		if _, ok := goLayouts[f.text]; !ok {
			return it, fmt.Errorf("unsupported date format %q", f.text)
		}
		it = selectItem{column: col.text, format: f.text, alias: "to_char"}
	}
	if p.keyword("as") {
		a, err := p.expect('i')
		if err != nil {
			return it, err
		}
		it.alias = a.text
	}
	return it, nil
}

func (p *parser) comparison() (comparison, error) {
	col, err := p.expect('i')
	if err != nil {
		return comparison{}, err
	}
	op, err := p.expect('o')
	if err != nil {
		return comparison{}, err
	}
	c := comparison{column: col.text, op: op.text}
	switch v := p.next(); {
	case v.kind == 'n':
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return c, err
		}
		c.value = f
	case v.kind == 's':
		c.value = v.text
	case v.kind == 'i' && v.text == "to_timestamp":
		if _, err := p.expect('('); err != nil {
			return c, err
		}
		s, err := p.expect('s')
		if err != nil {
			return c, err
		}
		if _, err := p.expect(','); err != nil {
			return c, err
		}
		f, err := p.expect('s')
		if err != nil {
			return c, err
		}
		if _, err := p.expect(')'); err != nil {
			return c, err
		}
		layout, ok := goLayouts[f.text]
		if !ok {
			return c, fmt.Errorf("unsupported date format %q", f.text)
		}
		t, err := time.ParseInLocation(layout, s.text, time.UTC)
		if err != nil {
			return c, fmt.Errorf("TO_TIMESTAMP(%q): %w", s.text, err)
		}
		c.value = t
	default:
		return c, fmt.Errorf("unexpected %q", v.text)
	}
	return c, nil
}

// goLayouts maps the Oracle date formats the emulator understands to Go layouts.
var goLayouts = map[string]string{
	"YYYY-MM-DD HH24:MI:SS": "2006-01-02 15:04:05",
	"YYYY-MM-DD":            "2006-01-02",
}

// matches reports whether row satisfies every comparison.
func (st *statement) matches(row map[string]any) bool {
	for _, c := range st.where {
		if !c.match(row[c.column]) {
			return false
		}
	}
	return true
}

func (c comparison) match(v any) bool {
	d, ok := compareValues(v, c.value)
	if !ok {
		return false
	}
	switch c.op {
	case "=":
		return d == 0
	case "!=", "<>":
		return d != 0
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	}
	return false
}

// compareValues orders a stored value against a literal; NULL compares with nothing.
func compareValues(v, lit any) (int, bool) {
	switch l := lit.(type) {
	case time.Time:
		t, ok := v.(time.Time)
		if !ok {
			return 0, false
		}
		return t.Compare(l), true
	case float64:
		f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
		if v == nil || err != nil {
			return 0, false
		}
		switch {
		case f < l:
			return -1, true
		case f > l:
			return 1, true
		}
		return 0, true
	case string:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(s, l), true
	}
	return 0, false
}

// less orders two rows by the ORDER BY terms.
func (st *statement) compareRows(a, b map[string]any) int {
	for _, o := range st.order {
		d := compareAny(a[o.column], b[o.column])
		if d != 0 {
			if o.desc {
				return -d
			}
			return d
		}
	}
	return 0
}

// compareAny orders two stored values: times, then numbers in strings, then text; NULL first.
func compareAny(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if ta, ok := a.(time.Time); ok {
		if tb, ok := b.(time.Time); ok {
			return ta.Compare(tb)
		}
	}
	sa, sb := fmt.Sprint(a), fmt.Sprint(b)
	fa, ea := strconv.ParseFloat(sa, 64)
	fb, eb := strconv.ParseFloat(sb, 64)
	if ea == nil && eb == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(sa, sb)
}
