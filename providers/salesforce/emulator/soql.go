package emulator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The emulator understands the SOQL a replicating client sends: a field list (or COUNT()), one
// object, a WHERE clause of comparisons, IN lists and LIKE joined by AND, OR, NOT and parentheses,
// ORDER BY with ASC/DESC and NULLS FIRST/LAST, LIMIT and OFFSET. Relationship queries, aggregates
// other than COUNT(), GROUP BY and date functions are refused as malformed.

// query is a parsed SOQL statement.
type query struct {
	obj    *sobject
	count  bool
	fields []*field
	where  cond
	order  []orderItem
	limit  int // -1: none
	offset int
}

type orderItem struct {
	f          *field
	desc       bool
	nullsFirst bool
}

// cond is a WHERE clause node.
type cond interface {
	match(r *record) bool
}

type andCond struct{ l, r cond }
type orCond struct{ l, r cond }
type notCond struct{ c cond }

func (c andCond) match(r *record) bool { return c.l.match(r) && c.r.match(r) }
func (c orCond) match(r *record) bool  { return c.l.match(r) || c.r.match(r) }
func (c notCond) match(r *record) bool { return !c.c.match(r) }

// literal is a value in a WHERE clause.
type literal struct {
	kind string // string, number, bool, null, date, datetime
	s    string
	n    float64
	b    bool
	t    time.Time
}

// compare is "field op literal", or IN / NOT IN with several literals.
type compare struct {
	f    *field
	op   string // = != < <= > >= LIKE IN NOTIN
	vals []literal
	like *regexp.Regexp
}

// token is a lexical token.
type token struct {
	kind string // ident, string, number, op, punct, eof
	text string
}

