package extract

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var testCollection = &providers.Collection{
	ID: "acme:widget", Name: "widget",
	Fields: []providers.Field{
		{Name: "name", Type: "text"},
		{Name: "price", Type: "numeric"},
		{Name: "qty", Type: "bigint"},
		{Name: "active", Type: "boolean"},
		{Name: "created", Type: "timestamptz", Format: "unix"},
		{Name: "updated_at", Type: "timestamptz"},
		{Name: "city", Type: "text", Path: "address.city"},
		{Name: "tags", Type: "text[]"},
		{Name: "metadata", Type: "jsonb"},
	},
}

type mergeBundle struct {
	db *pgtest.DB
	t  Target
}

func setupMerge(t *testing.T) *mergeBundle {
	t.Helper()
	db := pgtest.NewDB(t)
	target := Target{SyncID: "11111111-1111-1111-1111-111111111111", Collection: testCollection, Schema: "acme", Table: "widget"}
	require.NoError(t, EnsureTable(context.Background(), db.Pool, target))
	require.NoError(t, EnsureTable(context.Background(), db.Pool, target), "EnsureTable is idempotent")
	return &mergeBundle{db: db, t: target}
}

func (b *mergeBundle) merge(t *testing.T, recs ...providers.Record) MergeStats {
	t.Helper()
	var st MergeStats
	require.NoError(t, pgx.BeginFunc(context.Background(), b.db.Pool, func(tx pgx.Tx) error {
		var err error
		st, err = Merge(context.Background(), tx, b.t, recs)
		return err
	}))
	return st
}

type event struct {
	Event, UpstreamID string
	Data, Previous    map[string]any
}

func (b *mergeBundle) events(t *testing.T) []event {
	t.Helper()
	rows, err := b.db.Pool.Query(context.Background(), `SELECT event, upstream_id, data, previous_data FROM sequin.events ORDER BY seq`)
	require.NoError(t, err)
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (event, error) {
		var e event
		return e, r.Scan(&e.Event, &e.UpstreamID, &e.Data, &e.Previous)
	})
	require.NoError(t, err)
	return evs
}

func rec(id string, at time.Time, obj string) providers.Record {
	return providers.Record{ID: id, UpdatedAt: at, Data: json.RawMessage(obj)}
}

func TestMergeEventsAndDedupe(t *testing.T) {
	t.Parallel()
	b := setupMerge(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	st := b.merge(t, rec("w1", t0, `{"id":"w1","name":"one","price":1.5}`), rec("w2", t0, `{"id":"w2","name":"two"}`))
	require.Equal(t, MergeStats{Inserted: 2}, st)

	// Same content again: no event, no write.
	st = b.merge(t, rec("w1", t0.Add(time.Minute), `{"id":"w1","name":"one","price":1.5}`))
	require.Equal(t, MergeStats{Unchanged: 1}, st)

	// A change: previous_data holds only the changed fields' prior values (null for a new field).
	st = b.merge(t, rec("w1", t0.Add(2*time.Minute), `{"id":"w1","name":"uno","price":1.5,"qty":3}`))
	require.Equal(t, MergeStats{Updated: 1}, st)

	// An older copy never replaces a newer one.
	st = b.merge(t, rec("w1", t0.Add(time.Second), `{"id":"w1","name":"stale"}`))
	require.Equal(t, MergeStats{Unchanged: 1}, st)

	// Several copies of one id in a batch: the last wins; a delete of an unknown id is a no-op.
	st = b.merge(t,
		rec("w2", t0.Add(3*time.Minute), `{"id":"w2","name":"two-a"}`),
		rec("w2", t0.Add(4*time.Minute), `{"id":"w2","name":"two-b"}`),
		providers.Record{ID: "nope", Deleted: true, UpdatedAt: t0})
	require.Equal(t, MergeStats{Updated: 1, Unchanged: 2}, st)

	st = b.merge(t, providers.Record{ID: "w1", Deleted: true, UpdatedAt: t0.Add(5 * time.Minute)})
	require.Equal(t, MergeStats{Deleted: 1}, st)

	evs := b.events(t)
	require.Len(t, evs, 5)
	require.Equal(t, "inserted", evs[0].Event)
	require.Equal(t, "inserted", evs[1].Event)
	require.Equal(t, event{Event: "updated", UpstreamID: "w1",
		Data:     map[string]any{"id": "w1", "name": "uno", "price": 1.5, "qty": 3.0},
		Previous: map[string]any{"name": "one", "qty": nil}}, evs[2])
	require.Equal(t, "updated", evs[3].Event)
	require.Equal(t, "two-b", evs[3].Data["name"])
	require.Equal(t, map[string]any{"name": "two"}, evs[3].Previous)
	require.Equal(t, event{Event: "deleted", UpstreamID: "w1", Data: map[string]any{"id": "w1", "name": "uno", "price": 1.5, "qty": 3.0}}, evs[4],
		"a delete carries the last known data")

	var ids []string
	rows, err := b.db.Pool.Query(context.Background(), `SELECT id FROM acme.widget ORDER BY id`)
	require.NoError(t, err)
	ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"w2"}, ids)
}

