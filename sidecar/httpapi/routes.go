package httpapi

import (
	"fmt"
	"net/http"
	"strings"
)

// route is one endpoint. The one table of routes, apiRoutes, is what the mux registers and what
// /v1/openapi.json describes, so the document cannot drift from what is served.
type route struct {
	method, path string
	// public routes need no token.
	public bool
	// strictQuery refuses query parameters not listed in doc.query.
	strictQuery bool
	// serve handles the route; handler is used instead for routes added with Mount or Handle.
	serve   func(*Server, http.ResponseWriter, *http.Request)
	handler http.Handler
	doc     operation
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// operation documents a route for the OpenAPI document.
type operation struct {
	id, summary, tag string
	query            []param
	// body is a pointer to the request struct, nil when the route takes no body.
	body         any
	bodyOptional bool
	responses    []response
	// freeBody documents a body the route's handler defines (mounted routes).
	freeBody bool
}

// param is a query parameter.
type param struct {
	name, typ, format, description string
	required                       bool
}

// response is a documented success response; schema names a component schema ("" for no body).
type response struct {
	status      int
	schema      string
	description string
}

var pageParams = []param{
	{name: "limit", typ: "integer", description: fmt.Sprintf("items per page, 1 to %d (default %d)", MaxPageLimit, DefaultPageLimit)},
	{name: "cursor", typ: "string", description: "next_cursor of the previous page"},
}

func ok(schema string) []response { return []response{{http.StatusOK, schema, "OK"}} }

func created(schema string) []response { return []response{{http.StatusCreated, schema, "Created"}} }

var noContent = []response{{http.StatusNoContent, "", "Done"}}

// apiRoutes is the route table of the management API.
func apiRoutes() []route {
	return []route{
		{method: "GET", path: "/healthz", public: true, serve: (*Server).healthz,
			doc: operation{id: "getHealth", summary: "Health of the sidecar and its database connection", tag: "meta", responses: ok("Health")}},
		{method: "GET", path: "/metrics", public: true, serve: (*Server).metrics,
			doc: operation{id: "getMetrics", summary: "Prometheus metrics", tag: "meta", responses: []response{{http.StatusOK, "text", "Prometheus text format"}}}},
		{method: "GET", path: "/v1/openapi.json", public: true, strictQuery: true, serve: (*Server).openapi,
			doc: operation{id: "getOpenAPI", summary: "This document", tag: "meta", responses: ok("OpenAPIDocument")}},

		{method: "GET", path: "/v1/providers", strictQuery: true, serve: (*Server).listProviders,
			doc: operation{id: "listProviders", summary: "The provider catalogue: credential kinds and their fields, collections and their fields", tag: "providers", query: pageParams, responses: ok("ProviderList")}},

		{method: "GET", path: "/v1/credentials", strictQuery: true, serve: (*Server).listCredentials,
			doc: operation{id: "listCredentials", summary: "List credentials (secrets are never shown)", tag: "credentials", query: pageParams, responses: ok("CredentialList")}},
		{method: "POST", path: "/v1/credentials", strictQuery: true, serve: (*Server).createCredential,
			doc: operation{id: "createCredential", summary: "Create a credential (sequin.create_credential); its secrets are sealed at once", tag: "credentials", body: &createCredentialRequest{}, responses: created("Credential")}},
		{method: "GET", path: "/v1/credentials/{id}", strictQuery: true, serve: (*Server).getCredential,
			doc: operation{id: "getCredential", summary: "Get a credential", tag: "credentials", responses: ok("Credential")}},
		{method: "DELETE", path: "/v1/credentials/{id}", strictQuery: true, serve: (*Server).deleteCredential,
			doc: operation{id: "deleteCredential", summary: "Drop a credential no sync uses (sequin.drop_credential)", tag: "credentials", responses: noContent}},

		{method: "GET", path: "/v1/syncs", strictQuery: true, serve: (*Server).listSyncs,
			doc: operation{id: "listSyncs", summary: "List syncs with the status of their collections", tag: "syncs", query: pageParams, responses: ok("SyncList")}},
		{method: "POST", path: "/v1/syncs", strictQuery: true, serve: (*Server).createSync,
			doc: operation{id: "createSync", summary: "Create a sync (sequin.create_sync), with an existing or an inline credential", tag: "syncs", body: &createSyncRequest{}, responses: created("Sync")}},
		{method: "GET", path: "/v1/syncs/{id}", strictQuery: true, serve: (*Server).getSync,
			doc: operation{id: "getSync", summary: "Get a sync with the status of its collections (sequin.sync_status)", tag: "syncs", responses: ok("Sync")}},
		{method: "PATCH", path: "/v1/syncs/{id}", strictQuery: true, serve: (*Server).updateSync,
			doc: operation{id: "updateSync", summary: "Change a sync (sequin.update_sync) and add collections (sequin.add_collections)", tag: "syncs", body: &updateSyncRequest{}, responses: ok("Sync")}},
		{method: "DELETE", path: "/v1/syncs/{id}", strictQuery: true, serve: (*Server).deleteSync,
			doc: operation{id: "deleteSync", summary: "Drop a sync (sequin.drop_sync)", tag: "syncs", responses: noContent,
				query: []param{{name: "drop_tables", typ: "boolean", description: "also drop the synced tables (default false)"}}}},
		{method: "POST", path: "/v1/syncs/{id}/pause", strictQuery: true, serve: (*Server).pauseSync,
			doc: operation{id: "pauseSync", summary: "Pause a sync (sequin.pause_sync)", tag: "syncs", responses: ok("Sync")}},
		{method: "POST", path: "/v1/syncs/{id}/resume", strictQuery: true, serve: (*Server).resumeSync,
			doc: operation{id: "resumeSync", summary: "Resume a sync (sequin.resume_sync)", tag: "syncs", responses: ok("Sync")}},
		{method: "POST", path: "/v1/syncs/{id}/resync", strictQuery: true, serve: (*Server).resyncSync,
			doc: operation{id: "resyncSync", summary: "Backfill one collection or all again (sequin.resync)", tag: "syncs", body: &resyncRequest{}, bodyOptional: true, responses: ok("Sync")}},

		{method: "GET", path: "/v1/events", strictQuery: true, serve: (*Server).listEvents,
			doc: operation{id: "listEvents", summary: "The event stream (sequin.events) in seq order", tag: "events", responses: ok("EventList"),
				query: []param{
					{name: "sync_id", typ: "string", format: "uuid", description: "only events of this sync"},
					{name: "collection_id", typ: "string", description: "only events of this collection (\"acme:widget\"; the bare name with sync_id)"},
					{name: "after_seq", typ: "integer", description: "only events with a greater seq"},
					{name: "limit", typ: "integer", description: pageParams[0].description},
					{name: "cursor", typ: "string", description: "next_cursor of the previous page (the same as after_seq)"},
				}}},
		{method: "GET", path: "/v1/records", strictQuery: true, serve: (*Server).listRecords,
			doc: operation{id: "listRecords", summary: "The synced records of a sync (sequin.records)", tag: "records", responses: ok("RecordList"),
				query: []param{
					{name: "sync_id", typ: "string", format: "uuid", required: true, description: "the sync"},
					{name: "collection_id", typ: "string", description: "only records of this collection"},
					{name: "after", typ: "string", description: "only records with a greater upstream_id (needs collection_id)"},
					{name: "limit", typ: "integer", description: pageParams[0].description},
					{name: "cursor", typ: "string", description: "next_cursor of the previous page"},
				}}},

		{method: "GET", path: "/v1/http-consumers", strictQuery: true, serve: (*Server).listConsumers,
			doc: operation{id: "listHTTPConsumers", summary: "List HTTP pull consumers", tag: "consumers", query: pageParams, responses: ok("ConsumerList")}},
		{method: "POST", path: "/v1/http-consumers", strictQuery: true, serve: (*Server).createConsumer,
			doc: operation{id: "createHTTPConsumer", summary: "Create an HTTP pull consumer (sequin.create_consumer)", tag: "consumers", body: &createConsumerRequest{}, responses: created("Consumer")}},
		{method: "GET", path: "/v1/http-consumers/{id}", strictQuery: true, serve: (*Server).getConsumer,
			doc: operation{id: "getHTTPConsumer", summary: "Get an HTTP pull consumer", tag: "consumers", responses: ok("Consumer")}},

		{method: "POST", path: "/v1/mutations/run", strictQuery: true, serve: (*Server).runMutations,
			doc: operation{id: "runMutations", summary: "Apply writes upstream (sequin.mutate) and wait for their outcome", tag: "mutations", body: &runMutationsRequest{},
				responses: []response{
					{http.StatusOK, "MutationRunResult", "Every mutation finished (succeeded or failed)"},
					{http.StatusAccepted, "MutationRunResult", "The timeout passed with mutations still pending; poll GET /v1/mutations/{id}"},
				}}},
		{method: "GET", path: "/v1/mutations/{id}", strictQuery: true, serve: (*Server).getMutation,
			doc: operation{id: "getMutation", summary: "Get a mutation and its outcome", tag: "mutations", responses: ok("Mutation")}},
	}
}

// mountedDocs documents the routes other services are expected to Mount.
var mountedDocs = map[string]operation{
	"POST /v1/http-consumers/{id}/next":            {id: "nextHTTPConsumerMessages", summary: "Receive the next messages of an HTTP pull consumer", tag: "consumers", freeBody: true},
	"POST /v1/http-consumers/{id}/ack":             {id: "ackHTTPConsumerMessages", summary: "Acknowledge messages by ack token", tag: "consumers", freeBody: true},
	"POST /v1/http-consumers/{id}/nack":            {id: "nackHTTPConsumerMessages", summary: "Give messages back for redelivery by ack token", tag: "consumers", freeBody: true},
	"GET /console/api/mutations":                   {id: "consoleListMutations", summary: "Mutations, newest first (console)", tag: "console", freeBody: true},
	"GET /console/api/consumers":                   {id: "consoleListConsumers", summary: "Every consumer with its message counters (console)", tag: "console", freeBody: true},
	"GET /console/api/consumers/{id}/dead-letters": {id: "consoleListDeadLetters", summary: "A consumer's dead-lettered messages (console)", tag: "console", freeBody: true},
	"GET /console/api/events/last":                 {id: "consoleLastEvent", summary: "The newest event's seq (console)", tag: "console", freeBody: true},
	"GET /console/api/record":                      {id: "consoleGetRecord", summary: "One record by upstream id (console)", tag: "console", freeBody: true},
	"GET /console/api/rate-limits":                 {id: "consoleRateLimits", summary: "Rate-limit use per credential (console)", tag: "console", freeBody: true},
	"POST /webhooks/{sync_id}":                     {id: "receiveWebhook", summary: "Receive a provider's signed webhook; the objects it names are fetched again", tag: "webhooks", freeBody: true},
}

// mountedRoute makes a route of a handler another service serves.
func mountedRoute(pattern string, h http.Handler, public bool) route {
	method, path, ok := strings.Cut(strings.TrimSpace(pattern), " ")
	path = strings.TrimSpace(path)
	if !ok || method == "" || strings.ToUpper(method) != method || !strings.HasPrefix(path, "/") {
		panic(fmt.Sprintf("httpapi: pattern %q must be \"METHOD /path\"", pattern))
	}
	rt := route{method: method, path: path, public: public, handler: h}
	if doc, ok := mountedDocs[rt.pattern()]; ok {
		rt.doc = doc
	} else {
		rt.doc = operation{summary: "Served by another sidecar service", tag: "mounted", freeBody: true}
	}
	return rt
}
