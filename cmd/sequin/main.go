// Command sequin is the sidecar: it syncs third-party APIs into Postgres tables and an event stream,
// managed from SQL.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sequinsync/sequin/migrations"
	"github.com/sequinsync/sequin/providers/all"
	"github.com/sequinsync/sequin/sidecar"
	"github.com/sequinsync/sequin/sidecar/dev"
	"github.com/sequinsync/sequin/sidecar/status"
	"github.com/sequinsync/sequin/sqlapi"
	"github.com/sequinsync/sequin/sqlapi/secret"
)

const usage = `sequin: sync third-party APIs into Postgres, managed from SQL.

Usage:
  sequin run      [--database-url URL] [--listen ADDR]   run the sidecar (env DATABASE_URL, SEQUIN_LISTEN, SEQUIN_SECRET_KEY, SEQUIN_STREAM_SLOT)
  sequin migrate  [--database-url URL] [--status]        apply migrations, or list them
  sequin dev      [--dir DIR] [--seed N]                 throwaway Postgres + emulator + sidecar + demo sync
  sequin emulator <provider> [--listen ADDR] [--seed N]  run a stateful API emulator
  sequin status   [--database-url URL] [--watch]         show syncs and their progress
  sequin rotate-key [--database-url URL]                 re-encrypt every credential with SEQUIN_SECRET_KEY,
                                                         opening old ones with SEQUIN_PREVIOUS_SECRET_KEYS
  sequin version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sequin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest)
	case "migrate":
		return cmdMigrate(ctx, rest, out)
	case "dev":
		return cmdDev(ctx, rest, out)
	case "emulator":
		return cmdEmulator(ctx, rest, out)
	case "status":
		return cmdStatus(ctx, rest, out)
	case "rotate-key":
		return cmdRotateKey(ctx, rest, out)
	case "version", "--version":
		fmt.Fprintln(out, "sequin", sidecar.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	fmt.Fprint(out, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newLogger() *slog.Logger {
	level := slog.LevelInfo
	if strings.EqualFold(os.Getenv("SEQUIN_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	if os.Getenv("SEQUIN_LOG_FORMAT") == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	dbURL := fs.String("database-url", env("DATABASE_URL", ""), "Postgres connection URL")
	listen := fs.String("listen", env("SEQUIN_LISTEN", "127.0.0.1:7376"), "HTTP listen address ('-' disables)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	reg, err := all.Registry()
	if err != nil {
		return err
	}
	sc, err := sidecar.New(sidecar.Config{
		DatabaseURL: *dbURL, Listen: *listen, SecretKey: os.Getenv("SEQUIN_SECRET_KEY"),
		PreviousSecretKeys: previousKeys(), Registry: reg, Logger: newLogger(), StreamSlot: env("SEQUIN_STREAM_SLOT", ""),
	})
	if err != nil {
		return err
	}
	if err := sc.Start(ctx); err != nil {
		return err
	}
	return sc.Wait(ctx)
}

func cmdMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dbURL := fs.String("database-url", env("DATABASE_URL", ""), "Postgres connection URL")
	list := fs.Bool("status", false, "list migrations and whether they are applied")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("database URL is required (--database-url or DATABASE_URL)")
	}
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if *list {
		st, err := migrations.List(ctx, pool)
		if err != nil {
			return err
		}
		for _, m := range st {
			applied := "pending"
			if m.AppliedAt != nil {
				applied = "applied " + m.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(out, "%03d  %-30s %s\n", m.Version, m.Name, applied)
		}
		return nil
	}
	applied, err := migrations.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "applied %d migration(s) %v\n", len(applied), applied)
	return nil
}

func cmdDev(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	opts := dev.Options{}
	fs.StringVar(&opts.Dir, "dir", ".sequin-dev", "folder for the throwaway cluster and the dev secret key")
	fs.IntVar(&opts.PGPort, "pg-port", 54329, "Postgres port")
	fs.StringVar(&opts.Listen, "listen", "127.0.0.1:7376", "sidecar HTTP address")
	fs.StringVar(&opts.EmulatorListen, "emulator-listen", "127.0.0.1:12111", "Stripe emulator address")
	fs.IntVar(&opts.Seed, "seed", 1000, "objects per collection in the emulator")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts.Out = out
	opts.Logger = newLogger()
	return dev.Run(ctx, opts)
}

func cmdEmulator(ctx context.Context, args []string, out io.Writer) error {
	emulators := all.Emulators()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: sequin emulator <provider> [--listen ADDR] [--seed N]; providers: %s", strings.Join(keys(emulators), ", "))
	}
	name := args[0]
	newEmu, ok := emulators[name]
	if !ok {
		return fmt.Errorf("no emulator for %q; providers: %s", name, strings.Join(keys(emulators), ", "))
	}
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:12111", "listen address")
	var o all.EmulatorOptions
	fs.IntVar(&o.Seed, "seed", 100, "objects per collection")
	fs.StringVar(&o.APIKey, "api-key", "", "the only API key accepted (default: any well-formed key)")
	fs.IntVar(&o.RateLimit, "rate-limit", 0, "requests per second before answering 429 (0 = unlimited)")
	fs.StringVar(&o.WebhookURL, "webhook-url", "", "deliver signed webhooks to this URL")
	fs.StringVar(&o.WebhookSecret, "webhook-secret", "", "webhook signing secret")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	emu := newEmu(o)
	url, err := emu.Start(*listen)
	if err != nil {
		return err
	}
	defer emu.Close()
	summary := emu.Summary()
	summary["provider"] = name
	summary["url"] = url
	line, _ := json.Marshal(summary)
	fmt.Fprintln(out, string(line))
	<-ctx.Done()
	return nil
}

func cmdStatus(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	dbURL := fs.String("database-url", env("DATABASE_URL", ""), "Postgres connection URL")
	watch := fs.Bool("watch", false, "refresh every 2 seconds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("database URL is required (--database-url or DATABASE_URL)")
	}
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if !*watch {
		return status.Print(ctx, pool, out)
	}
	for {
		fmt.Fprint(out, "\033[H\033[2J")
		if err := status.Print(ctx, pool, out); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// previousKeys are the keys of SEQUIN_PREVIOUS_SECRET_KEYS (comma-separated): they open credentials
// sealed before a rotation, never seal.
func previousKeys() []string {
	var keys []string
	for _, k := range strings.Split(os.Getenv("SEQUIN_PREVIOUS_SECRET_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// cmdRotateKey re-encrypts every credential with the current key. Rotation: set SEQUIN_SECRET_KEY to
// a new key and SEQUIN_PREVIOUS_SECRET_KEYS to the old one, run rotate-key, restart the sidecars with
// the new key, then drop the old one.
func cmdRotateKey(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	dbURL := fs.String("database-url", env("DATABASE_URL", ""), "Postgres connection URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURL == "" {
		return errors.New("database URL is required (--database-url or DATABASE_URL)")
	}
	keys, err := secret.NewKeyring(os.Getenv("SEQUIN_SECRET_KEY"), previousKeys()...)
	if err != nil {
		return fmt.Errorf("SEQUIN_SECRET_KEY / SEQUIN_PREVIOUS_SECRET_KEYS: %w", err)
	}
	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := (&sqlapi.Credentials{Pool: pool, Keys: keys}).Reseal(ctx)
	if err != nil {
		return fmt.Errorf("re-encrypting credentials (nothing was changed): %w", err)
	}
	fmt.Fprintf(out, "re-encrypted %d credential(s) with key %s; the previous keys are no longer needed once every sidecar runs with the new one\n", n, keys.PrimaryID())
	return nil
}
