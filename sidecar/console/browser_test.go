package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds a Chromium or Chrome binary: $SEQUIN_CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("SEQUIN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium with one tab.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium binary found (install the Debian package chromium, or set SEQUIN_CHROMIUM); skipping the browser test")
	}
	opts := append(append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first action starts the browser; it must run on the browser's own context, without a timeout.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")))
	return &browser{t: t, ctx: ctx}
}

// do runs steps, failing the test with what was being waited for when they take longer than timeout.
func (br *browser) do(what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, timeout)
	defer cancel()
	require.NoError(br.t, chromedp.Do(ctx, steps...), what)
}

// clearInput empties an input, as a person selecting its text and deleting it would.
func clearInput(sel string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, sel)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	})
}

// text reads the rendered text of the first element matching sel, failing when there is none.
func (br *browser) text(sel string) string {
	br.t.Helper()
	ctx, cancel := context.WithTimeout(br.ctx, 5*time.Second)
	defer cancel()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[*string](js))
	require.NoError(br.t, err, sel)
	require.NotNil(br.t, s, "no element matches %s", sel)
	return *s
}

// clickWhenThere clicks the first element matching sel as soon as there is one. It finds and clicks
// in one step inside the page: the syncs list refreshes every second, and a node found in one call
// can be gone by the next.
func clickWhenThere(sel string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true; })()`, sel)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			clicked, err := chromedp.Evaluate[bool](js)(ctx, t)
			if err != nil || clicked {
				return err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("nothing to click at %s: %w", sel, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func (br *browser) tab(view string) {
	br.t.Helper()
	br.do("open the "+view+" tab", 5*time.Second,
		chromedp.Click(chromedp.CSS(`#tabs a[data-view="`+view+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#view-`+view)))
}

