// Package all lists every provider sequin ships and their emulators, explicitly (no init magic).
package all

import (
	"time"

	"github.com/sequinsync/sequin/providers"
	"github.com/sequinsync/sequin/providers/stripe"
	stripeemu "github.com/sequinsync/sequin/providers/stripe/emulator"
)

// Providers returns every shipped provider.
func Providers() []providers.Provider {
	return []providers.Provider{
		stripe.New(),
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
	}
}
