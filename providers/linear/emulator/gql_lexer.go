package emulator

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokenKind is the kind of a GraphQL lexical token.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokPunct
	tokName
	tokInt
	tokFloat
	tokString
)

// token is one lexical token of a GraphQL document.
type token struct {
	kind tokenKind
	// text is the punctuator, the name, the number's digits or the string's decoded value.
	text string
	pos  int
}

// maxDocument bounds a GraphQL document, as the API bounds request bodies.
const maxDocument = 256 << 10

// lex splits a GraphQL document into tokens. Commas, white space and comments are insignificant, as
// the GraphQL specification says; the spread "..." is a token so the parser can refuse fragments
// with a clear message.
func lex(src string) ([]token, error) {
	if len(src) > maxDocument {
		return nil, fmt.Errorf("the document is %d bytes, more than %d", len(src), maxDocument)
	}
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case c == 0xEF && strings.HasPrefix(src[i:], "\uFEFF"):
			i += 3
		case c == '#':
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
		case strings.IndexByte("!$&()=:@[]{}|", c) >= 0:
			out = append(out, token{kind: tokPunct, text: string(c), pos: i})
			i++
		case c == '.':
			if !strings.HasPrefix(src[i:], "...") {
				return nil, fmt.Errorf("unexpected %q at %d", ".", i)
			}
			out = append(out, token{kind: tokPunct, text: "...", pos: i})
			i += 3
		case c == '_' || isLetter(c):
			j := i + 1
			for j < len(src) && (src[j] == '_' || isLetter(src[j]) || isDigit(src[j])) {
				j++
			}
			out = append(out, token{kind: tokName, text: src[i:j], pos: i})
			i = j
		case c == '-' || isDigit(c):
			t, n, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			i = n
		case c == '"':
			t, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			i = n
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, fmt.Errorf("unexpected character %q at %d", r, i)
		}
	}
	return append(out, token{kind: tokEOF, pos: len(src)}), nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// lexNumber reads an IntValue or FloatValue starting at i.
func lexNumber(src string, i int) (token, int, error) {
	start := i
	if src[i] == '-' {
		i++
	}
	if i >= len(src) || !isDigit(src[i]) {
		return token{}, 0, fmt.Errorf("invalid number at %d", start)
	}
	if src[i] == '0' && i+1 < len(src) && isDigit(src[i+1]) {
		return token{}, 0, fmt.Errorf("invalid number at %d: leading zero", start)
	}
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	kind := tokInt
	if i < len(src) && src[i] == '.' {
		kind = tokFloat
		i++
		if i >= len(src) || !isDigit(src[i]) {
			return token{}, 0, fmt.Errorf("invalid number at %d", start)
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		kind = tokFloat
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) || !isDigit(src[i]) {
			return token{}, 0, fmt.Errorf("invalid number at %d", start)
		}
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == '_' || src[i] == '.' || isLetter(src[i])) {
		return token{}, 0, fmt.Errorf("invalid number at %d", start)
	}
	return token{kind: kind, text: src[start:i], pos: start}, i, nil
}

// lexString reads a string or block string starting at i and decodes it.
func lexString(src string, i int) (token, int, error) {
	start := i
	if strings.HasPrefix(src[i:], `"""`) {
		end := strings.Index(src[i+3:], `"""`)
		if end < 0 {
			return token{}, 0, fmt.Errorf("unterminated block string at %d", start)
		}
		raw := src[i+3 : i+3+end]
		return token{kind: tokString, text: strings.ReplaceAll(raw, `\"""`, `"""`), pos: start}, i + 6 + end, nil
	}
	var b strings.Builder
	i++
	for {
		if i >= len(src) || src[i] == '\n' || src[i] == '\r' {
			return token{}, 0, fmt.Errorf("unterminated string at %d", start)
		}
		c := src[i]
		switch {
		case c == '"':
			return token{kind: tokString, text: b.String(), pos: start}, i + 1, nil
		case c == '\\':
			if i+1 >= len(src) {
				return token{}, 0, fmt.Errorf("unterminated string at %d", start)
			}
			esc := src[i+1]
			switch esc {
			case '"', '\\', '/':
				b.WriteByte(esc)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if i+6 > len(src) {
					return token{}, 0, fmt.Errorf("invalid unicode escape at %d", i)
				}
				var r rune
				for _, h := range src[i+2 : i+6] {
					v, ok := hexValue(h)
					if !ok {
						return token{}, 0, fmt.Errorf("invalid unicode escape at %d", i)
					}
					r = r<<4 | v
				}
				b.WriteRune(r)
				i += 4
			default:
				return token{}, 0, fmt.Errorf("invalid escape \\%c at %d", esc, i)
			}
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
}

func hexValue(r rune) (rune, bool) {
	switch {
	case r >= '0' && r <= '9':
		return r - '0', true
	case r >= 'a' && r <= 'f':
		return r - 'a' + 10, true
	case r >= 'A' && r <= 'F':
		return r - 'A' + 10, true
	}
	return 0, false
}
