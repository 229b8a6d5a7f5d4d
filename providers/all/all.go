// Package all lists every provider sequin ships and their emulators, explicitly (no init magic).
package all

import (
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/airtable"
	airtableemu "github.com/sequinsync/sequin/providers/airtable/emulator"
	"github.com/sequinsync/sequin/providers/auth0"
	auth0emu "github.com/sequinsync/sequin/providers/auth0/emulator"
	"github.com/sequinsync/sequin/providers/checkoutchamp"
	ccemu "github.com/sequinsync/sequin/providers/checkoutchamp/emulator"
	"github.com/sequinsync/sequin/providers/github"
	githubemu "github.com/sequinsync/sequin/providers/github/emulator"
	"github.com/sequinsync/sequin/providers/hubspot"
	hubspotemu "github.com/sequinsync/sequin/providers/hubspot/emulator"
	"github.com/sequinsync/sequin/providers/linear"
	linearemu "github.com/sequinsync/sequin/providers/linear/emulator"
	"github.com/sequinsync/sequin/providers/marketo"
	marketoemu "github.com/sequinsync/sequin/providers/marketo/emulator"
	"github.com/sequinsync/sequin/providers/netsuite"
	nsemu "github.com/sequinsync/sequin/providers/netsuite/emulator"
	"github.com/sequinsync/sequin/providers/quickbooks"
	quickbooksemu "github.com/sequinsync/sequin/providers/quickbooks/emulator"
	"github.com/sequinsync/sequin/providers/salesforce"
	salesforceemu "github.com/sequinsync/sequin/providers/salesforce/emulator"
	"github.com/sequinsync/sequin/providers/sendgrid"
	sendgridemu "github.com/sequinsync/sequin/providers/sendgrid/emulator"
	"github.com/sequinsync/sequin/providers/servicenow"
	snemu "github.com/sequinsync/sequin/providers/servicenow/emulator"
	"github.com/sequinsync/sequin/providers/shopify"
	shopifyemu "github.com/sequinsync/sequin/providers/shopify/emulator"
	"github.com/sequinsync/sequin/providers/stripe"
	stripeemu "github.com/sequinsync/sequin/providers/stripe/emulator"
	"github.com/sequinsync/sequin/providers/workday"
	wdemu "github.com/sequinsync/sequin/providers/workday/emulator"
)

// Providers returns every shipped provider.
func Providers() []providers.Provider {
	return []providers.Provider{
		stripe.New(),
		github.New(),
		airtable.New(),
		hubspot.New(),
		linear.New(),
		shopify.New(),
		salesforce.New(),
		servicenow.New(),
		netsuite.New(),
		checkoutchamp.New(),
		workday.New(),
		auth0.New(),
		quickbooks.New(),
		sendgrid.New(),
		marketo.New(),
	}
}

// Registry returns a registry of every shipped provider.
func Registry() (*providers.Registry, error) {
	return providers.NewRegistry(Providers()...)
}

// EmulatorOptions configures an emulator started from the command line.
type EmulatorOptions struct {
	// Seed is the number of objects per collection.
	Seed int
	// APIKey, when set, is the only key accepted.
	APIKey string
	// RateLimit is requests per second before 429s (0 = unlimited).
	RateLimit int
	// WebhookURL and WebhookSecret make the emulator deliver signed webhooks.
	WebhookURL, WebhookSecret string
}

// Emulator is a running upstream emulator.
type Emulator interface {
	Start(addr string) (string, error)
	Close() error
	Summary() map[string]any
}

// Emulators maps provider names to emulator constructors.
func Emulators() map[string]func(EmulatorOptions) Emulator {
	return map[string]func(EmulatorOptions) Emulator{
		"stripe": func(o EmulatorOptions) Emulator {
			cfg := stripeemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.APIKeys = []string{o.APIKey}
			}
			return stripeemu.New(cfg)
		},
		"github": func(o EmulatorOptions) Emulator {
			cfg := githubemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.Tokens = []string{o.APIKey}
			}
			return githubemu.New(cfg)
		},
		"airtable": func(o EmulatorOptions) Emulator {
			cfg := airtableemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.Tokens = []string{o.APIKey}
			}
			return airtableemu.New(cfg)
		},
		"hubspot": func(o EmulatorOptions) Emulator {
			cfg := hubspotemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.AccessTokens = []string{o.APIKey} // a private-app token; by default any "pat-..." token
			}
			return hubspotemu.New(cfg)
		},
		"linear": func(o EmulatorOptions) Emulator {
			cfg := linearemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.APIKeys = []string{o.APIKey} // a personal API key; by default any "lin_api_..." key
			}
			return linearemu.New(cfg)
		},
		"shopify": func(o EmulatorOptions) Emulator {
			cfg := shopifyemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.AccessTokens = []string{o.APIKey}
			}
			return shopifyemu.New(cfg)
		},
		"salesforce": func(o EmulatorOptions) Emulator {
			// Salesforce's REST API sends no signed webhooks; WebhookURL and WebhookSecret do not apply.
			cfg := salesforceemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second}
			if o.APIKey != "" {
				cfg.RefreshTokens = []string{o.APIKey}
				cfg.AccessTokens = []string{o.APIKey}
			}
			return salesforceemu.New(cfg)
		},
		"servicenow": func(o EmulatorOptions) Emulator {
			cfg := snemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second}
			if o.APIKey != "" {
				cfg.Users = map[string]string{"admin": o.APIKey} // basic auth admin:<key>; default admin:admin
			}
			return snemu.New(cfg)
		},
		"netsuite": func(o EmulatorOptions) Emulator {
			key := o.APIKey
			if key == "" {
				key = "sequin"
			}
			return nsemu.New(nsemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				Consumers: map[string]string{"sequin-consumer": key}, Tokens: map[string]string{"sequin-token": key}})
		},
		"checkoutchamp": func(o EmulatorOptions) Emulator {
			cfg := ccemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second}
			if o.APIKey != "" {
				cfg.Logins = map[string]string{"sequin": o.APIKey} // default sequin:sequin
			}
			return ccemu.New(cfg)
		},
		"workday": func(o EmulatorOptions) Emulator {
			// Client sequin:<key> with refresh token <key>; by default sequin:sequin with refresh token "sequin".
			cfg := wdemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second}
			if o.APIKey != "" {
				cfg.Clients = map[string]string{"sequin": o.APIKey}
				cfg.RefreshTokens = []string{o.APIKey}
			}
			return wdemu.New(cfg)
		},
		"auth0": func(o EmulatorOptions) Emulator {
			cfg := auth0emu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.Clients = map[string]string{"sequin": o.APIKey} // client_id "sequin", secret = key
			}
			return auth0emu.New(cfg)
		},
		"quickbooks": func(o EmulatorOptions) Emulator {
			cfg := quickbooksemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.RefreshTokens = []string{o.APIKey}
			}
			return quickbooksemu.New(cfg)
		},
		"sendgrid": func(o EmulatorOptions) Emulator {
			cfg := sendgridemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.APIKeys = []string{o.APIKey}
			}
			return sendgridemu.New(cfg)
		},
		"marketo": func(o EmulatorOptions) Emulator {
			cfg := marketoemu.Config{Seed: o.Seed, RateLimit: o.RateLimit, RateLimitWindow: time.Second,
				WebhookURL: o.WebhookURL, WebhookSecret: o.WebhookSecret}
			if o.APIKey != "" {
				cfg.ClientID, cfg.ClientSecret = "sequin", o.APIKey
			}
			return marketoemu.New(cfg)
		},
	}
}
