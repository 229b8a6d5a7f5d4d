package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// DefaultMaxBodyBytes bounds request bodies unless Server.MaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// decodeBody reads the request body as one JSON object into dst, refusing unknown fields. An empty body
// is an error unless optional is set, in which case dst is left as it is.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, dst any, optional bool) error {
	limit := s.maxBodyBytes()
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) && optional {
			return nil
		}
		return bodyError(err, limit, dst)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return bodyError(err, limit, dst)
		}
		return newError(http.StatusBadRequest, CodeInvalidJSON, "the request body must hold exactly one JSON object")
	}
	return nil
}

var unknownField = regexp.MustCompile(`unknown (?:field|object member name) "?([^"]*)"?`)

// bodyError turns a decoding error into the API error that names what is wrong.
func bodyError(err error, limit int64, dst any) *Error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge,
			Message: fmt.Sprintf("the request body exceeds %d bytes", limit), Hint: "send fewer items per request"}
	case errors.Is(err, io.EOF):
		return newError(http.StatusBadRequest, CodeInvalidJSON, "the request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return newError(http.StatusBadRequest, CodeInvalidJSON, fmt.Sprintf("malformed JSON at byte %d: %v", syntax.Offset, syntax))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newError(http.StatusBadRequest, CodeInvalidJSON, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return newError(http.StatusBadRequest, CodeInvalidType, fmt.Sprintf("the request body must be a JSON object, got %s", typeErr.Value))
		}
		e := newError(http.StatusBadRequest, CodeInvalidType,
			fmt.Sprintf("field %q must be %s, got %s", typeErr.Field, jsonTypeName(typeErr.Type), typeErr.Value))
		e.Field = typeErr.Field
		return e
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		e := newError(http.StatusBadRequest, CodeUnknownField, fmt.Sprintf("unknown field %q", m[1]))
		e.Field = m[1]
		e.Hint = "accepted fields: " + strings.Join(jsonFields(reflect.TypeOf(dst)), ", ")
		return e
	}
	return newError(http.StatusBadRequest, CodeInvalidJSON, "malformed JSON: "+err.Error())
}

// jsonTypeName names a Go type as the JSON type a client must send.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonTypeName(t.Elem()), "a "), "an ") + "s"
	}
	return "an object"
}

// jsonFields lists the JSON names of a request struct's fields.
func jsonFields(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		if name, ok := jsonName(t.Field(i)); ok {
			out = append(out, name)
		}
	}
	return out
}

func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || !f.IsExported() {
		return "", false
	}
	if name == "" {
		name = f.Name
	}
	return name, true
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

// jsonArg passes an optional JSON value to a jsonb parameter: absent and null become SQL NULL, so
// the SQL function applies its default.
func jsonArg(raw json.RawMessage) any {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return string(raw)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isUUID reports whether s is a UUID in its canonical text form.
func isUUID(s string) bool { return uuidPattern.MatchString(s) }

// requireUUIDs checks that every value of a body field is a UUID.
func requireUUIDs(field string, values ...string) error {
	for _, v := range values {
		if !isUUID(v) {
			e := newError(http.StatusBadRequest, CodeInvalidType, fmt.Sprintf("field %q must hold UUIDs, got %q", field, v))
			e.Field = field
			return e
		}
	}
	return nil
}

// pathID returns the {id} of the request path, or a 404 naming what was looked for when it cannot be
// the id of anything.
func pathID(r *http.Request, what string) (string, error) {
	id := r.PathValue("id")
	if !isUUID(id) {
		return "", notFound(fmt.Sprintf("no %s %q", what, id))
	}
	return strings.ToLower(id), nil
}

// queryUUID reads an optional UUID query parameter.
func queryUUID(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v != "" && !isUUID(v) {
		return "", invalidParameter(name, fmt.Sprintf("query parameter %q must be a UUID, got %q", name, v))
	}
	return strings.ToLower(v), nil
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, invalidParameter(name, fmt.Sprintf("query parameter %q must be an integer from %d to %d, got %q", name, lo, hi, v))
	}
	return n, nil
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalidParameter(name, fmt.Sprintf("query parameter %q must be true or false, got %q", name, v))
	}
	return b, nil
}
