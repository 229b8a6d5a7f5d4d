package airtable_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/airtable"
	"github.com/sequinsync/sequin/providers/airtable/emulator"
)

func TestExpiredOffsetRestartsBackfill(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 250})
	s := b.tokenSession(t)
	tasks := b.discover(t, s, "tasks")
	first, err := tasks.Backfill(t.Context(), s, "")
	require.NoError(t, err)
	require.False(t, first.Done)
	b.srv.ExpireIterators()
	again, err := tasks.Backfill(t.Context(), s, first.NextCursor)
	require.NoError(t, err)
	require.Equal(t, first.Records[0].ID, again.Records[0].ID, "an expired offset starts the listing again")
	require.Len(t, backfill(t, tasks, s), 250)
}

func TestRateLimitPausesTheBase(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3, RateLimit: 2, RateLimitWindow: time.Hour})
	s := b.tokenSession(t)
	s.Client.MaxRateLimitWait = time.Millisecond
	tasks := b.discover(t, s, "tasks") // the schema read spends one request of the base
	_, err := tasks.Get(t.Context(), s, b.srv.RecordIDs(emulator.TasksTable)[0])
	require.NoError(t, err)
	_, err = tasks.Backfill(t.Context(), s, "")
	require.True(t, providers.IsRateLimited(err), "got %v", err)
	wait, _ := providers.RetryAfter(err)
	require.InDelta(t, 30, wait.Seconds(), 1, "Airtable asks for 30 seconds and says so in no header")
	sent := b.srv.RequestCount()
	_, err = tasks.Backfill(t.Context(), s, "")
	require.True(t, providers.IsRateLimited(err), "got %v", err)
	require.Equal(t, sent, b.srv.RequestCount(), "a request was sent during the base's penalty")
	// Requests outside the base are not held.
	_, err = b.p.Collections()[0].Backfill(t.Context(), s, "")
	require.NoError(t, err)
}

func TestDiscoverFollowsTheSchema(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2})
	s := b.tokenSession(t)
	d := b.p.(providers.CollectionDiscoverer)

	_, err := b.srv.CreateTable("Table")
	require.NoError(t, err)
	c := b.discover(t, s, "table_2")
	require.Equal(t, "airtable:table_2", c.ID, "a table named like a declared collection gets a suffix")

	require.NoError(t, b.srv.AddField(emulator.TasksTable, "Story Points", "number", map[string]any{"precision": 0}))
	tasks := b.discover(t, s, "tasks")
	found := false
	for _, f := range tasks.Fields {
		found = found || (f.Name == "story_points" && f.Type == "numeric" && f.Path == "fields.Story Points")
	}
	require.True(t, found, "a field added upstream becomes a column when the table is discovered again")

	for name, opts := range map[string]map[string]any{
		"no base":       {},
		"bad base":      {airtable.OptionBaseID: "base1"},
		"bad webhook":   {airtable.OptionBaseID: emulator.MainBaseID, airtable.OptionWebhookID: "hook"},
		"unknown table": {airtable.OptionBaseID: emulator.MainBaseID},
	} {
		sess := *s
		sess.Options = opts
		_, err := d.DiscoverCollection(t.Context(), &sess, "no_such_table")
		if name == "unknown table" {
			require.True(t, providers.IsNotFound(err), "%s: %v", name, err)
		} else {
			require.True(t, providers.IsInvalidRequest(err), "%s: %v", name, err)
		}
	}
	_, err = d.DiscoverCollection(t.Context(), s, "base")
	require.True(t, providers.IsNotFound(err), "a declared collection's name is no table: %v", err)
}

func TestMarkerFieldMakesCreatesIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2})
	require.NoError(t, b.srv.AddField(emulator.ContactsTable, "Sequin Key", "singleLineText", nil))
	b.opts[airtable.OptionMarkerField] = "Sequin Key"
	s := b.tokenSession(t)
	contacts := b.discover(t, s, "contacts")
	m := &providers.Mutation{ID: "m-1", Kind: providers.MutationCreate, Data: map[string]any{"Name": "Marked", "VIP": true}}
	first, err := contacts.Mutate(t.Context(), s, m)
	require.NoError(t, err)
	var rec struct {
		Fields map[string]any `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(first.Data, &rec))
	require.Equal(t, m.IdempotencyKey(), rec.Fields["Sequin Key"])

	// Another process (a new provider, no memory of the first run) runs the mutation again.
	other := setupProvider(b)
	s2 := other.tokenSession(t)
	second, err := other.discover(t, s2, "contacts").Mutate(t.Context(), s2, m)
	require.NoError(t, err)
	require.Equal(t, first.ID, second.ID)
	require.Equal(t, 3, b.srv.Count(emulator.ContactsTable))
}

// setupProvider is a second provider (another process) against the same emulator.
func setupProvider(b *bundle) *bundle {
	return &bundle{srv: b.srv, url: b.url, p: airtable.New(), opts: b.opts}
}

func TestMutationData(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 2})
	s := b.tokenSession(t)
	tasks := b.discover(t, s, "tasks")
	// Field names at the top level, typecast adding a select option.
	rec, err := tasks.Mutate(t.Context(), s, &providers.Mutation{ID: "m-2", Kind: providers.MutationCreate,
		Data: map[string]any{"Name": "Typecast", "Status": "Blocked", "typecast": true}})
	require.NoError(t, err)
	require.Contains(t, string(rec.Data), `"Status":"Blocked"`)
	// Without typecast, an unknown option is refused as Airtable refuses it.
	_, err = tasks.Mutate(t.Context(), s, &providers.Mutation{ID: "m-3", Kind: providers.MutationCreate,
		Data: map[string]any{"Name": "Strict", "Status": "Unheard of"}})
	require.True(t, providers.IsInvalidRequest(err), "got %v", err)
	// Computed fields and unknown fields are refused.
	for _, data := range []map[string]any{{"fields": map[string]any{"Score": 5}}, {"fields": map[string]any{"Colour": "red"}}, {"fields": "x"}} {
		_, err = tasks.Mutate(t.Context(), s, &providers.Mutation{ID: "m-4", Kind: providers.MutationUpdate, UpstreamID: rec.ID, Data: data})
		require.True(t, providers.IsInvalidRequest(err), "%v: got %v", data, err)
	}
	// An update of a record that does not exist is not found.
	_, err = tasks.Mutate(t.Context(), s, &providers.Mutation{ID: "m-5", Kind: providers.MutationUpdate, UpstreamID: "rec00000000000000", Data: map[string]any{"Name": "x"}})
	require.True(t, providers.IsNotFound(err), "got %v", err)
}

func TestChangesAcrossPages(t *testing.T) {
	t.Parallel()
	b := setup(t, emulator.Config{Seed: 3})
	s := b.tokenSession(t)
	tasks := b.discover(t, s, "tasks")
	cp, err := tasks.Checkpoint(t.Context(), s)
	require.NoError(t, err)
	var made []string
	for range 230 {
		id, err := b.srv.CreateRecord(emulator.TasksTable, nil)
		require.NoError(t, err)
		made = append(made, id)
	}
	seen := map[string]bool{}
	cur, calls := cp, 0
	for {
		ch, err := tasks.Changes(t.Context(), s, cur)
		require.NoError(t, err)
		calls++
		for _, r := range ch.Records {
			require.False(t, seen[r.ID], "%s reported twice", r.ID)
			seen[r.ID] = true
		}
		cur = ch.NextCursor
		if !ch.More {
			break
		}
	}
	require.Equal(t, 3, calls, "230 changes are read a page of 100 at a time")
	for _, id := range made {
		require.True(t, seen[id], "creation of %s not reported", id)
	}
	require.Len(t, seen, len(made))
}
