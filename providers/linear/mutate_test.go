package linear

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/sequinsync/sequin/providers"
)

func TestMutationUUID(t *testing.T) {
	t.Parallel()
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, id := range []string{"1", "2", "sequin-mutation-3", "0190f5d2-7a63-7c0e-bb52-6f0b4e2b0a11"} {
		m := &providers.Mutation{ID: id}
		u := mutationUUID(m.IdempotencyKey())
		if !v4.MatchString(u) {
			t.Errorf("mutationUUID(%q) = %s, not a UUID v4", id, u)
		}
		if u != mutationUUID(m.IdempotencyKey()) {
			t.Errorf("mutationUUID(%q) is not stable", id)
		}
		if seen[u] {
			t.Errorf("mutationUUID(%q) = %s collides", id, u)
		}
		seen[u] = true
	}
}

func TestIssueInput(t *testing.T) {
	t.Parallel()
	var num json.Number = "3"
	got, err := issueInput(map[string]any{
		"title": "Fix it", "description": nil, "priority": 2.0, "estimate": num, "labelIds": []any{"l1"},
		"dueDate": time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), "team": map[string]any{"id": "t1"},
		"assignee": nil, "projectId": "p1", "parent": map[string]any{"id": nil}, "sortOrder": 1,
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"title": "Fix it", "description": nil, "priority": int64(2), "estimate": int64(3),
		"labelIds": []string{"l1"}, "dueDate": "2025-03-01", "teamId": "t1", "assigneeId": nil, "projectId": "p1",
		"parentId": nil, "sortOrder": 1.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("issueInput =\n%#v\nwant\n%#v", got, want)
	}
	for name, tc := range map[string]struct {
		data     map[string]any
		creating bool
	}{
		"create without team":     {map[string]any{"title": "x"}, true},
		"id on update":            {map[string]any{"id": "x"}, false},
		"read-only field":         {map[string]any{"identifier": "ENG-1"}, false},
		"priority out of range":   {map[string]any{"priority": 5}, false},
		"fractional estimate":     {map[string]any{"estimate": 1.5}, false},
		"title not text":          {map[string]any{"title": 3}, false},
		"relation without id":     {map[string]any{"team": map[string]any{"key": "ENG"}}, false},
		"relation id not text":    {map[string]any{"state": map[string]any{"id": 4}}, false},
		"due date not a date":     {map[string]any{"dueDate": "soon"}, false},
		"labels not ids":          {map[string]any{"labelIds": []any{1}}, false},
		"direct id not an id":     {map[string]any{"teamId": "a b"}, false},
		"sort order not a number": {map[string]any{"sortOrder": "first"}, false},
	} {
		if _, err := issueInput(tc.data, tc.creating); !providers.IsInvalidRequest(err) {
			t.Errorf("%s: issueInput = %v, want an invalid request", name, err)
		}
	}
}
