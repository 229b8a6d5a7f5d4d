package migrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/migrations"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewEmptyDB(t)

	applied, err := migrations.Migrate(ctx, db.Pool)
	require.NoError(t, err)
	all, err := migrations.All()
	require.NoError(t, err)
	require.Len(t, applied, len(all))

	again, err := migrations.Migrate(ctx, db.Pool)
	require.NoError(t, err)
	require.Empty(t, again, "a second run applies nothing")

	var riverJobTable bool
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT to_regclass('sequin.river_job') IS NOT NULL`).Scan(&riverJobTable))
	require.True(t, riverJobTable, "River's tables live in schema sequin")

	status, err := migrations.List(ctx, db.Pool)
	require.NoError(t, err)
	for _, s := range status {
		require.NotNil(t, s.AppliedAt, "migration %d", s.Version)
	}
}

func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewEmptyDB(t)

	// Several sidecars starting at once, each with its own pool.
	const n = 4
	var wg sync.WaitGroup
	results := make([][]int, n)
	errs := make([]error, n)
	for i := range n {
		pool, err := pgxpool.New(ctx, db.URL)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = migrations.Migrate(ctx, pool)
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		require.NoError(t, errs[i])
		total += len(results[i])
	}
	all, err := migrations.All()
	require.NoError(t, err)
	require.Equal(t, len(all), total, "each migration applied exactly once across concurrent starts")

	var rows int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.schema_migrations`).Scan(&rows))
	require.Equal(t, len(all), rows)
}

func TestListBeforeMigrate(t *testing.T) {
	t.Parallel()
	db := pgtest.NewEmptyDB(t)
	status, err := migrations.List(context.Background(), db.Pool)
	require.NoError(t, err)
	require.NotEmpty(t, status)
	require.Nil(t, status[0].AppliedAt)
}
