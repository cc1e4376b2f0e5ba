# The two commands a newcomer needs are `make run` and `make test`; the rest are for the team.
GO      ?= go
BIN     := bin/streamer
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/torrent-streamer/streamer/bootstrap.Version=$(VERSION)

.PHONY: build run test test-short test-cloudflare budget bench vet fmt fuzz generate migrate clean

## build: the static binary (pure Go, no cgo) at bin/streamer
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/streamer

## run: serve the API on the embedded default (./data/streamer.db, in-process cache) with the sample catalog
run: build
	SAMPLE_DATA=$${SAMPLE_DATA:-true} exec ./$(BIN) serve

## migrate: apply the schema and default categories to the configured database, then exit
migrate: build
	./$(BIN) migrate

## test: vet, then every test (fuzz targets run their seed corpora): with the race detector, but for
## the black-box packages and the tests that step aside under it (too slow there, or nothing for it
## to watch), which run alongside without it.
##  - The black-box packages (BLACKBOX) only drive the service's binary, which tests/servicebin builds
##    once per run without the race detector, as users run it: under -race the detector would watch
##    their own HTTP clients, nothing of the service, and make them several times slower (the soak's
##    database check about fifty times). The packages that run the service's code in process
##    (adapters, application, tests/integration, ...) keep it. The black-box ones run beside the race
##    run, each in a go test of its own, side by side: most of their time is waiting (timed soak
##    phases, restarts, containers), and one after the other they were the longest path of a fresh
##    CI run (e2e's 40 s waited for the soak's 320 s).
##  - The race detector watches the Go heap only. SQLite's C translated to Go (modernc.org/sqlite/lib)
##    works in memory its libc maps outside it, so instrumenting that one package watched nothing and
##    made every test that queries a database about six times slower (tests/contract's R1 catalog
##    suite: 105 s against 17 s). It is compiled without it, and so are that C runtime
##    (modernc.org/libc and its allocator, modernc.org/memory): the detector checked each of their
##    own accesses (every memcpy of SQLite's, every malloc) for nothing of ours, and that halved
##    the same suite again (14-15 s against 7.5-8). Their locks are the standard library's
##    sync.Mutex and their atomics sync/atomic's, which the detector still sees, so the order they
##    put between goroutines is kept. The driver (modernc.org/sqlite), where our values cross into
##    SQLite, and all of our code keep it.
##  - Everything built without -race is built as `make build` builds (CGO_ENABLED=0, -trimpath), so
##    vet, those runs, the test binary and the image share one compilation of each package.
##  - The runs without the race detector pass -vet=off: vet has just checked those packages in that
##    very build, and go test's own vet (a subset of its checks) did it again, the facts of every
##    dependency computed once more (97 s of its actions in a fresh CI run, before the soak could
##    start). So does the race run: its build differs only by the race_test.go files (one constant
##    each), and go test's vet there computed the facts of every dependency and of the standard
##    library again, under that build's action ids (30 core-seconds, about 15 s of a fresh CI run,
##    which is CPU-bound from end to end).
##  - The race run's packages and test binaries are built without DWARF (-dwarf=false, -w): only a
##    debugger reads it (stack traces and race reports use the symbol table), and it was about a
##    tenth of their compilation.
##  - The race run starts its longest packages first (LONGEST: tests/integration alone over three
##    minutes): started last, as `go list` orders them, the run ended on them with one core idle.
##    It runs three packages at a time (-p 3), not one a core: tests/integration waits on its
##    emulators most of its 220 s, and with two at a time the cores were a third idle in the last
##    100 s of a fresh CI run (session 17), once the soak had ended.
##  - The tests that step aside under the race detector (ASIDE_RUN, each says why) run without it,
##    after tests/e2e and beside the soak, while the race run still compiles: after the race run they
##    were the last 12 s of a fresh CI run; after the soak their bench pipeline's load met
##    tests/integration's latency measurement; and before the black-box packages they held back the
##    soak, which is now the longest of them (72 s of a fresh CI run in session 17, whose soak then
##    ended last, at 527 s of 550).
##    tests/maketest fails when a test that steps aside is not named in ASIDE_RUN (its package in
##    ASIDE), or a name there steps aside nowhere: six had run in neither run.
E2E       := ./tests/e2e/
SOAK      := ./tests/soak/
BLACKBOX  := $(E2E) $(SOAK)
LONGEST   := ./tests/integration/ ./tests/migration/ ./adapters/r1/ ./adapters/rest/ ./tests/contract/
ASIDE     := ./adapters/r1/ ./tests/bench/ ./application/caching/ ./adapters/torznab/ ./domain/ ./adapters/rest/ ./tests/torznab/ ./application/accounts/
ASIDE_RUN := ^(TestScreensPassEveryMatch|TestRangeCoverIsTheRange|TestSearchTotalAtTheRealLimit|TestPipelineAtSmallN|TestCorpusShape|TestLocalTierWeighsWhatTheHeapHolds|TestAPageOfLongMagnetsGrowsOnce|TestACachedAnonymousReadAllocatesNothing|TestAPlainClientIsSentAKeptAnswerWithoutInflatingItAgain|TestTheKeyedHashIsHMACFromPooledStates|TestAPlainClientsKeptAnswerIsInflatedOnce|TestWalkedExpressionsMatchAsTheRegexpAtEveryPlace|TestParsesAreTheOnesOfParserVersion2|TestHintsPassEveryAlternative|TestPatternsAnswerAsTheirExpressions|TestIngestMoreGoesIntoACopy|TestACorpusBeginsWithTheOneBeforeRemoved|TestBucketedCountIsTheRangesCount|TestRangeTokensAreTheMigrations|TestSearchAgedFilterTotalIsCountedUnderTheBound|TestSearchDateTotalIsCountedUnderTheBound|TestFileWordsOverTheBoundAreNone|TestTheCorpusNamesParseAsParserVersion2ReadThem|TestDatesFollowArrival)$$
PLAIN     := CGO_ENABLED=0
RACE      := -race -ldflags=-w -gcflags=all=-dwarf=false $(foreach p,modernc.org/sqlite/lib modernc.org/libc/... modernc.org/memory,-gcflags='$(p)=-race=false -dwarf=false')
test: vet
	@docker info >/dev/null 2>&1 || echo "!!! No Docker engine answers: the integration tests (tests/integration) will be SKIPPED (CI=true fails them). bash .ci/run sets Docker up." >&2
	$(PLAIN) $(GO) test -trimpath -vet=off -count=1 -timeout 30m $(SOAK) & soak=$$!; \
	{ $(PLAIN) $(GO) test -trimpath -vet=off -count=1 -timeout 30m $(E2E); e2e=$$?; \
	  $(PLAIN) $(GO) test -trimpath -vet=off -count=1 -run '$(ASIDE_RUN)' $(ASIDE) && [ $$e2e = 0 ]; } & plain=$$!; \
	$(GO) test $(RACE) -vet=off -p 3 -count=1 -timeout 30m $(LONGEST) $$($(GO) list ./... | grep -v $(foreach p,$(BLACKBOX) $(LONGEST),-e '$(patsubst ./%/,/%,$(p))$$')); \
	race=$$?; wait $$plain; plain=$$?; wait $$soak; soak=$$?; [ $$race = 0 ] && [ $$plain = 0 ] && [ $$soak = 0 ]


