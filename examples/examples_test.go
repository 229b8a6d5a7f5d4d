// Package examples holds runnable examples of using sequin; its test runs them against a real sidecar.
package examples

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	"github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgcluster"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestQuickstartSQL runs quickstart.sql with psql, as the README tells a newcomer to.
func TestQuickstartSQL(t *testing.T) {
	emu := emulator.New(emulator.Config{Seed: 40, RandSeed: 8})
	url, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	reg, err := providers.NewRegistry(stripe.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "-", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })

	bin, err := pgcluster.BinDir()
	require.NoError(t, err)
	psql := filepath.Join(bin, "psql")
	if _, err := exec.LookPath(psql); err != nil {
		psql = "psql"
	}
	out, err := exec.Command(psql, db.URL, "-X", "-v", "base_url="+url, "-f", "quickstart.sql").CombinedOutput()
	require.NoError(t, err, "%s", out)
	s := string(out)
	require.Contains(t, s, " quickstart | stripe:customer | live")
	require.Contains(t, s, " quickstart | stripe:invoice  | live")
	require.Regexp(t, `(?m)^\s+customers\s*\n-+\n\s+40\s*$`, s)
	require.Regexp(t, `succeeded \| cus_\w+\s+\|`, s, "the mutation is applied upstream")
	require.Regexp(t, `cus_\w+ \| ada@example.com \| quickstart`, s, "and read back into the table")
	require.Equal(t, 41, emu.Count("customer"))
}
