package httpapi

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// openapi serves the OpenAPI document of the routes this server has registered.
func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, s.OpenAPI())
}

// OpenAPI returns the OpenAPI 3.0 document describing every registered route. It is built from the
// route table the mux serves, request schemas come from the request structs the handlers decode, so
// neither can drift from the document.
func (s *Server) OpenAPI() map[string]any {
	s.init()
	s.mu.Lock()
	routes := append([]route(nil), s.routes...)
	s.mu.Unlock()

	schemas := responseSchemas()
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		item := paths[rt.path]
		if item == nil {
			item = map[string]any{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = operationDoc(rt, schemas)
	}
	version := s.Version
	if version == "" {
		version = "dev"
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "sequin management API",
			"version": version,
			"description": "Mirrors the SQL functions of the sequin schema. Every request except /healthz, /metrics and " +
				"/v1/openapi.json needs Authorization: Bearer <token> (SELECT sequin.create_api_token('name')). " +
				"Argument errors of the SQL functions are answered with 422 and the function's own message and hint.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// operationDoc describes one route, adding its request schema to schemas.
func operationDoc(rt route, schemas map[string]any) map[string]any {
	doc := rt.doc
	op := map[string]any{"summary": doc.summary}
	op["operationId"] = doc.id
	if doc.id == "" {
		op["operationId"] = operationID(rt)
	}
	if doc.tag != "" {
		op["tags"] = []string{doc.tag}
	}
	if rt.public {
		op["security"] = []any{}
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
			"schema": map[string]any{"type": "string", "format": "uuid"}})
	}
	for _, p := range doc.query {
		schema := map[string]any{"type": p.typ}
		if p.format != "" {
			schema["format"] = p.format
		}
		params = append(params, map[string]any{"name": p.name, "in": "query", "required": p.required,
			"description": p.description, "schema": schema})
	}
	if params != nil {
		op["parameters"] = params
	}
	switch {
	case doc.body != nil:
		t := reflect.TypeOf(doc.body).Elem()
		name := exportedName(t.Name())
		schemas[name] = requestSchema(t)
		op["requestBody"] = map[string]any{"required": !doc.bodyOptional, "content": jsonContent(ref(name))}
	case doc.freeBody && rt.method != http.MethodGet:
		op["requestBody"] = map[string]any{"content": jsonContent(object())}
	}

	responses := map[string]any{}
	for _, r := range doc.responses {
		resp := map[string]any{"description": r.description}
		switch r.schema {
		case "":
		case "text":
			resp["content"] = map[string]any{"text/plain": map[string]any{"schema": str()}}
		default:
			resp["content"] = jsonContent(ref(r.schema))
		}
		responses[strconv.Itoa(r.status)] = resp
	}
	if doc.freeBody {
		responses["200"] = map[string]any{"description": "OK", "content": jsonContent(object())}
	}
	errorResponse := func(status int, description string) {
		responses[strconv.Itoa(status)] = map[string]any{"description": description, "content": jsonContent(ref("ErrorResponse"))}
	}
	if doc.body != nil || len(doc.query) > 0 {
		errorResponse(http.StatusBadRequest, "Malformed JSON, an unknown or mistyped field, or a bad query parameter")
	}
	if !rt.public {
		errorResponse(http.StatusUnauthorized, "Missing, invalid or revoked token")
	}
	if strings.Contains(rt.path, "{") || rt.path == "/v1/records" {
		errorResponse(http.StatusNotFound, "No such object")
	}
	if doc.body != nil {
		errorResponse(http.StatusRequestEntityTooLarge, "The body exceeds the size limit")
	}
	if !rt.public && rt.method != http.MethodGet {
		errorResponse(http.StatusUnprocessableEntity, "A SQL function refused an argument; message and hint are its own")
	}
	errorResponse(http.StatusInternalServerError, "Internal error")
	op["responses"] = responses
	return op
}

func operationID(rt route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.method))
	for _, part := range strings.FieldsFunc(rt.path, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		b.WriteString(exportedName(part))
	}
	return b.String()
}

func exportedName(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// requestSchema describes a request struct as the decoder reads it: unknown fields are refused, so
// additionalProperties is false; JSON values handed to the SQL functions as they are (json.RawMessage)
// are objects.
func requestSchema(t reflect.Type) map[string]any {
	if t == rawMessageType {
		return object()
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := requestSchema(t.Elem())
		s["nullable"] = true
		return s
	case reflect.String:
		return str()
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": requestSchema(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := jsonName(f)
			if !ok {
				continue
			}
			p := requestSchema(f.Type)
			if format := f.Tag.Get("format"); format != "" {
				if items, ok := p["items"].(map[string]any); ok {
					items["format"] = format
				} else {
					p["format"] = format
				}
			}
			if d := f.Tag.Get("doc"); d != "" {
				p["description"] = d
			}
			props[name] = p
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return object()
}
