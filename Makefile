# sequin: the two commands a newcomer needs are `make dev` and `make test`.
GO ?= go
PKGS := ./...

.PHONY: dev test test-short bench bench-short lint build fuzz

## dev: throwaway Postgres in ./.sequin-dev + Stripe emulator + sidecar + demo sync
dev:
	$(GO) run ./cmd/sequin dev

## test: every test against a throwaway PostgreSQL cluster, race detector on
test:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

## bench: benchmark suite (ingest, stream, rate limit, lag, memory)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 20m ./bench/...

## bench-short: the same suite on small data (checks the suite, not the figures)
bench-short:
	$(GO) test -short -run '^$$' -bench . -benchtime 1x -timeout 20m ./bench/...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

build:
	$(GO) build -o bin/sequin ./cmd/sequin
