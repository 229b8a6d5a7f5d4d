package emulator

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// rangeQuery matches the Lucene range queries the emulator understands: field:[from TO to] with
// inclusive brackets or exclusive braces, "*" meaning unbounded.
var rangeQuery = regexp.MustCompile(`^(updated_at|created_at|last_login):([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$`)

// termQuery matches field:"value" or field:value.
var termQuery = regexp.MustCompile(`^(email|name|user_id):"?([^"]*)"?$`)

// searchUsers filters users by q (a subset of Auth0's Lucene syntax) and orders them by sort
// ("field:1" ascending, "field:-1" descending; user_id breaks ties).
func searchUsers(users []map[string]any, q, sortBy string) ([]map[string]any, *apiError) {
	keep := func(map[string]any) bool { return true }
	q = strings.TrimSpace(q)
	if q != "" {
		if m := rangeQuery.FindStringSubmatch(q); m != nil {
			field, lo, hi := m[1], bound(m[3]), bound(m[4])
			if (m[3] != "*" && lo.IsZero()) || (m[4] != "*" && hi.IsZero()) {
				return nil, badQuery()
			}
			loIncl, hiIncl := m[2] == "[", m[5] == "]"
			keep = func(u map[string]any) bool {
				t := bound(str(u[field]))
				if t.IsZero() {
					return false
				}
				if !lo.IsZero() && (t.Before(lo) || (!loIncl && t.Equal(lo))) {
					return false
				}
				return hi.IsZero() || t.Before(hi) || (hiIncl && t.Equal(hi))
			}
		} else if m := termQuery.FindStringSubmatch(q); m != nil {
			keep = func(u map[string]any) bool { return strings.EqualFold(str(u[m[1]]), m[2]) }
		} else {
			return nil, badQuery()
		}
	}
	out := make([]map[string]any, 0, len(users))
	for _, u := range users {
		if keep(u) {
			out = append(out, u)
		}
	}
	if sortBy != "" {
		field, dir, ok := strings.Cut(sortBy, ":")
		if !ok || (dir != "1" && dir != "-1") {
			return nil, &apiError{400, "Query validation error: 'String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$' on property sort.", "invalid_query_string"}
		}
		sort.SliceStable(out, func(i, j int) bool {
			a, b := str(out[i][field]), str(out[j][field])
			if a == b {
				a, b = str(out[i]["user_id"]), str(out[j]["user_id"])
			}
			if dir == "-1" {
				return a > b
			}
			return a < b
		})
	}
	return out, nil
}

func badQuery() *apiError {
	return &apiError{400, "Bad Request: Invalid query string. Check the Lucene syntax of q.", "invalid_query_string"}
}

// bound parses a range bound; "*" and unparsable values are the zero time.
func bound(v string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

func str(v any) string { s, _ := v.(string); return s }
