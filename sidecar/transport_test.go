package sidecar

import (
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Twelve collections paging through one API host at once keep their connections: the default
// transport opens about one per concurrent request (a few more when a dial races a connection coming
// back), not a new one for most requests as net/http's default of two idle connections per host does.
func TestDefaultTransportKeepsConnectionsToAHost(t *testing.T) {
	t.Parallel()
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // requests overlap unevenly, as pages of twelve collections do
		_, _ = w.Write([]byte(`{"data":[]}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	client := &http.Client{Transport: Config{}.WithDefaults().Transport}
	const workers, requests = 12, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range requests {
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // merging the page
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests opened %d connections", workers*requests, opened.Load())
	require.LessOrEqual(t, opened.Load(), int64(3*workers), "%d requests opened %d connections", workers*requests, opened.Load())
}
