package shopify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxPageInfo bounds a page_info token read from a Link header.
const maxPageInfo = 2048

// errLink marks an unreadable Link header.
var errLink = errors.New("unreadable Link header")

// nextPageInfo returns the page_info of the rel="next" link in a response's Link header values
// (`<https://shop/admin/api/2024-07/products.json?limit=250&page_info=abc>; rel="next", <...>;
// rel="previous"`), or "" when there is no next page. Only the token is kept: the next request is
// built from the API root the provider already trusts, so a Link header cannot send the access token
// to another host.
func nextPageInfo(values []string) (string, error) {
	for _, v := range values {
		links, err := splitLinks(v)
		if err != nil {
			return "", err
		}
		for _, l := range links {
			if !hasRel(l.params, "next") {
				continue
			}
			u, err := url.Parse(l.target)
			if err != nil {
				return "", fmt.Errorf("%w: next link %q: %v", errLink, clip(l.target), err)
			}
			token := u.Query().Get("page_info")
			if !validPageInfo(token) {
				return "", fmt.Errorf("%w: next link %q has no usable page_info", errLink, clip(l.target))
			}
			return token, nil
		}
	}
	return "", nil
}

// link is one element of a Link header.
type link struct {
	target string
	params []string
}

// splitLinks parses a Link header value into its links. Commas inside <...> or quotes belong to the
// link.
func splitLinks(v string) ([]link, error) {
	var out []link
	rest := strings.TrimSpace(v)
	for rest != "" {
		if rest[0] != '<' {
			return nil, fmt.Errorf("%w: %q does not start with '<'", errLink, clip(rest))
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return nil, fmt.Errorf("%w: unterminated '<' in %q", errLink, clip(rest))
		}
		l := link{target: strings.TrimSpace(rest[1:end])}
		rest = rest[end+1:]
		// Parameters run to the next comma outside quotes.
		inQuote, i := false, 0
		for ; i < len(rest); i++ {
			c := rest[i]
			if c == '"' {
				inQuote = !inQuote
			} else if c == ',' && !inQuote {
				break
			}
		}
		for p := range strings.SplitSeq(rest[:i], ";") {
			if p = strings.TrimSpace(p); p != "" {
				l.params = append(l.params, p)
			}
		}
		out = append(out, l)
		if i < len(rest) {
			i++
		}
		rest = strings.TrimSpace(rest[i:])
	}
	return out, nil
}

// hasRel reports whether a link's parameters include rel=<rel> (quoted or not, among several).
func hasRel(params []string, rel string) bool {
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		for r := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(v), `"`)) {
			if strings.EqualFold(r, rel) {
				return true
			}
		}
	}
	return false
}

// validPageInfo accepts the characters of Shopify's tokens (base64, URL-safe or not).
func validPageInfo(t string) bool {
	if t == "" || len(t) > maxPageInfo {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_=+/.~", c)) {
			return false
		}
	}
	return true
}
