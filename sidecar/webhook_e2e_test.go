package sidecar_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/airtable"
	airtableemu "github.com/sequinsync/sequin/providers/airtable/emulator"
	"github.com/sequinsync/sequin/providers/github"
	githubemu "github.com/sequinsync/sequin/providers/github/emulator"
	"github.com/sequinsync/sequin/providers/hubspot"
	hubspotemu "github.com/sequinsync/sequin/providers/hubspot/emulator"
	"github.com/sequinsync/sequin/providers/shopify"
	shopifyemu "github.com/sequinsync/sequin/providers/shopify/emulator"
	"github.com/sequinsync/sequin/providers/stripe"
	stripeemu "github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sqlapi/pgtest"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

// webhookCase is one provider whose emulator sends signed webhooks.
type webhookCase struct {
	provider   providers.Provider
	collection string // collection id
	options    map[string]any
	// start runs the emulator delivering webhooks to url signed with secret; it returns the base URL,
	// credential properties, and a function that changes one object upstream (returning its id).
	start func(t *testing.T, url, secret string) (base string, props map[string]any, change func() string)
}

// TestWebhooksDriveChangeDetection: for every provider with webhooks, an upstream change reaches
// sequin.events through the emulator's signed webhook, with polling too far off to be the cause.
func TestWebhooksDriveChangeDetection(t *testing.T) {
	t.Parallel()
	cases := map[string]webhookCase{
		"stripe": {provider: stripe.New(), collection: "stripe:customer",
			start: func(t *testing.T, url, whsec string) (string, map[string]any, func() string) {
				emu := stripeemu.New(stripeemu.Config{APIKeys: []string{goodKey}, Seed: 20, RandSeed: 4, WebhookURL: url, WebhookSecret: whsec})
				base, err := emu.Start("127.0.0.1:0")
				require.NoError(t, err)
				t.Cleanup(func() { _ = emu.Close() })
				return base, map[string]any{"secret": goodKey}, func() string {
					id := emu.List("customer")[3]["id"].(string)
					_, err := emu.Update("customer", id, map[string]any{"name": "Changed By Webhook"})
					require.NoError(t, err)
					return id
				}
			}},
		"shopify": {provider: shopify.New(), collection: "shopify:customers",
			start: func(t *testing.T, url, whsec string) (string, map[string]any, func() string) {
				const token = "shpat_00000000000000000000000000000042"
				emu := shopifyemu.New(shopifyemu.Config{Seed: 20, Shop: "hooks.myshopify.com", AccessTokens: []string{token},
					WebhookURL: url, WebhookSecret: whsec})
				base, err := emu.Start("127.0.0.1:0")
				require.NoError(t, err)
				t.Cleanup(func() { _ = emu.Close() })
				return base, map[string]any{"kind": "shopify_custom_app", "access_token": token, "shop": "hooks.myshopify.com"}, func() string {
					id := emu.IDs("customers")[3]
					_, err := emu.Update("customers", id, map[string]any{"note": "changed by webhook"})
					require.NoError(t, err)
					return id
				}
			}},
		"github": {provider: github.New(), collection: "github:issues", options: map[string]any{"org": "acme"},
			start: func(t *testing.T, url, whsec string) (string, map[string]any, func() string) {
				const token = "ghp_000000000000000000000000000000000042"
				emu := githubemu.New(githubemu.Config{Seed: 10, Tokens: []string{token}, WebhookURL: url, WebhookSecret: whsec})
				base, err := emu.Start("127.0.0.1:0")
				require.NoError(t, err)
				t.Cleanup(func() { _ = emu.Close() })
				return base, map[string]any{"kind": "github_token", "token": token}, func() string {
					id := emu.Keys("github:issues")[2]
					_, err := emu.Update("github:issues", id, nil)
					require.NoError(t, err)
					return id
				}
			}},
		// Airtable's notifications name no record: the sidecar polls the sync's tables at once.
		"airtable": {provider: airtable.New(), collection: "airtable:tasks", options: map[string]any{"base_id": airtableemu.MainBaseID},
			start: func(t *testing.T, url, whsec string) (string, map[string]any, func() string) {
				emu := airtableemu.New(airtableemu.Config{Seed: 20, RandSeed: 4, WebhookURL: url, WebhookSecret: whsec})
				base, err := emu.Start("127.0.0.1:0")
				require.NoError(t, err)
				t.Cleanup(func() { _ = emu.Close() })
				// The credential holds the webhook's MAC secret as Airtable hands it out (base64).
				return base, map[string]any{"kind": "airtable_token", "token": "patWebhooks.0123456789abcdef",
						"webhook_secret": base64.StdEncoding.EncodeToString([]byte(whsec))}, func() string {
						id := emu.RecordIDs(airtableemu.TasksTable)[3]
						require.NoError(t, emu.UpdateRecord(airtableemu.TasksTable, id, map[string]any{"Notes": "changed by webhook"}))
						return id
					}
			}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const whsec = "whsec_e2e_hooks"
			forward, target := newWebhookForwarder(t)
			base, props, change := c.start(t, forward, whsec)
			if props["webhook_secret"] == nil {
				props["webhook_secret"] = whsec
			}
			reg, err := providers.NewRegistry(c.provider)
			require.NoError(t, err)
			db := pgtest.NewDB(t)
			sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "127.0.0.1:0", SecretKey: secret.GenerateKey(), Registry: reg,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			require.NoError(t, err)
			require.NoError(t, sc.Start(context.Background()))
			t.Cleanup(func() { sc.Stop(context.Background()) })
			ctx := context.Background()
			var syncID string
			opts := map[string]any{"base_url": base, "poll_interval_ms": 600000}
			for k, v := range c.options {
				opts[k] = v
			}
			require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync($1, 'hooks', ARRAY[$2],
				sequin.create_credential($1, $3::jsonb), options => $4::jsonb,
				rate_limit => '{"allowed_requests": 100, "interval": 1000}')::text`, // GitHub's default budget is ~1.4 req/s
				c.provider.Spec().Name, c.collection, props, opts).Scan(&syncID))
			require.Eventually(t, func() bool {
				var live bool
				err := db.Pool.QueryRow(ctx, `SELECT bool_and(state = 'live') FROM sequin.sync_collections WHERE sync_id = $1`, syncID).Scan(&live)
				return err == nil && live
			}, 30*time.Second, 20*time.Millisecond)
			target("http://" + sc.Addr + "/webhooks/" + syncID)
			time.Sleep(300 * time.Millisecond) // the first poll after the backfill has run

			changed := time.Now()
			id := change()
			var lag time.Duration
			require.Eventually(t, func() bool {
				var n int
				_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events WHERE sync_id = $1 AND upstream_id = $2 AND event = 'updated'`, syncID, id).Scan(&n)
				lag = time.Since(changed)
				return n == 1
			}, 10*time.Second, 5*time.Millisecond, "the webhook makes the sidecar fetch the object; the next poll is ten minutes off")
			t.Logf("%s: upstream change to event row in %v (webhook path)", name, lag.Round(time.Millisecond))
		})
	}
}

