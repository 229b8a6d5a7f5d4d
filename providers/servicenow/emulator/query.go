package emulator

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// cond is one condition of an encoded query: field, operator, value.
type cond struct{ field, op, value string }

// orderBy is one ORDERBY/ORDERBYDESC term.
type orderBy struct {
	field string
	desc  bool
}

// query is a parsed encoded query (sysparm_query): alternatives joined by ^NQ, each an AND of terms,
// each term an OR of conditions (a=1^ORb=2^c=3 is (a=1 OR b=2) AND c=3), plus the ordering.
type query struct {
	alts  [][][]cond
	order []orderBy
}

// operators in the order they are tried: longer spellings first.
var operators = []string{"ISNOTEMPTY", "ISEMPTY", "STARTSWITH", "ENDSWITH", "NOT LIKE", "NOT IN", "LIKE", "IN", "!=", ">=", "<=", "=", ">", "<"}

var (
	fieldName    = regexp.MustCompile(`^[a-z0-9_.]+`)
	dateGenerate = regexp.MustCompile(`^javascript:gs\.dateGenerate\('(\d{4}-\d{2}-\d{2})',\s*'(\d{2}:\d{2}:\d{2})'\)$`)
)

// parseQuery parses an encoded query; an unreadable condition is an error.
func parseQuery(q string) (*query, error) {
	out := &query{}
	if strings.TrimSpace(q) == "" {
		return out, nil
	}
	for _, alt := range strings.Split(q, "^NQ") {
		var terms [][]cond
		for _, tok := range strings.Split(alt, "^") {
			switch {
			case tok == "" || tok == "EQ":
				continue
			case strings.HasPrefix(tok, "ORDERBYDESC"):
				out.order = append(out.order, orderBy{field: strings.TrimPrefix(tok, "ORDERBYDESC"), desc: true})
				continue
			case strings.HasPrefix(tok, "ORDERBY"):
				out.order = append(out.order, orderBy{field: strings.TrimPrefix(tok, "ORDERBY")})
				continue
			}
			or := strings.HasPrefix(tok, "OR") && len(terms) > 0
			if or {
				tok = strings.TrimPrefix(tok, "OR")
			}
			c, err := parseCond(tok)
			if err != nil {
				return nil, err
			}
			if or {
				terms[len(terms)-1] = append(terms[len(terms)-1], c)
			} else {
				terms = append(terms, []cond{c})
			}
		}
		out.alts = append(out.alts, terms)
	}
	return out, nil
}

// parseCond reads "field<op>value".
func parseCond(tok string) (cond, error) {
	f := fieldName.FindString(tok)
	if f == "" {
		return cond{}, fmt.Errorf("invalid query condition %q", tok)
	}
	rest := tok[len(f):]
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			v := rest[len(op):]
			if m := dateGenerate.FindStringSubmatch(v); m != nil {
				v = m[1] + " " + m[2]
			}
			return cond{field: f, op: op, value: v}, nil
		}
	}
	return cond{}, fmt.Errorf("invalid query condition %q", tok)
}

// match reports whether rec satisfies the query.
func (q *query) match(rec map[string]string) bool {
	if len(q.alts) == 0 {
		return true
	}
	for _, terms := range q.alts {
		ok := true
		for _, ors := range terms {
			if !slices.ContainsFunc(ors, func(c cond) bool { return c.match(rec) }) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// match evaluates one condition; numbers compare as numbers, everything else as strings, which
// orders ServiceNow's date-times correctly.
func (c cond) match(rec map[string]string) bool {
	v := rec[c.field]
	switch c.op {
	case "ISEMPTY":
		return v == ""
	case "ISNOTEMPTY":
		return v != ""
	case "STARTSWITH":
		return strings.HasPrefix(v, c.value)
	case "ENDSWITH":
		return strings.HasSuffix(v, c.value)
	case "LIKE":
		return strings.Contains(strings.ToLower(v), strings.ToLower(c.value))
	case "NOT LIKE":
		return !strings.Contains(strings.ToLower(v), strings.ToLower(c.value))
	case "IN":
		return slices.Contains(strings.Split(c.value, ","), v)
	case "NOT IN":
		return !slices.Contains(strings.Split(c.value, ","), v)
	}
	d := compare(v, c.value)
	switch c.op {
	case "=":
		return d == 0
	case "!=":
		return d != 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	}
	return false
}

// compare orders two values, numerically when both are numbers.
func compare(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// sort orders records by the query's ORDERBY terms, then by sys_id so that paging is stable.
func (q *query) sort(recs []map[string]string) {
	slices.SortStableFunc(recs, func(a, b map[string]string) int {
		for _, o := range q.order {
			if d := compare(a[o.field], b[o.field]); d != 0 {
				if o.desc {
					return -d
				}
				return d
			}
		}
		return strings.Compare(a["sys_id"], b["sys_id"])
	})
}
