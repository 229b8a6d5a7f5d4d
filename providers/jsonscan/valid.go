package jsonscan

// maxDepth is the deepest nesting Valid accepts, as encoding/json does.
const maxDepth = 10000

// Valid reports whether data is one JSON value, with nothing but white space around it: what
// encoding/json's Valid reports (bytes of any value are allowed inside strings, as there), in one
// pass that does several times less work per byte.
func Valid(data []byte) bool {
	v := validator{b: data}
	i, ok := v.value(skipSpace(data, 0))
	return ok && skipSpace(data, i) == len(data)
}

// validator walks one document; stack holds the open containers ('{' or '[').
type validator struct {
	b     []byte
	stack []byte
}

// value checks the value starting at b[i] and every value after it until the containers it opens are
// closed, and returns the index past it.
func (v *validator) value(i int) (int, bool) {
	b := v.b
	for {
		if i >= len(b) {
			return i, false
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if len(v.stack) >= maxDepth {
				return i, false
			}
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == closer {
				i++
				break
			}
			v.stack = append(v.stack, c)
			if c == '{' {
				var ok bool
				if i, ok = v.key(i); !ok {
					return i, false
				}
			}
			continue
		case c == '"':
			var ok bool
			if i, ok = validString(b, i); !ok {
				return i, false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			var ok bool
			if i, ok = validNumber(b, i); !ok {
				return i, false
			}
		case c == 't':
			if !hasWord(b, i, "true") {
				return i, false
			}
			i += 4
		case c == 'f':
			if !hasWord(b, i, "false") {
				return i, false
			}
			i += 5
		case c == 'n':
			if !hasWord(b, i, "null") {
				return i, false
			}
			i += 4
		default:
			return i, false
		}
		// A value ended: close what it ends, or go on to the next member or element.
		for {
			if len(v.stack) == 0 {
				return i, true
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			top := v.stack[len(v.stack)-1]
			if b[i] == ',' {
				i = skipSpace(b, i+1)
				if top == '{' {
					var ok bool
					if i, ok = v.key(i); !ok {
						return i, false
					}
				}
				break
			}
			if (top == '{' && b[i] != '}') || (top == '[' && b[i] != ']') {
				return i, false
			}
			v.stack = v.stack[:len(v.stack)-1]
			i++
		}
	}
}

// key checks a member's key and colon at b[i] and returns the index of its value.
func (v *validator) key(i int) (int, bool) {
	b := v.b
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	i, ok := validString(b, i)
	if !ok {
		return i, false
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, false
	}
	return skipSpace(b, i+1), true
}

// validString checks the string starting at b[i] (a quote) and returns the index past it.
func validString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return j, false
		case c == '\\':
			j++
			if j >= len(b) {
				return j, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					return j, false
				}
				for k := j + 1; k <= j+4; k++ {
					if !isHex(b[k]) {
						return k, false
					}
				}
				j += 4
			default:
				return j, false
			}
		}
	}
	return len(b), false
}

// validNumber checks the number starting at b[i]: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func hasWord(b []byte, i int, w string) bool {
	return len(b)-i >= len(w) && string(b[i:i+len(w)]) == w
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