// TestHubSpotWebhookV3EndToEnd: HubSpot's v3 signature covers the URL it called, so here the emulator
// posts straight to the sidecar's receiver, which hands the verifier the URL it was called at. The
// sync is made first (paused, against nothing), since the receiver's URL names it.
func TestHubSpotWebhookV3EndToEnd(t *testing.T) {
	t.Parallel()
	const token, whsec = "pat-na1-00000000-0000-0000-0000-000000000042", "hubspot-client-secret-e2e"
	reg, err := providers.NewRegistry(hubspot.New())
	require.NoError(t, err)
	db := pgtest.NewDB(t)
	sc, err := sidecar.New(sidecar.Config{DatabaseURL: db.URL, Listen: "127.0.0.1:0", SecretKey: secret.GenerateKey(), Registry: reg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	require.NoError(t, sc.Start(context.Background()))
	t.Cleanup(func() { sc.Stop(context.Background()) })
	ctx := context.Background()
	var syncID string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT sequin.create_sync('hubspot', 'hooks', ARRAY['contacts'],
		sequin.create_credential('hubspot', jsonb_build_object('access_token', $1::text, 'webhook_secret', $2::text)),
		rate_limit => '{"allowed_requests": 100, "interval": 1000}',
		options => '{"base_url": "http://127.0.0.1:1", "poll_interval_ms": 600000}')::text`, token, whsec).Scan(&syncID))
	_, err = db.Pool.Exec(ctx, `SELECT sequin.pause_sync($1)`, syncID)
	require.NoError(t, err)

	emu := hubspotemu.New(hubspotemu.Config{Seed: 15, AccessTokens: []string{token},
		WebhookURL: "http://" + sc.Addr + "/webhooks/" + syncID + "?portal=e2e", WebhookSecret: whsec})
	base, err := emu.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = emu.Close() })
	_, err = db.Pool.Exec(ctx, `SELECT sequin.update_sync($1, options => jsonb_build_object('base_url', $2::text, 'poll_interval_ms', 600000))`, syncID, base)
	require.NoError(t, err)
	_, err = db.Pool.Exec(ctx, `SELECT sequin.resume_sync($1)`, syncID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var n int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM hubspot.contacts`).Scan(&n)
		return n == 15
	}, 60*time.Second, 20*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // the first poll after the backfill has run

	id := emu.List("contacts")[4]
	changed := time.Now()
	require.NoError(t, emu.Update("contacts", id, map[string]any{"firstname": "Webhooked"}))
	var lag time.Duration
	require.Eventually(t, func() bool {
		var n int
		_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM sequin.events WHERE sync_id = $1 AND upstream_id = $2 AND event = 'updated'`, syncID, id).Scan(&n)
		lag = time.Since(changed)
		return n == 1
	}, 10*time.Second, 5*time.Millisecond, "the v3-signed webhook makes the sidecar fetch the contact")
	t.Logf("hubspot: upstream change to event row in %v (webhook path, v3 signature)", lag.Round(time.Millisecond))
}
