# Indus — two commands do all set-up on a fresh Debian machine:
#   make run    installs what is missing (GDAL), builds, serves the default Pakistan dataset on :8080
#   make test   installs what is missing, then gofmt, go vet and every test with the race detector
#   make unit   the fast suite for every edit (about a minute): gofmt, go vet and go test -short, no installs
# and, for replicas sharing PostgreSQL behind HAProxy:
#   make cluster-test    the cluster tests alone (PostgreSQL, 3 replicas, HAProxy; kill -9 mid-burst)
#   make cluster-bench   post → event latency with 1,000 subscribers over 3 replicas through HAProxy
SHELL := /bin/bash
GO ?= go
ADDR ?= :8080
APT_PACKAGES := libgdal-dev gdal-bin pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps pg-deps web-deps font-deps cap-deps proxy-deps doc-deps build run test unit vet fmt-check bench bench-suite fuzz fonts clean cluster-test cluster-bench

# deps installs Debian's GDAL (library, headers and the ogr2ogr/ogrinfo tools) if missing.
deps:
	@if ! pkg-config --exists gdal 2>/dev/null || ! command -v ogrinfo >/dev/null; then \
		echo "installing $(APT_PACKAGES) (a few minutes on a fresh machine)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

build: deps
	$(GO) build -o bin/indus ./cmd/indus

run: build
	./bin/indus serve --addr $(ADDR)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: deps
	$(GO) vet ./...

# pg-deps: PostgreSQL 15 + PostGIS 3, the independent peer the risk tests and benchmarks compare with.
pg-deps:
	@benchmarks/postgis.sh

# web-deps: Debian's chromium and the npm packages (Playwright, the MapLibre style validator, the
# CAP parser @dec112/cap-ts, the OpenAPI validator @apidevtools/swagger-parser, the RTL text plugin,
# pbf) that the browser, style, CAP, OpenAPI and glyph tests use.
web-deps:
	@if ! command -v chromium >/dev/null; then \
		echo "installing chromium (a few minutes on a fresh machine)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi
	@if [ ! -d styles/web/node_modules/playwright-core ] || [ ! -d styles/web/node_modules/@dec112/cap-ts ] || \
		[ ! -d styles/web/node_modules/@apidevtools/swagger-parser ] || [ ! -d styles/web/node_modules/@mapbox/mapbox-gl-rtl-text ] || \
		[ ! -d styles/web/node_modules/pbf ]; then \
		cd styles/web && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# font-deps: Debian's fonts-noto-core (Noto Sans, Noto Naskh Arabic), which the labels' glyphs are
# rendered from: the glyph tests compare the embedded ranges with it; serving needs only the ranges.
font-deps:
	@if [ ! -f /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf ]; then \
		echo "installing fonts-noto-core"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-noto-core >/dev/null; \
	fi

# fonts: render the labels' glyph ranges (styles/glyphs/fonts) again from the Debian fonts.
fonts: deps font-deps
	$(GO) run ./cmd/indus fonts --out styles/glyphs/fonts

# cap-deps: xmllint (Debian libxml2-utils), which checks every CAP message against a CAP 1.2 schema.
cap-deps:
	@if ! command -v xmllint >/dev/null; then \
		echo "installing libxml2-utils"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libxml2-utils >/dev/null; \
	fi

# doc-deps: curl and jq, which the documentation's examples use (TestDocExamples runs them).
doc-deps:
	@if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then \
		echo "installing curl and jq"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq curl jq >/dev/null; \
	fi

# proxy-deps: Debian's HAProxy, the round-robin proxy in front of three replicas in the cluster tests.
proxy-deps:
	@if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then \
		echo "installing haproxy"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy >/dev/null; \
	fi

test: deps pg-deps web-deps font-deps cap-deps proxy-deps doc-deps fmt-check vet
	$(GO) test -race -count=1 -timeout 30m ./...
	cd tiles/pmtiles/oracle && $(GO) test ./...

# unit: gofmt, go vet and go test -short ./... without the race detector. It installs nothing and starts
# no external service: every test that needs PostgreSQL, chromium, the npm packages, xmllint,
# HAProxy, GDAL's command line tools, Debian's fonts or the real indus binary (all process-level
# tests of cmd/indus) asks data/testenv, data/postgres/pgtest or binary() for it and is
# skipped. GDAL's library and headers must be installed to compile data/gdal (make deps, once).
# Go's test cache applies: GOFLAGS=-count=1 make unit runs every test again.
unit: fmt-check
	$(GO) vet ./...
	$(GO) test -short ./...

# The replica tests alone: PostgreSQL (--state-db), three replicas and HAProxy; a PG: layer change
# reloaded everywhere; an unreachable database at start.
cluster-test: deps pg-deps proxy-deps
	$(GO) test -race -count=1 -run 'Cluster|PGLayerChange|StateDB|Shared|Log|Versions|Unreachable' ./cmd/indus ./analytics/warnings/... ./data/postgres/...

# Post → event latency through HAProxy with 1,000 subscribers spread over three replicas (p50, p99).
cluster-bench: deps pg-deps proxy-deps
	$(GO) test -run '^$$' -bench ClusterSSELatency -benchtime 200x ./cmd/indus

# Go micro-benchmarks beside the code (ns/op, B/op, allocs/op).
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x ./... >/dev/null
	$(GO) test -run '^$$' -bench . ./...

# The benchmark suite: Indus against the HTTP ceiling and PostGIS, as ratios (benchmarks/results/latest.md).
bench-suite: deps pg-deps
	$(GO) run ./benchmarks

# A short fuzzing pass over every parser.
fuzz: deps
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 20s -fuzzminimizetime 5s $$pkg || exit 1; \
		done; \
	done

clean:
	rm -rf bin
