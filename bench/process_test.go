package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// sequinBinary builds ./cmd/sequin once per run, as `make build` would, so that the memory and CPU
// of a sidecar are measured on the real binary in a process of its own.
func sequinBinary(b testing.TB) string {
	b.Helper()
	buildOnce.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			buildErr = err
			return
		}
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
			buildErr = fmt.Errorf("the module root is not the parent of the bench folder: %w", err)
			return
		}
		binDir, err = os.MkdirTemp("", "sequin-bench-bin-")
		if err != nil {
			buildErr = err
			return
		}
		goTool := os.Getenv("GO")
		if goTool == "" {
			goTool = "go"
		}
		binPath = filepath.Join(binDir, "sequin")
		cmd := exec.Command(goTool, "build", "-o", binPath, "./cmd/sequin")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building ./cmd/sequin: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// removeBinary deletes the built binary at the end of the run.
func removeBinary() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

// sidecarProcess is `sequin run` in a process of its own.
type sidecarProcess struct {
	cmd     *exec.Cmd
	pid     int
	logPath string
	exited  chan struct{}
	waitErr error
}

// startSidecarProcess runs `sequin run` against dbURL and waits until it has registered itself in
// sequin.sidecars; it is stopped (SIGTERM, then SIGKILL) when the benchmark ends.
func startSidecarProcess(b testing.TB, pool *pgxpool.Pool, dbURL, secretKey string) *sidecarProcess {
	b.Helper()
	bin := sequinBinary(b)
	p := &sidecarProcess{logPath: filepath.Join(b.TempDir(), "sequin-run.log"), exited: make(chan struct{})}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		b.Fatal(err)
	}
	p.cmd = exec.Command(bin, "run", "--database-url", dbURL, "--listen", "127.0.0.1:0")
	p.cmd.Env = append(os.Environ(), "SEQUIN_SECRET_KEY="+secretKey, "SEQUIN_LOG_LEVEL=warn")
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		_ = logFile.Close()
		b.Fatalf("starting sequin run: %v", err)
	}
	p.pid = p.cmd.Process.Pid
	go func() {
		p.waitErr = p.cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	b.Cleanup(func() {
		p.stop()
		if b.Failed() {
			showTail(b, p.logPath)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM sequin.sidecars WHERE id LIKE $1`, fmt.Sprintf("%%-%d-%%", p.pid)).Scan(&n)
		if n > 0 {
			return p
		}
		select {
		case <-p.exited:
			b.Fatalf("sequin run exited at start: %v", p.waitErr)
		case <-ctx.Done():
			b.Fatal("sequin run did not register within a minute")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive reports an error if the process has exited.
func (p *sidecarProcess) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("sequin run exited: %v (log %s)", p.waitErr, p.logPath)
	default:
		return nil
	}
}

// stop asks the sidecar to shut down and kills it if it has not within 30 s.
func (p *sidecarProcess) stop() {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		_ = p.cmd.Process.Kill()
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}
