package all

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryProviderHasARunningEmulator: the registry validates, and each shipped provider has an
// emulator that `sequin emulator <provider>` can start, that answers HTTP and stops cleanly.
func TestEveryProviderHasARunningEmulator(t *testing.T) {
	t.Parallel()
	reg, err := Registry()
	require.NoError(t, err)
	emulators := Emulators()
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			newEmu, ok := emulators[name]
			require.True(t, ok, "provider %s has no emulator", name)
			emu := newEmu(EmulatorOptions{Seed: 3})
			url, err := emu.Start("127.0.0.1:0")
			require.NoError(t, err)
			resp, err := http.Get(url)
			require.NoError(t, err)
			resp.Body.Close()
			require.NotEmpty(t, emu.Summary())
			require.NoError(t, emu.Close())
		})
	}
	require.Len(t, emulators, len(reg.Names()), "no emulator without its provider")
}