var (
	dateRe     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	datetimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$`)
	numberRe   = regexp.MustCompile(`^-?\d+(\.\d+)?$`)
)

// lex splits a statement into tokens.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '\''; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(s[j])
					}
					continue
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string starting at %d", i)
			}
			out = append(out, token{"string", b.String()})
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{"punct", string(c)})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, fmt.Errorf("unexpected token: '!'")
			}
			if op == "<>" {
				op = "!="
			}
			out = append(out, token{"op", op})
			i = j
		case c >= '0' && c <= '9' || c == '-':
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789:.TZ+-", s[j]) >= 0 {
				j++
			}
			out = append(out, token{"number", s[i:j]})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == '.' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			out = append(out, token{"ident", s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected token: '%c'", c)
		}
	}
	return append(out, token{kind: "eof"}), nil
}

// parser is a recursive-descent SOQL parser.
type parser struct {
	toks []token
	pos  int
	obj  *sobject
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos = min(p.pos+1, len(p.toks)-1); return t }

// keyword consumes the keyword kw (case-insensitive) if it comes next.
func (p *parser) keyword(kw string) bool {
	if t := p.peek(); t.kind == "ident" && strings.EqualFold(t.text, kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expect(kind, text string) error {
	t := p.next()
	if t.kind != kind || (text != "" && !strings.EqualFold(t.text, text)) {
		return fmt.Errorf("unexpected token: '%s'", t.text)
	}
	return nil
}

// parseQuery parses a statement against the org's schema.
func parseQuery(s string) (*query, *apiError) {
	toks, err := lex(s)
	if err != nil {
		return nil, errQuery(err.Error())
	}
	p := &parser{toks: toks}
	q, perr := p.statement()
	if perr != nil {
		return nil, perr
	}
	return q, nil
}

func (p *parser) statement() (*query, *apiError) {
	if !p.keyword("SELECT") {
		return nil, errQuery("unexpected token: '" + p.peek().text + "'")
	}
	var names []string
	count := false
	if t := p.peek(); t.kind == "ident" && strings.EqualFold(t.text, "COUNT") && p.toks[p.pos+1].text == "(" {
		p.next()
		p.next()
		if err := p.expect("punct", ")"); err != nil {
			return nil, errQuery(err.Error())
		}
		count = true
	} else {
		for {
			t := p.next()
			if t.kind != "ident" {
				return nil, errQuery("unexpected token: '" + t.text + "'")
			}
			names = append(names, t.text)
			if p.peek().text != "," {
				break
			}
			p.next()
		}
	}
	if !p.keyword("FROM") {
		return nil, errQuery("unexpected token: '" + p.peek().text + "'")
	}
	t := p.next()
	if t.kind != "ident" {
		return nil, errQuery("unexpected token: '" + t.text + "'")
	}
	obj := objectNamed(t.text)
	if obj == nil || !obj.queryable {
		return nil, &apiError{status: 400, code: "INVALID_TYPE", message: fmt.Sprintf("sObject type '%s' is not supported.", t.text)}
	}
	p.obj = obj
	q := &query{obj: obj, count: count, limit: -1}
	for _, n := range names {
		f := obj.fieldNamed(n)
		if f == nil {
			return nil, invalidColumn(obj, n)
		}
		q.fields = append(q.fields, f)
	}
	if p.keyword("WHERE") {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		q.where = c
	}
	if p.keyword("ORDER") {
		if !p.keyword("BY") {
			return nil, errQuery("unexpected token: '" + p.peek().text + "'")
		}
		for {
			t := p.next()
			f := obj.fieldNamed(t.text)
			if t.kind != "ident" || f == nil {
				return nil, invalidColumn(obj, t.text)
			}
			it := orderItem{f: f}
			if p.keyword("DESC") {
				it.desc = true
			} else {
				p.keyword("ASC")
			}
			it.nullsFirst = !it.desc
			if p.keyword("NULLS") {
				switch {
				case p.keyword("FIRST"):
					it.nullsFirst = true
				case p.keyword("LAST"):
					it.nullsFirst = false
				default:
					return nil, errQuery("unexpected token: '" + p.peek().text + "'")
				}
			}
			q.order = append(q.order, it)
			if p.peek().text != "," {
				break
			}
			p.next()
		}
	}
	for _, kw := range []string{"LIMIT", "OFFSET"} {
		if !p.keyword(kw) {
			continue
		}
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != "number" || err != nil || n < 0 {
			return nil, errQuery("unexpected token: '" + t.text + "'")
		}
		if kw == "LIMIT" {
			q.limit = n
		} else {
			q.offset = n
		}
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, errQuery("unexpected token: '" + t.text + "'")
	}
	return q, nil
}

func invalidColumn(o *sobject, name string) *apiError {
	return &apiError{status: 400, code: "INVALID_FIELD", message: fmt.Sprintf(
		"No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", name, o.name)}
}

func (p *parser) or() (cond, *apiError) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orCond{l, r}
	}
	return l, nil
}

func (p *parser) and() (cond, *apiError) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = andCond{l, r}
	}
	return l, nil
}

func (p *parser) not() (cond, *apiError) {
	if p.keyword("NOT") {
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	}
	if p.peek().text == "(" {
		p.next()
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if e := p.expect("punct", ")"); e != nil {
			return nil, errQuery(e.Error())
		}
		return c, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (cond, *apiError) {
	t := p.next()
	if t.kind != "ident" {
		return nil, errQuery("unexpected token: '" + t.text + "'")
	}
	f := p.obj.fieldNamed(t.text)
	if f == nil {
		return nil, invalidColumn(p.obj, t.text)
	}
	c := &compare{f: f}
	switch op := p.next(); {
	case op.kind == "op":
		c.op = op.text
	case op.kind == "ident" && strings.EqualFold(op.text, "LIKE"):
		c.op = "LIKE"
	case op.kind == "ident" && strings.EqualFold(op.text, "IN"):
		c.op = "IN"
	case op.kind == "ident" && strings.EqualFold(op.text, "NOT") && p.keyword("IN"):
		c.op = "NOTIN"
	default:
		return nil, errQuery("unexpected token: '" + op.text + "'")
	}
	if c.op == "IN" || c.op == "NOTIN" {
		if e := p.expect("punct", "("); e != nil {
			return nil, errQuery(e.Error())
		}
		for {
			v, err := p.value(f)
			if err != nil {
				return nil, err
			}
			c.vals = append(c.vals, v)
			if p.peek().text != "," {
				break
			}
			p.next()
		}
		if e := p.expect("punct", ")"); e != nil {
			return nil, errQuery(e.Error())
		}
		return c, nil
	}
	v, err := p.value(f)
	if err != nil {
		return nil, err
	}
	c.vals = []literal{v}
	if c.op == "LIKE" {
		if v.kind != "string" {
			return nil, errQuery("LIKE needs a string")
		}
		pat := regexp.QuoteMeta(v.s)
		pat = strings.NewReplacer("%", ".*", "_", ".").Replace(pat)
		c.like = regexp.MustCompile("(?is)^" + pat + "$")
	}
	return c, nil
}

// value reads a literal and checks it suits the field, as Salesforce does.
func (p *parser) value(f *field) (literal, *apiError) {
	t := p.next()
	typeErr := func(want string) *apiError {
		quoted := ""
		if t.kind == "string" {
			quoted = " and should not be enclosed in quotes"
		}
		return &apiError{status: 400, code: "INVALID_FIELD", message: fmt.Sprintf(
			"value of filter criterion for field '%s' must be of type %s%s", f.name, want, quoted)}
	}
	var lit literal
	switch {
	case t.kind == "string":
		lit = literal{kind: "string", s: t.text}
	case t.kind == "ident" && strings.EqualFold(t.text, "null"):
		return literal{kind: "null"}, nil
	case t.kind == "ident" && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false")):
		lit = literal{kind: "bool", b: strings.EqualFold(t.text, "true")}
	case t.kind == "number" && datetimeRe.MatchString(t.text):
		tm, ok := parseTime(strings.Replace(t.text, "+0000", "Z", 1))
		if !ok {
			if tm2, err := time.Parse("2006-01-02T15:04:05Z07:00", t.text); err == nil {
				tm, ok = tm2.UTC(), true
			}
		}
		if !ok {
			return literal{}, errQuery("invalid datetime: " + t.text)
		}
		lit = literal{kind: "datetime", t: tm}
	case t.kind == "number" && dateRe.MatchString(t.text):
		lit = literal{kind: "date", s: t.text}
	case t.kind == "number" && numberRe.MatchString(t.text):
		n, _ := strconv.ParseFloat(t.text, 64)
		lit = literal{kind: "number", n: n}
	default:
		return literal{}, errQuery("unexpected token: '" + t.text + "'")
	}
	switch f.typ {
	case "datetime":
		if lit.kind != "datetime" {
			return literal{}, typeErr("dateTime")
		}
	case "date":
		if lit.kind != "date" {
			return literal{}, typeErr("date")
		}
	case "boolean":
		if lit.kind != "bool" {
			return literal{}, typeErr("boolean")
		}
	case "currency", "double", "percent", "int":
		if lit.kind != "number" {
			return literal{}, typeErr("number")
		}
	case "address", "location":
		return literal{}, &apiError{status: 400, code: "INVALID_FIELD", message: fmt.Sprintf("field '%s' can not be filtered in a query call", f.name)}
	default:
		if lit.kind != "string" {
			return literal{}, typeErr("string")
		}
	}
	return lit, nil
}

// value returns a record's value for f, for filtering and sorting.
func value(r *record, f *field) any {
	if f.typ == "id" {
		return r.id
	}
	return r.values[f.name]
}

// cmp orders a stored value against a literal of the field's type: -1, 0, 1; ok false when either
// is null.
func cmp(f *field, v any, lit literal) (int, bool) {
	if v == nil || lit.kind == "null" {
		return 0, false
	}
	switch f.typ {
	case "datetime":
		t, _ := parseTime(v.(string))
		return t.Compare(lit.t), true
	case "boolean":
		b := v.(bool)
		switch {
		case b == lit.b:
			return 0, true
		case !b:
			return -1, true
		}
		return 1, true
	case "currency", "double", "percent", "int":
		n := v.(float64)
		switch {
		case n < lit.n:
			return -1, true
		case n > lit.n:
			return 1, true
		}
		return 0, true
	case "id", "reference":
		a, b := id15(v.(string)), id15(lit.s)
		return strings.Compare(a, b), true
	}
	return strings.Compare(strings.ToLower(fmt.Sprint(v)), strings.ToLower(lit.s)), true
}

func (c *compare) match(r *record) bool {
	v := value(r, c.f)
	switch c.op {
	case "LIKE":
		s, ok := v.(string)
		return ok && c.like.MatchString(s)
	case "IN", "NOTIN":
		in := false
		for _, lit := range c.vals {
			if lit.kind == "null" {
				in = in || v == nil
				continue
			}
			if d, ok := cmp(c.f, v, lit); ok && d == 0 {
				in = true
			}
		}
		return in == (c.op == "IN")
	}
	lit := c.vals[0]
	if lit.kind == "null" {
		switch c.op {
		case "=":
			return v == nil
		case "!=":
			return v != nil
		}
		return false
	}
	d, ok := cmp(c.f, v, lit)
	if !ok {
		return c.op == "!="
	}
	switch c.op {
	case "=":
		return d == 0
	case "!=":
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

// less orders two records by the query's ORDER BY.
func (q *query) less(a, b *record) int {
	for _, o := range q.order {
		va, vb := value(a, o.f), value(b, o.f)
		var d int
		switch {
		case va == nil && vb == nil:
			continue
		case va == nil:
			d = -1
			if !o.nullsFirst {
				d = 1
			}
			return d
		case vb == nil:
			d = 1
			if !o.nullsFirst {
				d = -1
			}
			return d
		}
		var lit literal
		switch x := vb.(type) {
		case string:
			lit = literal{kind: "string", s: x}
			if o.f.typ == "datetime" {
				lit.t, _ = parseTime(x)
			}
		case float64:
			lit = literal{kind: "number", n: x}
		case bool:
			lit = literal{kind: "bool", b: x}
		}
		d, _ = cmp(o.f, va, lit)
		if o.desc {
			d = -d
		}
		if d != 0 {
			return d
		}
	}
	return 0
}