func TestMergeTypedColumns(t *testing.T) {
	t.Parallel()
	b := setupMerge(t)
	b.merge(t,
		rec("ok", time.Time{}, `{"name":"n","price":"12.50","qty":7,"active":true,"created":1700000000,
			"updated_at":"2024-05-06T07:08:09Z","address":{"city":"Oslo"},"tags":["a","b"],"metadata":{"k":"v"}}`),
		// Values of the wrong JSON type become NULL; the object is still kept whole in _data.
		rec("odd", time.Time{}, `{"name":{"nested":1},"price":"abc","qty":"x","active":"maybe","created":"yesterday",
			"updated_at":"not a date","address":"flat","tags":"a,b","metadata":[1]}`),
	)
	var (
		name, city       *string
		price            *float64
		qty              *int64
		active           *bool
		created, updated *time.Time
		tags             []string
		metadata, data   map[string]any
	)
	q := `SELECT name, price::float8, qty, active, created, updated_at, city, tags, metadata, _data FROM acme.widget WHERE id = $1`
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), q, "ok").Scan(&name, &price, &qty, &active, &created, &updated, &city, &tags, &metadata, &data))
	require.Equal(t, "n", *name)
	require.Equal(t, 12.5, *price)
	require.Equal(t, int64(7), *qty)
	require.True(t, *active)
	require.Equal(t, time.Unix(1700000000, 0).UTC(), created.UTC())
	require.Equal(t, time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), updated.UTC())
	require.Equal(t, "Oslo", *city)
	require.Equal(t, []string{"a", "b"}, tags)
	require.Equal(t, map[string]any{"k": "v"}, metadata)

	var anyMeta any
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), q, "odd").Scan(&name, &price, &qty, &active, &created, &updated, &city, &tags, &anyMeta, &data))
	require.Equal(t, []any{1.0}, anyMeta, "jsonb columns take any JSON")
	require.Equal(t, `{"nested": 1}`, *name, "objects in text columns keep their JSON")
	require.Nil(t, price)
	require.Nil(t, qty)
	require.Nil(t, active)
	require.Nil(t, created)
	require.Nil(t, updated)
	require.Nil(t, city)
	require.Nil(t, tags)
	require.Equal(t, "maybe", data["active"], "nothing of the API object is lost")
}

func TestMergeRejectsRecordsWithoutIDOrData(t *testing.T) {
	t.Parallel()
	b := setupMerge(t)
	err := pgx.BeginFunc(context.Background(), b.db.Pool, func(tx pgx.Tx) error {
		_, err := Merge(context.Background(), tx, b.t, []providers.Record{{ID: "", Data: json.RawMessage(`{}`)}})
		return err
	})
	require.True(t, providers.IsMalformed(err), "%v", err)
	err = pgx.BeginFunc(context.Background(), b.db.Pool, func(tx pgx.Tx) error {
		_, err := Merge(context.Background(), tx, b.t, []providers.Record{{ID: "x"}})
		return err
	})
	require.True(t, providers.IsMalformed(err), "%v", err)
}

func TestDeleteOldEventsInBatches(t *testing.T) {
	t.Parallel()
	b := setupMerge(t)
	ctx := context.Background()
	_, err := b.db.Pool.Exec(ctx, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, event, data, event_inserted_at)
		SELECT $1, 'acme:widget', 'w' || g, 'inserted', '{}', now() - interval '8 days' FROM generate_series(1, 12000) g`, b.t.SyncID)
	require.NoError(t, err)
	_, err = b.db.Pool.Exec(ctx, `INSERT INTO sequin.events (sync_id, collection_id, upstream_id, event, data)
		SELECT $1, 'acme:widget', 'new' || g, 'inserted', '{}' FROM generate_series(1, 10) g`, b.t.SyncID)
	require.NoError(t, err)
	// A young event among the oldest (its transaction began after others that wrote later) does not
	// stop the expired ones behind it from going.
	_, err = b.db.Pool.Exec(ctx, `UPDATE sequin.events SET event_inserted_at = now() WHERE seq = (SELECT min(seq) + 100 FROM sequin.events)`)
	require.NoError(t, err)
	n, err := DeleteOldEvents(ctx, b.db.Pool, 7*24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, int64(11999), n)
	var left int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events`).Scan(&left))
	require.Equal(t, 11, left)
}

