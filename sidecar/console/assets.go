package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/sequinsync/sequin/sidecar/httpapi"
)

//go:embed assets
var assetFS embed.FS

// contentSecurityPolicy lets the page load only its own assets and talk only to its own origin, so a
// record's content shown on the page can never run as script or leak the token elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is an embedded file with the validator browsers revalidate it with.
type asset struct {
	name string
	body []byte
	etag string
}

// loadAssets reads every embedded file once; the set is fixed at build time.
func loadAssets() map[string]asset {
	out := map[string]asset{}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic("console: embedded assets: " + err.Error()) // the embed directive guarantees the directory
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic("console: embedded asset " + e.Name() + ": " + err.Error())
		}
		sum := sha256.Sum256(body)
		out[e.Name()] = asset{name: e.Name(), body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}

// assetHandler serves the page at /console/ and its assets beside it. Responses carry an ETag and
// must be revalidated, so a new sidecar version is picked up at once while reloads stay cheap.
func assetHandler() http.Handler {
	assets := loadAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/console/")
		if name == "" {
			name = "index.html"
		}
		a, ok := assets[name]
		if !ok || strings.Contains(name, "/") {
			httpapi.WriteError(w, http.StatusNotFound, httpapi.CodeNotFound, "no console page "+r.URL.Path, "the console is at /console/")
			return
		}
		h := w.Header()
		ctype := mime.TypeByExtension(path.Ext(a.name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h.Set("Content-Type", ctype)
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
	})
}
