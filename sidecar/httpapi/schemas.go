package httpapi

import "sort"

// The response schemas of /v1/openapi.json. They describe the JSON the queries of this package build
// (credentialJSON, syncJSON, ...); the package's tests check real responses against them.

func str() map[string]any { return map[string]any{"type": "string"} }

func strf(format string) map[string]any { return map[string]any{"type": "string", "format": format} }

func integer() map[string]any { return map[string]any{"type": "integer", "format": "int64"} }

func boolean() map[string]any { return map[string]any{"type": "boolean"} }

func object() map[string]any { return map[string]any{"type": "object"} }

func enum(values ...string) map[string]any {
	return map[string]any{"type": "string", "enum": values}
}

func array(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "items": items}
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// nullable marks a schema as admitting null; a reference is wrapped, as OpenAPI 3.0 ignores the
// siblings of $ref.
func nullable(s map[string]any) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}, "nullable": true}
	}
	out := map[string]any{"nullable": true}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// props is an object schema; every property is required (always present, maybe null) unless listed
// in optional.
func props(properties map[string]map[string]any, optional ...string) map[string]any {
	skip := map[string]bool{}
	for _, o := range optional {
		skip[o] = true
	}
	p := map[string]any{}
	var required []string
	for name, s := range properties {
		p[name] = s
		if !skip[name] {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	return map[string]any{"type": "object", "properties": p, "required": required}
}

func listOf(item string) map[string]any {
	return props(map[string]map[string]any{
		"data":        array(ref(item)),
		"next_cursor": nullable(str()),
		"has_more":    boolean(),
	})
}

var health = enum("healthy", "customer_intervention", "sequin_intervention")

func responseSchemas() map[string]any {
	dt := strf("date-time")
	uuid := strf("uuid")
	return map[string]any{
		"Error": props(map[string]map[string]any{
			"code": str(), "message": str(), "hint": str(), "field": str(), "item": integer(),
		}, "field", "item"),
		"ErrorResponse":   props(map[string]map[string]any{"error": ref("Error")}),
		"Health":          props(map[string]map[string]any{"status": enum("ok", "unavailable"), "version": str(), "database_error": str()}),
		"OpenAPIDocument": object(),

		"RateLimit": props(map[string]map[string]any{
			"allowed_requests": integer(), "interval": integer(), "max_concurrent_requests": integer(),
		}),
		"CredentialField": props(map[string]map[string]any{
			"name": str(), "type": enum("string", "boolean", "integer"), "required": boolean(), "secret": boolean(), "description": str(),
		}, "description"),
		"CredentialKind": props(map[string]map[string]any{
			"kind": str(), "description": str(), "fields": array(ref("CredentialField")),
		}, "description"),
		"CollectionField": props(map[string]map[string]any{
			"name": str(), "type": str(), "path": str(), "format": str(), "mutable": boolean(),
		}, "path", "format", "mutable"),
		"Collection": props(map[string]map[string]any{
			"id": str(), "name": str(), "description": str(), "fields": array(ref("CollectionField")),
			"incremental": boolean(), "deletes": enum("changes", "sweep", "none"),
			"mutation_kinds": array(enum("create", "update", "delete")),
		}, "description"),
		"Provider": props(map[string]map[string]any{
			"provider": str(), "display_name": str(), "default_base_url": str(),
			"credential_kinds": array(ref("CredentialKind")), "collections": array(ref("Collection")),
			"default_rate_limit": ref("RateLimit"), "test_rate_limit": nullable(ref("RateLimit")),
		}),
		"ProviderList": listOf("Provider"),

		"Credential": props(map[string]map[string]any{
			"id": uuid, "provider": str(), "kind": str(), "properties": object(), "metadata": object(),
			"health": health, "health_message": nullable(str()), "sealed": boolean(),
			"inserted_at": dt, "updated_at": dt,
		}),
		"CredentialList": listOf("Credential"),

		"SyncCollection": props(map[string]map[string]any{
			"collection_id": str(), "table_name": str(), "state": enum("pending", "backfilling", "live", "paused", "error"),
			"records": integer(), "backfill_pages": integer(), "backfill_records": integer(),
			"backfill_total": nullable(integer()), "backfill_percent": nullable(map[string]any{"type": "number"}),
			"backfill_started_at": nullable(dt), "backfill_completed_at": nullable(dt),
			"last_polled_at": nullable(dt), "last_change_at": nullable(dt), "lag_ms": nullable(integer()),
			"health": health, "health_message": nullable(str()), "last_error": nullable(str()), "last_error_at": nullable(dt),
		}),
		"Sync": props(map[string]map[string]any{
			"id": uuid, "name": str(), "provider": str(), "credential_id": uuid, "schema": str(),
			"status": enum("active", "paused"), "health": health, "health_message": nullable(str()),
			"rate_limit": ref("RateLimit"), "metadata": object(), "options": object(),
			"inserted_at": dt, "updated_at": dt, "collections": array(ref("SyncCollection")),
		}),
		"SyncList": listOf("Sync"),

		"Event": props(map[string]map[string]any{
			"seq": integer(), "event_id": uuid, "sync_id": uuid, "collection_id": str(), "upstream_id": str(),
			"upstream_updated_at": nullable(dt), "event": enum("inserted", "updated", "deleted"),
			"data": object(), "previous_data": nullable(object()), "event_inserted_at": dt,
		}),
		"EventList": listOf("Event"),

		"Record": props(map[string]map[string]any{
			"sync_id": uuid, "collection_id": str(), "upstream_id": str(), "upstream_updated_at": nullable(dt),
			"data": object(), "deleted": boolean(), "synced_at": nullable(dt),
		}),
		"RecordList": listOf("Record"),

		"Consumer": props(map[string]map[string]any{
			"id": uuid, "name": str(), "kind": enum("http_pull", "webhook", "kafka"), "config": object(),
			"sync_ids": nullable(array(uuid)), "collection_ids": nullable(array(str())),
			"start_at": enum("all", "new"), "ack_wait_ms": integer(), "max_deliver": integer(),
			"status": enum("active", "paused"), "health": health, "health_message": nullable(str()),
			"inserted_at": dt, "updated_at": dt,
		}),
		"ConsumerList": listOf("Consumer"),

		"MutationOutcome": props(map[string]map[string]any{
			"id": uuid, "status": enum("pending", "running", "succeeded", "failed"), "upstream_id": nullable(str()),
			"result": nullable(object()), "error": nullable(str()), "error_code": nullable(str()),
		}),
		"MutationRunResult": props(map[string]map[string]any{"data": array(ref("MutationOutcome"))}),
		"Mutation": props(map[string]map[string]any{
			"id": uuid, "sync_id": uuid, "collection_id": str(), "kind": enum("create", "update", "delete"),
			"upstream_id": nullable(str()), "data": object(), "status": enum("pending", "running", "succeeded", "failed"),
			"result": nullable(object()), "error": nullable(str()), "error_code": nullable(str()), "attempts": integer(),
			"inserted_at": dt, "updated_at": dt, "completed_at": nullable(dt),
		}),
	}
}
