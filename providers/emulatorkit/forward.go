package emulatorkit

import (
	"io"
	"net/http"
	"sync/atomic"
)

// Forwarder relays webhook deliveries to a URL given later. An emulator is told where to send its
// webhooks when it is created, before the receiver's URL is known (the sidecar's names the sync):
// serve a Forwarder there, and call SetTarget once the URL exists. Until then deliveries get 503,
// which an emulator retries; after, each is passed on with its headers, and the receiver's status
// and body come back. Its zero value is ready to use.
type Forwarder struct {
	target atomic.Pointer[string]
}

// SetTarget sets the URL deliveries are passed on to.
func (f *Forwarder) SetTarget(url string) { f.target.Store(&url) }

// ServeHTTP passes one delivery on to the target.
func (f *Forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u := f.target.Load()
	if u == nil || *u == "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, *u, r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