// TestLateCopyOfADeletedRecordStaysDeleted: once an API-dated delete is merged, a copy of the record
// older than the delete (an earlier change's event, a page listed before it) does not bring it back;
// a newer one (the object restored) does. A sweep's undated delete leaves no such memory.
func TestLateCopyOfADeletedRecordStaysDeleted(t *testing.T) {
	t.Parallel()
	b := setupMerge(t)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	rec := func(id string, at time.Time, data string) providers.Record {
		return providers.Record{ID: id, UpdatedAt: at, Data: json.RawMessage(data)}
	}
	b.merge(t, rec("w1", t0, `{"id":"w1","name":"first"}`), rec("w2", t0, `{"id":"w2","name":"second"}`))
	st := b.merge(t, providers.Record{ID: "w1", Deleted: true, UpdatedAt: t0.Add(time.Minute)})
	require.Equal(t, 1, st.Deleted)

	st = b.merge(t, rec("w1", t0.Add(30*time.Second), `{"id":"w1","name":"late"}`))
	require.Zero(t, st.Changed(), "a copy older than the delete is ignored")
	st = b.merge(t, rec("w1", t0.Add(2*time.Minute), `{"id":"w1","name":"restored"}`))
	require.Equal(t, 1, st.Inserted, "a newer copy is a record that came back")

	st = b.merge(t, providers.Record{ID: "w2", Deleted: true}) // a sweep: no upstream time
	require.Equal(t, 1, st.Deleted)
	st = b.merge(t, rec("w2", t0, `{"id":"w2","name":"second"}`))
	require.Equal(t, 1, st.Inserted, "a record a sweep took for gone returns at the next listing")
}

// Objects past the TOAST threshold are compressed with lz4, in the synced table (the object and the
// large typed fields) and in events, when the server has it.
func TestObjectsCompressWithLZ4(t *testing.T) {
	b := setupMerge(t)
	ctx := context.Background()
	var lz4 bool
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'`).Scan(&lz4))
	if !lz4 {
		t.Skip("this server has no lz4")
	}
	for _, col := range []struct{ table, column string }{{"acme.widget", "_data"}, {"acme.widget", "name"}, {"acme.widget", "metadata"},
		{"acme.widget", "tags"}, {"sequin.events", "data"}, {"sequin.events", "previous_data"}} {
		var method string
		require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT attcompression::text FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2`,
			col.table, col.column).Scan(&method))
		require.Equal(t, "l", method, "%s.%s", col.table, col.column)
	}
	big := map[string]any{"name": strings.Repeat("lz4 ", 2000)}
	raw, err := json.Marshal(big)
	require.NoError(t, err)
	b.merge(t, providers.Record{ID: "w1", Data: raw})
	var methods []string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT ARRAY[(SELECT pg_column_compression(_data) FROM acme.widget WHERE id = 'w1'),
		(SELECT pg_column_compression(name) FROM acme.widget WHERE id = 'w1'),
		(SELECT pg_column_compression(data) FROM sequin.events WHERE upstream_id = 'w1')]`).Scan(&methods))
	require.Equal(t, []string{"lz4", "lz4", "lz4"}, methods)
}

func TestLastCopies(t *testing.T) {
	t.Parallel()
	ids := func(recs []providers.Record) (out []string) {
		for _, r := range recs {
			out = append(out, r.ID+":"+string(r.Data))
		}
		return out
	}
	r := func(id, v string) providers.Record { return providers.Record{ID: id, Data: json.RawMessage(v)} }
	distinct := []providers.Record{r("a", "1"), r("b", "1"), r("c", "1")}
	require.Equal(t, ids(distinct), ids(lastCopies(distinct)))
	require.Equal(t, []string{"a:2", "c:1", "b:2"},
		ids(lastCopies([]providers.Record{r("a", "1"), r("b", "1"), r("a", "2"), r("c", "1"), r("b", "2")})),
		"the last copy of each id, in the order of those copies")
	require.Equal(t, []string{"a:3"}, ids(lastCopies([]providers.Record{r("a", "1"), r("a", "2"), r("a", "3")})))
}

// ANALYZE gathers statistics on the typed columns, which queries filter on, and none on whole objects.
func TestAnalyzeLeavesObjectsOut(t *testing.T) {
	t.Parallel()
	b := setupMerge(t)
	ctx := context.Background()
	var recs []providers.Record
	for i := range 50 {
		recs = append(recs, rec(fmt.Sprintf("w%d", i), time.Time{}, fmt.Sprintf(`{"name":"n%d","metadata":{"k":%d}}`, i%3, i)))
	}
	b.merge(t, recs...)
	_, err := b.db.Pool.Exec(ctx, `ANALYZE acme.widget; ANALYZE sequin.events`)
	require.NoError(t, err)
	rows, err := b.db.Pool.Query(ctx, `SELECT schemaname || '.' || tablename || '.' || attname FROM pg_stats
		WHERE (schemaname, tablename) IN (('acme', 'widget'), ('sequin', 'events')) ORDER BY 1`)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Subset(t, cols, []string{"acme.widget.id", "acme.widget.name", "acme.widget.metadata", "sequin.events.upstream_id"})
	require.NotContains(t, cols, "acme.widget._data")
	require.NotContains(t, cols, "sequin.events.data")
	require.NotContains(t, cols, "sequin.events.previous_data")
}
