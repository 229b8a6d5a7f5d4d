package bench

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseStatusReadsRSSAndPeak(t *testing.T) {
	t.Parallel()
	m, err := ParseStatus("Name:\tsequin\nVmPeak:\t 1300000 kB\nVmHWM:\t   81234 kB\nVmRSS:\t   70000 kB\nThreads:\t12\n")
	require.NoError(t, err)
	require.Equal(t, Memory{RSS: 70000 << 10, Peak: 81234 << 10}, m)

	_, err = ParseStatus("Name:\tkthreadd\nState:\tS (sleeping)\n")
	require.ErrorContains(t, err, "no VmRSS")
	_, err = ParseStatus("VmHWM:\t12 MB\nVmRSS:\t1 kB\n")
	require.ErrorContains(t, err, "unexpected VmHWM")
}

func TestParseStatCountsFieldsAfterTheName(t *testing.T) {
	t.Parallel()
	// A command name with spaces and a parenthesis must not shift the fields; utime 250 + stime 50
	// ticks is three seconds.
	line := "4242 (se) quin x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 12 0 100 1000000 2000 18446744073709551615\n"
	d, err := ParseStat(line)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, d)

	_, err = ParseStat("4242 (sequin) S 1 2")
	require.ErrorContains(t, err, "fields after the command name")
	_, err = ParseStat("garbage")
	require.Error(t, err)
	_, err = ParseStat("1 (a) S 1 2 3 4 5 6 7 8 9 10 x 1 0")
	require.ErrorContains(t, err, "parsing CPU ticks")
}

func TestReadingThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux only")
	}
	t.Parallel()
	m, err := ReadMemory(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, m.RSS)
	require.GreaterOrEqual(t, m.Peak, m.RSS)

	before, err := ReadCPUTime(os.Getpid())
	require.NoError(t, err)
	require.Eventually(t, func() bool { // burn CPU until the kernel has counted a tick more
		x := 0
		for i := 0; i < 1_000_000; i++ {
			x += i * i
		}
		runtime.KeepAlive(x)
		now, err := ReadCPUTime(os.Getpid())
		return err == nil && now > before
	}, 10*time.Second, time.Millisecond)

	_, err = ReadMemory(-1)
	require.Error(t, err)
}
