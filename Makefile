# trail: build, test, run and install the toolkit.
#   make run    watch the bundled sample trail (safe to schedule from cron)
#   make test   unit and end-to-end tests
#   make report render the overview page of the bundled sample (.build/report.html)
#   make kill-test  the scheduled pipeline SIGKILLed KILLS times (default 500): no alert lost or repeated
#   make fuzz   every stage's libFuzzer harness, FUZZ_SECONDS each (default 60)
#   make bench  speed of every stage and the whole pipeline on a 1M-event corpus (cached in .bench/)
#   make bench-spark  pipelines/spark.py in local[2] against one machine on a 1M-event corpus
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=
# All state of scheduled runs (lock, and later fetch state, spools) lives here.
STATE_DIR ?= $(or $(XDG_STATE_HOME),$(HOME)/.local/state)/trail
export STATE_DIR

TOOLS := trail-fetch trail-flatten trail-enrich trail-match trail-notify trail-synth trail-report
# chromium: the trail-report tests open the page in headless Chromium and take a screenshot.
# openjdk-17-jre-headless: Spark's local mode in the tests of pipelines/spark.py (docs/spark.md).
APT_PACKAGES := zlib1g-dev libcurl4-openssl-dev openssl util-linux jq python3-pip time tzdata chromium openjdk-17-jre-headless
# Python packages the tests use as real peers (servers, reference readers).
PIP_PACKAGES := moto[server] aiosmtpd maxminddb mmdb-writer maxminddb-geolite2 cryptography pysigma pysigma-backend-sqlite pyspark

.PHONY: all build release test run report install clean deps sample bench bench-spark kill-test fuzz

all: build

## deps: install missing Debian packages unattended (when root), else say what is missing.
deps:
	@command -v $(SWIFT) >/dev/null || { echo "make deps: Swift 6 toolchain not found (swift)" >&2; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "make deps: missing Debian packages:$$missing (run 'sudo make deps')" >&2; exit 1; fi; \
	fi
	@missing=""; for p in $(PIP_PACKAGES); do python3 -m pip show -q "$${p%%[*}" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing Python packages$$missing"; \
	  python3 -m pip install -q --disable-pip-version-check $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) test

# A GeoLite2 City database for make run: the 2018 one PyPI's maxminddb-geolite2 ships (make deps
# installs it for the tests); expanded when the recipe runs, after deps.
GEO_DB = $(shell python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + "/GeoLite2-City.mmdb")' 2>/dev/null)

## run: the whole pipeline once over the bundled sample, printing the alerts. The sample is a
## three-day backfill read folder by folder, so correlations see it as one whole stream. The
## enrichment is what the pack needs: geo (D17), the principals table (D5 allow-list, D18) and
## the company calendar (D2: Tokyo business hours, Japanese holidays).
SAMPLE_ENRICH = $(if $(GEO_DB),--geo $(GEO_DB)) --table trail.actor.name=pipelines/tables/principals.csv
SAMPLE_BUSINESS_HOURS := Asia/Tokyo Mon-Fri 09:00-18:00
SAMPLE_HOLIDAYS := pipelines/tables/holidays-jp.txt
run: release
	@TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" TRAIL_MATCH_STATE="$${TRAIL_MATCH_STATE-}" \
	  TRAIL_ENRICH="$${TRAIL_ENRICH-$(SAMPLE_ENRICH)}" \
	  TRAIL_BUSINESS_HOURS="$${TRAIL_BUSINESS_HOURS-$(SAMPLE_BUSINESS_HOURS)}" TRAIL_HOLIDAYS="$${TRAIL_HOLIDAYS-$(SAMPLE_HOLIDAYS)}" \
	  pipelines/watch.sh

## report: the overview page of the bundled sample, enriched as make run enriches it, in
## REPORT_OUT (one self-contained HTML file: open it in any browser, offline).
REPORT_OUT ?= .build/report.html
report: release
	@TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" TRAIL_REPORT="$(REPORT_OUT)" \
	  TRAIL_ENRICH="$${TRAIL_ENRICH-$(SAMPLE_ENRICH)}" \
	  TRAIL_BUSINESS_HOURS="$${TRAIL_BUSINESS_HOURS-$(SAMPLE_BUSINESS_HOURS)}" TRAIL_HOLIDAYS="$${TRAIL_HOLIDAYS-$(SAMPLE_HOLIDAYS)}" \
	  pipelines/report.sh
	@echo "make report: wrote $(REPORT_OUT)"

## sample: regenerate the bundled sample trail with trail-synth (deterministic).
SAMPLE_ARGS := --out pipelines/sample --events 450 --accounts 2 --regions us-east-1,eu-west-1,ap-northeast-1 \
  --start 2026-11-16 --days 3 --seed 7 --scenarios all \
  --scenario-rate 0.5 --actiontrail 150 --truth pipelines/sample/truth.ndjson
sample: release
	rm -rf pipelines/sample
	"$$($(SWIFT) build -c release --show-bin-path)/trail-synth" $(SAMPLE_ARGS)

## bench: measure zcat, zcat | jq, each stage and the whole pipeline on one corpus (pipelines/bench.sh);
## results in .bench/results.md and .bench/results.json. BENCH_RUNS=5 for more runs per figure.
bench: release
	@TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" pipelines/bench.sh

## bench-spark: pipelines/spark.py in local[2] mode against the single-machine pipeline on the bench
## corpus (pipelines/bench-spark.sh; spark-submit from PATH); results in .bench/spark.md.
bench-spark: release
	@TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" pipelines/bench-spark.sh

## kill-test: the long version of the kill test in make test (50 kills): the scheduled pipeline
## killed KILLS times at random moments (SEED varies them), its alerts counted against a clean run.
KILLS ?= 500
SEED ?= 1
kill-test: build
	Tests/PipelineTests/scheduled-runs.sh kill "$$($(SWIFT) build --show-bin-path)" $(KILLS) $(SEED)

## fuzz: build the libFuzzer harnesses (Fuzz/, a package of its own) and run each for
## FUZZ_SECONDS, or FUZZ_RUNS inputs when that comes first; a crash, timeout or out-of-memory
## input is kept in .build/fuzz-crashes/<stage>/ and fails the target (Fuzz/fuzz.sh).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) SWIFT=$(SWIFT) Fuzz/fuzz.sh

install: release
	@bin="$$($(SWIFT) build -c release --show-bin-path)"; \
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/trail"; \
	for t in $(TOOLS); do install -m 755 "$$bin/$$t" "$(DESTDIR)$(PREFIX)/bin/$$t"; done; \
	rm -rf "$(DESTDIR)$(PREFIX)/share/trail/rules" "$(DESTDIR)$(PREFIX)/share/trail/pipelines"; \
	cp -R rules "$(DESTDIR)$(PREFIX)/share/trail/rules"; \
	cp -R pipelines "$(DESTDIR)$(PREFIX)/share/trail/pipelines"

clean:
	rm -rf .build Fuzz/.build
