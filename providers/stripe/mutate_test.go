package stripe

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
)

func TestMutateValidation(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 1})
	before := len(srv.Requests())
	cases := []struct {
		coll string
		m    *providers.Mutation
	}{
		{"payment_intent", &providers.Mutation{ID: "1", Kind: providers.MutationDelete, UpstreamID: "pi_1"}},
		{"price", &providers.Mutation{ID: "2", Kind: providers.MutationDelete, UpstreamID: "price_1"}},
		{"customer", &providers.Mutation{ID: "3", Kind: providers.MutationUpdate}},
		{"customer", &providers.Mutation{ID: "4", Kind: "upsert"}},
		{"customer", nil},
		{"customer", &providers.Mutation{ID: "5", Kind: providers.MutationCreate, Data: map[string]any{"bad": make(chan int)}}},
	}
	for _, tt := range cases {
		if _, err := collection(t, tt.coll).Mutate(t.Context(), sess, tt.m); !providers.IsInvalidRequest(err) {
			t.Errorf("%s %+v: %v, want invalid request", tt.coll, tt.m, err)
		}
	}
	if c := collection(t, "charge"); c.Mutate != nil || len(c.MutationKinds) != 0 {
		t.Error("charges are read-only")
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("invalid mutations sent %d requests", n)
	}
	_, err := collection(t, "customer").Mutate(t.Context(), sess, &providers.Mutation{ID: "6", Kind: providers.MutationCreate, Data: map[string]any{"unknown_param": "x"}})
	if !providers.IsInvalidRequest(err) {
		t.Errorf("unknown parameter: %v, want invalid request", err)
	}
}

func TestMutateUpdateIsIdempotentAndClearsKeys(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 1})
	c := collection(t, "product")
	created, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "p1", Kind: providers.MutationCreate,
		Data: map[string]any{"name": "Widget", "metadata": map[string]any{"a": "1", "b": "2"}, "images": []any{"https://x/1.png"}}})
	if err != nil {
		t.Fatal(err)
	}
	up := &providers.Mutation{ID: "p2", Kind: providers.MutationUpdate, UpstreamID: created.ID,
		Data: map[string]any{"metadata": map[string]any{"a": nil, "c": "3"}, "active": false}}
	first, err := c.Mutate(t.Context(), sess, up)
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		Metadata map[string]string `json:"metadata"`
		Active   bool              `json:"active"`
		Images   []string          `json:"images"`
	}
	if err := json.Unmarshal(first.Data, &obj); err != nil {
		t.Fatal(err)
	}
	if _, ok := obj.Metadata["a"]; ok || obj.Metadata["b"] != "2" || obj.Metadata["c"] != "3" || obj.Active || len(obj.Images) != 1 {
		t.Errorf("updated product %s", first.Data)
	}
	if first.UpdatedAt.IsZero() {
		t.Error("no UpdatedAt")
	}
	events := srv.Count("event")
	// The same mutation run again is replayed by Stripe, not applied twice.
	second, err := c.Mutate(t.Context(), sess, up)
	if err != nil || string(second.Data) != string(first.Data) {
		t.Errorf("replayed update: %v, %s", err, second.Data)
	}
	if srv.Count("event") != events {
		t.Error("a replayed update changed the product again")
	}
}

func TestMutateDeleteOfMissingObject(t *testing.T) {
	t.Parallel()
	_, sess := startEmulator(t, emulator.Config{Seed: 1})
	rec, err := collection(t, "coupon").Mutate(t.Context(), sess, &providers.Mutation{ID: "d", Kind: providers.MutationDelete, UpstreamID: "GONE"})
	if err != nil || !rec.Deleted || rec.ID != "GONE" || rec.UpdatedAt.IsZero() {
		t.Errorf("delete of a missing coupon: %+v, %v", rec, err)
	}
}

func TestMutateFailures(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 1})
	c := collection(t, "customer")
	id := srv.List("customer")[0]["id"].(string)
	srv.InjectFault(emulator.Fault{Method: http.MethodDelete, Status: http.StatusBadRequest, Count: 1})
	if _, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "x", Kind: providers.MutationDelete, UpstreamID: id}); !providers.IsInvalidRequest(err) {
		t.Errorf("refused delete: %v", err)
	}
	srv.InjectFault(emulator.Fault{Method: http.MethodGet, Status: http.StatusForbidden, Count: 1})
	if _, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "y", Kind: providers.MutationDelete, UpstreamID: id}); !providers.IsUnauthorized(err) {
		t.Errorf("delete without read access: %v", err)
	}
	srv.InjectFault(emulator.Fault{Method: http.MethodPost, Status: http.StatusOK, Body: `{"object":"customer"}`, Count: 1})
	if _, err := c.Mutate(t.Context(), sess, &providers.Mutation{ID: "z", Kind: providers.MutationCreate}); !providers.IsMalformed(err) {
		t.Errorf("create answered without id: %v", err)
	}
	sub := collection(t, "subscription")
	srv.InjectFault(emulator.Fault{Method: http.MethodDelete, Status: http.StatusInternalServerError, Count: 10})
	if _, err := sub.Mutate(t.Context(), sess, &providers.Mutation{ID: "w", Kind: providers.MutationDelete, UpstreamID: srv.List("subscription")[0]["id"].(string)}); !providers.IsRetryable(err) {
		t.Errorf("cancel while upstream fails: %v", err)
	}
}

func TestGetDeletedCustomer(t *testing.T) {
	t.Parallel()
	srv, sess := startEmulator(t, emulator.Config{Seed: 2})
	id := srv.List("customer")[0]["id"].(string)
	if err := srv.Delete("customer", id); err != nil {
		t.Fatal(err)
	}
	if _, err := collection(t, "customer").Get(t.Context(), sess, id); !providers.IsNotFound(err) {
		t.Errorf("Get of a deleted customer: %v, want not found", err)
	}
	if _, err := collection(t, "customer").Get(t.Context(), sess, ""); !providers.IsInvalidRequest(err) {
		t.Errorf("Get without id: %v", err)
	}
}