## bench: the catalog at scale: a deterministic corpus of BENCH_N torrents (default 1,000,000) ingested
## into a fresh local R1 in a temporary directory, then search, latest, details, HTTP and RSS measured;
## prints one table and writes it to bench/results-<time>.md (and .json) and bench/latest.md. See
## tests/bench for its flags (BENCH_KEEP=1 keeps the database, BENCH_DB reuses one, BENCH_DB with
## BENCH_INGEST_MORE=50000 measures only the ingest at the kept database's size).
BENCH_N ?= 1000000
bench:
	BENCH_N=$(BENCH_N) $(GO) run ./tests/bench

## soak: the built binary under SOAK_CLIENTS clients for SOAK_DURATION on each backend (the embedded
## default, then the emulator in Docker) with a realistic mix, every acknowledged write read back
## after; prints one table and writes it to soak/results-<time>.md and soak/latest.md (tests/soak;
## make test runs it for 30 s with 16 clients, beside the crash, full-disk, fault and slow-client tests)
SOAK_DURATION ?= 10m
SOAK_CLIENTS  ?= 64
SOAK_TORRENTS ?= 20000
.PHONY: soak
soak:
	SOAK_DURATION=$(SOAK_DURATION) SOAK_CLIENTS=$(SOAK_CLIENTS) SOAK_TORRENTS=$(SOAK_TORRENTS) SOAK_WRITE=1 \
		$(GO) test -count=1 -v -timeout 90m -run '^TestSoak$$' ./tests/soak/

## test-short: every test without the race detector, for a quick loop
test-short:
	$(GO) test -count=1 ./...

## test-cloudflare: the integration suite (tests/integration) against a real Cloudflare account instead
## of the emulator. Needs CF_ACCOUNT_ID, R1_API_TOKEN, R1_DATABASE and KV_NAMESPACE_ID of a THROWAWAY D1
## database and KV namespace (the suite empties them); CF_API_BASE_URL optional (a deployed gateway
## Worker, advised: the suite makes more requests than the public API allows in 5 minutes)
test-cloudflare:
	@for v in CF_ACCOUNT_ID R1_API_TOKEN R1_DATABASE KV_NAMESPACE_ID; do \
		if [ -z "$$(printenv $$v)" ]; then echo "test-cloudflare: $$v is not set (README, Cloudflare)" >&2; exit 2; fi; \
	done
	INTEGRATION_TARGET=cloudflare $(GO) test -count=1 -v -timeout 60m ./tests/integration/

