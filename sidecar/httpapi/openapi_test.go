package httpapi_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// documentedRoutes lists the "METHOD /path" pairs of an OpenAPI document.
func documentedRoutes(doc map[string]any) []string {
	var out []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDescribesExactlyTheServedRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := b.openAPI(t)
	require.Equal(t, "3.0.3", doc["openapi"])
	require.Equal(t, b.server.Routes(), documentedRoutes(doc))

	// A route another service mounts is documented as soon as it is served.
	b.server.Mount("POST /v1/http-consumers/{id}/next", http.NotFoundHandler())
	doc = b.openAPI(t)
	require.Equal(t, b.server.Routes(), documentedRoutes(doc))
	op := doc["paths"].(map[string]any)["/v1/http-consumers/{id}/next"].(map[string]any)["post"].(map[string]any)
	require.Equal(t, "nextHTTPConsumerMessages", op["operationId"])
	require.Contains(t, op["responses"], "401")
	b.server.Handle("POST /webhooks/{sync_id}", http.NotFoundHandler())
	doc = b.openAPI(t)
	require.Equal(t, b.server.Routes(), documentedRoutes(doc))
	op = doc["paths"].(map[string]any)["/webhooks/{sync_id}"].(map[string]any)["post"].(map[string]any)
	require.Equal(t, "receiveWebhook", op["operationId"])
	require.Equal(t, []any{}, op["security"], "webhooks verify their own signatures")

	// Every documented route is served: none answers with the mux's "no route".
	for _, rt := range b.server.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		path = regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "6a1c1f9e-8f7e-4c4e-9a57-1d0f2b3c4d5e")
		r := b.doAs(t, "", method, path, nil)
		if r.body != nil && r.body["error"] != nil {
			e := r.errorBody(t)
			require.NotEqual(t, "method_not_allowed", e["code"], rt)
			require.NotContains(t, e["message"], "no route", rt)
		}
	}
}

func TestOpenAPIDocumentIsConsistent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := b.openAPI(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)

	// Every $ref resolves.
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				require.Contains(t, schemas, strings.TrimPrefix(r, "#/components/schemas/"), "dangling $ref at %s", at)
			}
			for k, sub := range x {
				walk(at+"/"+k, sub)
			}
		case []any:
			for _, sub := range x {
				walk(at, sub)
			}
		}
	}
	walk("", doc)

	ids := map[string]string{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op := o.(map[string]any)
			id := op["operationId"].(string)
			require.NotContains(t, ids, id, "operationId %s of %s %s is also used by %s", id, method, path, ids[id])
			ids[id] = method + " " + path
			require.NotEmpty(t, op["summary"], "%s %s", method, path)
			require.NotEmpty(t, op["responses"], "%s %s", method, path)
			// Path parameters are declared.
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				if p.(map[string]any)["in"] == "path" {
					declared[p.(map[string]any)["name"].(string)] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(path, -1) {
				require.True(t, declared[m[1]], "%s %s: path parameter %s", method, path, m[1])
			}
			if strings.HasPrefix(path, "/v1/") && path != "/v1/openapi.json" {
				require.Contains(t, op["responses"], "401", "%s %s needs a token", method, path)
			}
		}
	}

	// Request schemas are the decoder's: unknown fields are refused.
	create := schemas["CreateSyncRequest"].(map[string]any)
	require.Equal(t, false, create["additionalProperties"])
	require.Equal(t, []string{"collection_ids", "credential", "credential_id", "metadata", "name", "options", "provider", "rate_limit"},
		keys(create["properties"].(map[string]any)))
	credentialID := create["properties"].(map[string]any)["credential_id"].(map[string]any)
	require.Equal(t, "uuid", credentialID["format"])
}
