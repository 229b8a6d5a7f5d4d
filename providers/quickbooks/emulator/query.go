package emulator

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// statement is a parsed query: SELECT * FROM <entity> [WHERE ...] [ORDERBY f [ASC|DESC]]
// [STARTPOSITION n] [MAXRESULTS n], or SELECT COUNT(*) FROM <entity> [WHERE ...].
type statement struct {
	entity         entityKind
	count          bool
	conds          []cond
	mentionsActive bool
	orderBy        string
	desc           bool
	start, max     int
}

type cond struct {
	field, op string
	values    []string
}

var (
	selectRe = regexp.MustCompile(`(?i)^\s*select\s+(\*|count\(\*\))\s+from\s+(\w+)(?:\s+where\s+(.+?))?(?:\s+orderby\s+([\w.]+)(?:\s+(asc|desc))?)?(?:\s+startposition\s+(\d+))?(?:\s+maxresults\s+(\d+))?\s*$`)
	condRe   = regexp.MustCompile(`(?i)^\s*([\w.]+)\s*(=|<=|>=|<|>|in)\s*(.+?)\s*$`)
	andRe    = regexp.MustCompile(`(?i)\s+and\s+`)
)

func parseError(detail string) *fault {
	return &fault{400, "ValidationFault", "Error parsing query", "QueryParserError: " + detail, "4000"}
}

// parse reads a query; MAXRESULTS is capped at 1,000 as QuickBooks does.
func parse(q string) (*statement, *fault) {
	m := selectRe.FindStringSubmatch(q)
	if m == nil {
		return nil, parseError("Encountered unexpected text in " + strconv.Quote(q))
	}
	e, ok := entityByName(m[2])
	if !ok || !strings.EqualFold(m[2], e.name) {
		return nil, parseError("Invalid entity " + m[2])
	}
	st := &statement{entity: e, count: m[1] != "*", orderBy: m[4], desc: strings.EqualFold(m[5], "desc"), start: 1, max: 100}
	if m[3] != "" {
		for _, part := range andRe.Split(m[3], -1) {
			cm := condRe.FindStringSubmatch(part)
			if cm == nil {
				return nil, parseError("Invalid condition " + strconv.Quote(part))
			}
			c := cond{field: cm[1], op: strings.ToLower(cm[2])}
			raw := cm[3]
			if c.op == "in" {
				raw = strings.TrimSuffix(strings.TrimPrefix(raw, "("), ")")
				for _, v := range strings.Split(raw, ",") {
					c.values = append(c.values, unquote(v))
				}
			} else {
				c.values = []string{unquote(raw)}
			}
			if strings.EqualFold(c.field, "Active") {
				st.mentionsActive = true
			}
			st.conds = append(st.conds, c)
		}
	}
	if m[6] != "" {
		st.start, _ = strconv.Atoi(m[6])
		st.start = max(st.start, 1)
	}
	if m[7] != "" {
		st.max, _ = strconv.Atoi(m[7])
		st.max = min(max(st.max, 0), 1000)
	}
	return st, nil
}

func unquote(v string) string {
	v = strings.TrimSpace(v)
	return strings.Trim(v, `'"`)
}

// field reads a dotted field of an object as a string.
func field(o map[string]any, path string) (string, bool) {
	var cur any = o
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur, ok = m[p]
		if !ok {
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// match reports whether o satisfies every condition; timestamps compare as times, Ids as numbers.
func (st *statement) match(o map[string]any) bool {
	if st.entity.nameList && !st.mentionsActive && !active(o) {
		return false
	}
	for _, c := range st.conds {
		got, ok := field(o, c.field)
		if !ok {
			return false
		}
		hit := false
		for _, want := range c.values {
			if compare(c.field, got, want, c.op) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

func compare(name, got, want, op string) bool {
	cmp := strings.Compare(strings.ToLower(got), strings.ToLower(want))
	if a, err := time.Parse(time.RFC3339, got); err == nil {
		if b, err := time.Parse(time.RFC3339, want); err == nil {
			cmp = a.Compare(b)
		}
	} else if strings.EqualFold(name, "Id") {
		a, _ := strconv.Atoi(got)
		b, _ := strconv.Atoi(want)
		cmp = a - b
	}
	switch op {
	case "=", "in":
		return cmp == 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}