## budget: the upstream calls of an ingest, a Zipf read workload and each uncached request, measured
## against the emulator (Docker) and printed
budget:
	$(GO) test -count=1 -v -run '^TestUpstreamBudget$$' ./tests/integration/

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(PLAIN) $(GO) vet -trimpath ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./domain/ -run '^$$' -fuzz '^FuzzParseInfoHash$$' -fuzztime $(FUZZTIME)
	$(GO) test ./domain/ -run '^$$' -fuzz '^FuzzParseMagnet$$' -fuzztime $(FUZZTIME)
	$(GO) test ./domain/ -run '^$$' -fuzz '^FuzzTokenize$$' -fuzztime $(FUZZTIME)
	$(GO) test ./domain/ -run '^$$' -fuzz '^FuzzParseRelease$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapters/r1/ -run '^$$' -fuzz '^FuzzFTSQuery$$' -fuzztime $(FUZZTIME)
	$(GO) test ./adapters/metainfo/ -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)

## generate: regenerate the gomock mocks of the ports
generate:
	$(GO) generate ./...

clean:
	rm -rf bin

## emulator: the local Cloudflare (the gateway Worker under workerd: D1 + KV) in the foreground on
## 127.0.0.1:$(EMULATOR_PORT); point the service at it with CF_API_BASE_URL=http://127.0.0.1:8787/client/v4
## CF_ACCOUNT_ID=emulator R1_API_TOKEN=$(EMULATOR_TOKEN) R1_DATABASE=streamer KV_NAMESPACE_ID=cache
EMULATOR_PORT  ?= 8787
EMULATOR_STATE ?= ./.emulator
EMULATOR_TOKEN ?= dev-token
.PHONY: emulator emulator-image
emulator:
	@cd gateway && if [ ! -d node_modules/miniflare ]; then npm ci --no-audit --no-fund; fi
	cd gateway && EMULATOR_PORT='$(EMULATOR_PORT)' EMULATOR_STATE='$(abspath $(EMULATOR_STATE))' \
		EMULATOR_TOKEN='$(EMULATOR_TOKEN)' exec node emulator.mjs

## emulator-image: the emulator as the container image streamer-gateway:dev, from local files only
emulator-image:
	gateway/image/build.sh

## image: the service's container image streamer:$(VERSION) (and streamer:latest), FROM scratch and
## from local files only (deploy/image/build.sh): the static binary, CA certificates, a non-root
## user, /data as the volume of the embedded default, a HEALTHCHECK running `streamer healthcheck`
.PHONY: image
image:
	VERSION='$(VERSION)' deploy/image/build.sh

## client: what is derived from adapters/rest/openapi.json: the gzipped copy the binary embeds
## (go generate), and the TypeScript types of the whole API (clients/typescript/src/api.d.ts),
## generated by openapi-typescript, then compiled with tsc with the example that uses them
.PHONY: client client-check
client:
	$(GO) generate ./adapters/rest
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run --silent generate && npm run --silent check
	sha256sum adapters/rest/openapi.json | cut -d' ' -f1 > clients/typescript/src/openapi.sha256

## client-check: fails when the committed types differ from what the document generates, or do not compile (CI)
client-check:
	@cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && \
	tmp=$$(mktemp -d) && npx openapi-typescript ../../adapters/rest/openapi.json --output $$tmp/api.d.ts >/dev/null && \
	if ! diff -u src/api.d.ts $$tmp/api.d.ts; then rm -rf $$tmp; echo "clients/typescript/src/api.d.ts is out of date: run make client and commit it" >&2; exit 1; fi; \
	rm -rf $$tmp && npm run --silent check && echo "client-check: the TypeScript types are up to date and compile"

## stack: the production shape on a laptop in one command: the gateway emulator and the service in
## Cloudflare mode against it, with the sample catalog (deploy/compose.yaml; API on 127.0.0.1:8080).
## Builds both images from local files first. Needs docker-compose (Debian: apt-get install docker-compose)
## or the docker compose plugin. stack-down stops it and removes its volume.
COMPOSE ?= $(shell if docker compose version >/dev/null 2>&1; then echo docker compose; else echo docker-compose; fi)
.PHONY: stack stack-down
stack: image emulator-image
	$(COMPOSE) -f deploy/compose.yaml -p streamer-stack up

stack-down:
	$(COMPOSE) -f deploy/compose.yaml -p streamer-stack down --volumes
