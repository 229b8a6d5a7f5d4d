package dev_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/sidecar/dev"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDevComesUpAndSyncsTheDemo runs the newcomer's main job end to end: it must come up in well
// under 20 s, show the sequin schema, and the demo sync's tables must fill; a second run resumes.
func TestDevComesUpAndSyncsTheDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own cluster")
	}
	dir := t.TempDir()
	// As root the cluster runs as the postgres user, who must be able to reach the folder.
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	both := &syncBuffer{} // what the two runs printed
	run := func() (string, func()) {
		out := &syncBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			done <- dev.Run(ctx, dev.Options{Dir: dir, PGPort: 0, Listen: "127.0.0.1:0", EmulatorListen: "127.0.0.1:0", Seed: 200,
				Out: io.MultiWriter(out, both), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		}()
		require.Eventually(t, func() bool { return strings.Contains(out.String(), "sequin dev is up") }, 20*time.Second, 50*time.Millisecond, "dev must come up in under 20 s")
		t.Logf("dev came up in %v", time.Since(start))
		m := regexp.MustCompile(`psql:\s+psql '([^']+)'`).FindStringSubmatch(out.String())
		require.Len(t, m, 2, out.String())
		return m[1], func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(30 * time.Second):
				t.Fatal("dev did not stop")
			}
		}
	}

	url, stop := run()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	var tables int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sequin'`).Scan(&tables))
	require.Greater(t, tables, 5)
	require.Eventually(t, func() bool {
		var n int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM stripe.customer`).Scan(&n)
		return n == 200
	}, 30*time.Second, 100*time.Millisecond, "the demo sync fills stripe.customer")
	conn.Close(ctx)
	stop()

	// A second run resumes with the same data and the same sync.
	url, stop = run()
	defer stop()
	conn, err = pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var syncs int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM sequin.syncs`).Scan(&syncs))
	require.Equal(t, 1, syncs)

	// The printed console address and token open the HTTP API; the first run's token was replaced.
	m := regexp.MustCompile(`console:\s+(http://\S+)/console/\s+\(API token: (\S+)\)`).FindAllStringSubmatch(both.String(), -1)
	require.Len(t, m, 2)
	for i, want := range []int{http.StatusUnauthorized, http.StatusOK} {
		req, err := http.NewRequest("GET", m[1][1]+"/v1/syncs", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+m[i][2])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, want, resp.StatusCode)
	}
}
