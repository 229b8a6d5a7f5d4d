// Package jsonscan walks the top level of JSON documents that are already known to be valid: the
// members of an object and the elements of an array, as slices of the input. API list pages are
// validated once (Valid) and then split into their objects, and each object's few identifying fields
// read, without decoding (and re-validating) every object again.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrNotObject and ErrNotArray report a value of another kind than the walk expects.
var (
	ErrNotObject = errors.New("not a JSON object")
	ErrNotArray  = errors.New("not a JSON array")
)

// Members calls fn with the key and the raw value of every member of the object obj, in order, and
// stops at fn's first error. obj must be valid JSON (Valid); value slices alias obj.
func Members(obj []byte, fn func(key string, value []byte) error) error {
	return MemberBytes(obj, func(key, value []byte) error { return fn(string(key), value) })
}

// MemberBytes is Members with the key as bytes, which alias obj unless the key has escapes: reading
// a few members of many objects then allocates nothing per key. fn must not keep key.
func MemberBytes(obj []byte, fn func(key, value []byte) error) error {
	_, err := members(obj, skipSpace(obj, 0), fn)
	return err
}

// members walks the members of the object starting at b[i] and returns the index just past it.
func members(b []byte, i int, fn func(key, value []byte) error) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return i, ErrNotObject
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for i < len(b) {
		end := skipString(b, i)
		key, err := decodeKey(b[i:end])
		if err != nil {
			return i, err
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // the colon
		vend := skipValue(b, i)
		if err := fn(key, b[i:vend]); err != nil {
			return i, err
		}
		i = skipSpace(b, vend)
		if i >= len(b) {
			return len(b), nil
		}
		if b[i] == '}' {
			return i + 1, nil
		}
		i = skipSpace(b, i+1) // the comma
	}
	return len(b), nil
}

// ObjectElements walks an array of objects in one pass: for every element it calls member with each
// of the object's members (as MemberBytes does), then elem with the whole object. An element that is
// not an object is ErrNotObject. It stops at the first error; arr must be valid JSON (Valid), and the
// slices alias it.
func ObjectElements(arr []byte, member func(key, value []byte) error, elem func(obj []byte) error) error {
	return elements(arr, func(i int) (int, error) {
		end, err := members(arr, i, member)
		if err != nil {
			return end, err
		}
		return end, elem(arr[i:end])
	})
}

// Elements calls fn with every element of the array arr, in order, and stops at fn's first error.
// arr must be valid JSON; element slices alias arr.
func Elements(arr []byte, fn func(elem []byte) error) error {
	return elements(arr, func(i int) (int, error) {
		end := skipValue(arr, i)
		return end, fn(arr[i:end])
	})
}

// elements walks the array arr: each is given the index where an element starts, and returns the
// index just past it.
func elements(arr []byte, each func(i int) (int, error)) error {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return ErrNotArray
	}
	i = skipSpace(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return nil
	}
	for i < len(arr) {
		end, err := each(i)
		if err != nil {
			return err
		}
		i = skipSpace(arr, end)
		if i >= len(arr) || arr[i] == ']' {
			return nil
		}
		i = skipSpace(arr, i+1)
	}
	return nil
}

// String decodes a JSON string value; null is the empty string.
func String(v []byte) (string, error) {
	if isNull(v) {
		return "", nil
	}
	if len(v) < 2 || v[0] != '"' {
		return "", fmt.Errorf("want a string, got %s", clip(v))
	}
	if plain(v) {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// Int decodes a JSON number that is an integer; null is zero.
func Int(v []byte) (int64, error) {
	if isNull(v) {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer, got %s", clip(v))
	}
	return n, nil
}

// Bool decodes a JSON boolean; null is false.
func Bool(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %s", clip(v))
}

// plain reports whether a quoted string reads as its bytes: no escapes, valid UTF-8 (encoding/json
// turns invalid bytes into U+FFFD, and so does decoding it the slow way).
func plain(quoted []byte) bool {
	return bytes.IndexByte(quoted, '\\') < 0 && utf8.Valid(quoted)
}

func isNull(v []byte) bool { return string(v) == "null" }

func clip(v []byte) string {
	if len(v) > 40 {
		return string(v[:40]) + "…"
	}
	return string(v)
}

func decodeKey(raw []byte) ([]byte, error) {
	if plain(raw) {
		return raw[1 : len(raw)-1], nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("decoding key %s: %w", clip(raw), err)
	}
	return []byte(s), nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] (a quote): the next quote
// not escaped, that is after an even number of backslashes.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return len(b)
		}
		j += q
		k := j
		for k > i+1 && b[k-1] == '\\' {
			k--
		}
		if (j-k)%2 == 0 {
			return j + 1
		}
		j++
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j
}