// TestConsoleInABrowser drives the console as a person would: signs in, creates a sync through the
// form (after a refusal shown inline), watches its backfill reach 100%, sees an upstream change arrive
// in the event tail, finds the record, sees mutations and consumers, and pauses the sync.
func TestConsoleInABrowser(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	b := setup(t, 250)
	ctx := context.Background()

	br.do("load the page", 10*time.Second,
		chromedp.Navigate(b.base+"/console"),
		chromedp.WaitVisible(chromedp.CSS("#login-token")))

	// A wrong token is refused where it was typed.
	br.do("sign in with a wrong token", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#login-token"), "not-a-token"),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-error")))
	require.Contains(t, br.text("#login-error"), "invalid or revoked API token")
	br.do("sign in", 10*time.Second,
		clearInput("#login-token"),
		chromedp.SendKeys(chromedp.CSS("#login-token"), b.token),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#view-syncs")),
		chromedp.WaitVisible(chromedp.CSS("#syncs-list p.empty")))
	require.Contains(t, br.text("#syncs-list"), "No syncs yet")

	// The form lists the catalogue: provider, credential kind fields, collections, rate limit.
	br.tab("new-sync")
	br.do("fill the new-sync form", 10*time.Second,
		chromedp.WaitReady(chromedp.CSS(`#create-collection-list input[value="stripe:customer"]`)),
		chromedp.WaitVisible(chromedp.CSS("#create-cred-secret")),
		chromedp.SendKeys(chromedp.CSS("#create-name"), "browser"),
		chromedp.SendKeys(chromedp.CSS("#create-cred-secret"), stripeKey),
		chromedp.Click(chromedp.CSS(`#create-collection-list input[value="stripe:customer"]`)),
		chromedp.SetValue(chromedp.CSS("#create-rl-allowed"), "10000"),
		chromedp.SetValue(chromedp.CSS("#create-rl-interval"), "1000"),
		chromedp.SendKeys(chromedp.CSS("#create-base-url"), b.emuURL),
		chromedp.SendKeys(chromedp.CSS("#create-poll"), "300"),
		chromedp.SendKeys(chromedp.CSS("#create-schema"), "Not A Schema"),
		chromedp.Click(chromedp.CSS("#create-submit")),
		chromedp.WaitVisible(chromedp.CSS("#create-error")),
		chromedp.WaitReady(chromedp.CSS(`fieldset[data-field="options"].invalid`)))
	require.Contains(t, br.text("#create-error"), "schema", "sequin.create_sync's refusal is shown inline")
	var syncs int
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.syncs`).Scan(&syncs))
	require.Zero(t, syncs)

	card := `article.sync[data-sync-name="browser"]`
	br.do("create the sync", 10*time.Second,
		clearInput("#create-schema"),
		chromedp.Click(chromedp.CSS("#create-submit")),
		chromedp.WaitVisible(chromedp.CSS(card)))
	var syncID, credentialKind string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT s.id::text, c.kind FROM sequin.syncs s JOIN sequin.credentials c ON c.id = s.credential_id
		WHERE s.name = 'browser'`).Scan(&syncID, &credentialKind))
	require.Equal(t, "stripe_key", credentialKind)

	br.do("watch the backfill reach 100%", 30*time.Second,
		chromedp.WaitVisible(chromedp.CSS(card+` tr[data-collection="stripe:customer"] [role="progressbar"][aria-valuenow="100"]`)))
	row := br.text(card + ` tr[data-collection="stripe:customer"]`)
	require.Contains(t, row, "live")
	require.Contains(t, row, "250", "the records count")
	require.Contains(t, br.text(card+" .meta"), "10,000 requests per 1.0 s")

	// The live tail shows an upstream change with its diff.
	br.tab("events")
	br.do("see the backfill's events", 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`#events-body tr.event[data-event="inserted"]`)))
	customers := b.emu.List("customer")
	sort.Slice(customers, func(i, j int) bool { return customers[i]["id"].(string) < customers[j]["id"].(string) })
	target := customers[0]["id"].(string)
	oldName, _ := customers[0]["name"].(string)
	_, err := b.emu.Update("customer", target, map[string]any{"name": "Renamed In Browser", "metadata": map[string]any{"console": "yes"}})
	require.NoError(t, err)
	updated := `#events-body tr.event[data-event="updated"][data-upstream-id="` + target + `"]`
	br.do("see the update arrive", 15*time.Second, chromedp.WaitVisible(chromedp.CSS(updated)))
	change := br.text(updated)
	require.Contains(t, change, "Renamed In Browser")
	require.Contains(t, change, `metadata.console: absent → "yes"`, "a changed key inside an object is shown by its path")
	if oldName != "" {
		require.Contains(t, change, oldName, "the diff shows the previous value")
	}

	// The records browser finds the record by id, with its new data.
	br.tab("records")
	// The search result is shown open; the first page, which may hold the same record, shows it closed.
	found := `#records-list details.record[data-upstream-id="` + target + `"][open]`
	br.do("find the record", 10*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#records-list details.record")),
		chromedp.SendKeys(chromedp.CSS("#records-search"), target),
		chromedp.Click(chromedp.CSS(`#records-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(found+" pre")))
	require.Contains(t, br.text(found+" pre"), `"name": "Renamed In Browser"`)
	br.do("search for an id that does not exist", 10*time.Second,
		clearInput("#records-search"),
		chromedp.SendKeys(chromedp.CSS("#records-search"), "cus_missing"),
		chromedp.Click(chromedp.CSS(`#records-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#records-error")))
	require.Contains(t, br.text("#records-error"), `no record "cus_missing"`)

	// Mutations with their outcome; consumers with or without counters.
	var mutationID string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT sequin.mutate($1, 'customer', 'update', '{"name": "x"}', 'cus_missing')::text`, syncID).Scan(&mutationID))
	_, err = b.db.Pool.Exec(ctx, `INSERT INTO sequin.consumers (name, kind) VALUES ('browser-hook', 'webhook')`)
	require.NoError(t, err)
	br.tab("mutations")
	br.do("see the mutation fail", 20*time.Second,
		chromedp.WaitVisible(chromedp.CSS(`#mutations-list tr[data-mutation-id="`+mutationID+`"][data-status="failed"]`)))
	require.Contains(t, br.text(`#mutations-list tr[data-mutation-id="`+mutationID+`"]`), "cus_missing")
	br.tab("consumers")
	br.do("see the consumer", 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`#consumers-list tr[data-consumer-id]`)))
	require.Contains(t, br.text("#consumers-list"), "browser-hook")

	// Pause from the syncs list.
	br.tab("syncs")
	br.do("pause the sync", 10*time.Second,
		clickWhenThere(card+` button[data-action="pause"]`),
		chromedp.WaitVisible(chromedp.CSS(card+` button[data-action="resume"]`)))
	var status string
	require.NoError(t, b.db.Pool.QueryRow(ctx, `SELECT status FROM sequin.syncs WHERE id = $1`, syncID).Scan(&status))
	require.Equal(t, "paused", status)
	require.True(t, strings.Contains(br.text(card+" header"), "paused"))
}
