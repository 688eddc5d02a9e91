# trail: build, test, run and install the toolkit.
#   make run    watch the bundled sample trail once (a real trail: make install, then trail-watch)
#   make test   unit and end-to-end tests (and the docs' examples); make test-deps installs their tools
#   make install  the tools, trail-watch, the rule pack, man pages, completions (PREFIX, DESTDIR)
#   make install-systemd  trail-watch.service and .timer
#   make report render the overview page of the bundled sample (.build/report.html)
#   make kill-test  the scheduled pipeline SIGKILLed KILLS times (default 500): no alert lost or repeated
#   make fuzz   every stage's libFuzzer harness, FUZZ_SECONDS each (default 60)
#   make bench  speed of every stage and the whole pipeline on a 1M-event corpus (cached in .bench/)
#   make benchmarks  each stage's hot loop in process: malloc counts per event against committed thresholds
#   make bench-spark  pipelines/spark.py in local[2] against one machine on a 1M-event corpus
SHELL := /bin/bash
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=
# All state of scheduled runs (lock, and later fetch state, spools) lives here.
STATE_DIR ?= $(or $(XDG_STATE_HOME),$(HOME)/.local/state)/trail
export STATE_DIR

TOOLS := trail-fetch trail-flatten trail-enrich trail-match trail-notify trail-synth trail-report
# Run time and build: the libraries the tools link (zlib, libdeflate, libcurl), flock
# (util-linux) and the time zone database (tzdata) the scheduled run and the business calendar
# read.
APT_PACKAGES := zlib1g-dev libdeflate-dev libcurl4-openssl-dev util-linux tzdata
# Tests only (make test-deps): openssl and jq in test scripts, python3-venv for the test peers'
# virtual environment, chromium for the trail-report tests (a headless screenshot).
# openjdk-17-jre-headless: Spark's local mode in the tests of pipelines/spark.py (docs/spark.md).
TEST_APT_PACKAGES := openssl jq python3-venv chromium time openjdk-17-jre-headless
# Python packages the tests use as real peers (servers, reference readers), installed by
# make test-deps into VENV (never into the system's Python); VENV/bin comes first on PATH in
# make test, so the tests find python3, moto_server and the rest by name. Pinned to the
# versions the tests were written against: moto 5.2.6 with Werkzeug 3.1.9 answers HTTP 500 to
# a listing of keys like a/../b.json (HostileKeyTests).
PIP_PACKAGES := moto[server]==5.2.1 werkzeug==3.1.8 boto3==1.43.11 aiosmtpd==1.4.6 maxminddb==3.2.0 mmdb-writer maxminddb-geolite2==2018.703 cryptography==48.0.0 \
  pysigma==2.0.1 pysigma-backend-sqlite==2.1.1 pyspark==4.3.0
VENV := .build/venv
VENV_PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# make bench's baseline: DuckDB reading the same gzip corpus and running the same rules as SQL.
BENCH_PIP_PACKAGES := duckdb==2.0.1

.PHONY: all build release test test-deps run-deps run report install install-systemd uninstall clean deps sample bench bench-spark kill-test fuzz \
  benchmarks benchmark-thresholds

all: build

# apt_install PACKAGES: install the missing ones unattended (when root), else say what is missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make $@: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "make $@: missing Debian packages:$$missing (run 'sudo make $@')" >&2; exit 1; fi; \
	fi
endef

# venv_install PACKAGES: the virtual environment VENV (made once), with PACKAGES installed in it
# unless a stamp says this same list already was.
define venv_install
	@[ -x $(VENV)/bin/python3 ] || python3 -m venv $(VENV) || { echo "make $@: python3 -m venv failed (Debian: install python3-venv)" >&2; exit 1; }
	@stamp=$(VENV)/installed-$$(echo '$(1)' | cksum | cut -d' ' -f1); [ -e $$stamp ] || { \
	  echo "make $@: installing Python packages $(1) into $(VENV)"; \
	  $(VENV)/bin/python3 -m pip install -q --disable-pip-version-check $(1) && touch $$stamp; }
endef

## deps: what building and running the tools needs (the Swift toolchain, zlib, libdeflate, libcurl, flock, tzdata).
deps:
	@command -v $(SWIFT) >/dev/null || { echo "make deps: Swift 6 toolchain not found (swift)" >&2; exit 1; }
	$(call apt_install,$(APT_PACKAGES))

## test-deps: what only the tests need: Debian's test tools and the Python peers in VENV.
test-deps:
	$(call apt_install,$(TEST_APT_PACKAGES))
	$(call venv_install,$(PIP_PACKAGES))

## run-deps: the GeoLite2 City database make run enriches the sample with (PyPI's
## maxminddb-geolite2, in VENV; Debian's python3-venv makes the environment).
run-deps:
	$(call apt_install,python3-venv)
	$(call venv_install,maxminddb-geolite2)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps test-deps
	PATH="$(VENV_PATH)" $(SWIFT) test

# A GeoLite2 City database for make run: the 2018 one PyPI's maxminddb-geolite2 ships (make
# run-deps installs it into VENV); expanded when the recipe runs, after run-deps.
GEO_DB = $(shell $(VENV)/bin/python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + "/GeoLite2-City.mmdb")' 2>/dev/null)

## run: the whole pipeline once over the bundled sample, printing the alerts. The sample is a
## three-day backfill read folder by folder, so correlations see it as one whole stream. The
## enrichment is what the pack needs: geo (D17), the principals table (D5 allow-list, D18) and
## the company calendar (D2: Tokyo business hours, Japanese holidays).
SAMPLE_ENRICH = $(if $(GEO_DB),--geo $(GEO_DB)) --table trail.actor.name=pipelines/tables/principals.csv
SAMPLE_BUSINESS_HOURS := Asia/Tokyo Mon-Fri 09:00-18:00
SAMPLE_HOLIDAYS := pipelines/tables/holidays-jp.txt
run: release run-deps
	@TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" TRAIL_MATCH_STATE="$${TRAIL_MATCH_STATE-}" \
	  TRAIL_ENRICH="$${TRAIL_ENRICH-$(SAMPLE_ENRICH)}" \
	  TRAIL_BUSINESS_HOURS="$${TRAIL_BUSINESS_HOURS-$(SAMPLE_BUSINESS_HOURS)}" TRAIL_HOLIDAYS="$${TRAIL_HOLIDAYS-$(SAMPLE_HOLIDAYS)}" \
	  pipelines/watch.sh

## report: the overview page of the bundled sample, enriched as make run enriches it, in
## REPORT_OUT (one self-contained HTML file: open it in any browser, offline).
REPORT_OUT ?= .build/report.html
report: release run-deps
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
bench: release run-deps
	$(call venv_install,$(BENCH_PIP_PACKAGES))
	@PATH="$(VENV_PATH)" TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" pipelines/bench.sh

## benchmarks: each stage's hot loop in process on a synthetic corpus (Benchmarks/, a package of its
## own with ordo-one/benchmark), its malloc counts per event checked against Benchmarks/Thresholds:
## a regression beyond the tolerance fails; an improvement passes and asks for
## `make benchmark-thresholds`, which measures anew and writes the thresholds (docs/performance.md).
BENCHMARK = cd Benchmarks && TRAIL_BENCH_GEO="$(GEO_DB)" $(SWIFT) package --allow-writing-to-package-directory benchmark
benchmarks: deps run-deps
	@out=$$($(BENCHMARK) thresholds check --no-progress 2>&1); status=$$?; echo "$$out"; \
	if [ $$status != 0 ] && echo "$$out" | grep -q "is BETTER than the defined thresholds"; then \
	  echo "make benchmarks: better than the thresholds; make benchmark-thresholds records it"; status=0; fi; \
	exit $$status

benchmark-thresholds: deps run-deps
	@$(BENCHMARK) thresholds update --metric mallocCountTotal --no-progress

## bench-spark: pipelines/spark.py in local[2] mode against the single-machine pipeline on the bench
## corpus (pipelines/bench-spark.sh; spark-submit from PATH); results in .bench/spark.md.
bench-spark: release test-deps
	@PATH="$(VENV_PATH)" TRAIL_BIN="$$($(SWIFT) build -c release --show-bin-path)" pipelines/bench-spark.sh

## kill-test: the long version of the kill test in make test (50 kills): the scheduled pipeline
## killed KILLS times at random moments (SEED varies them), its alerts counted against a clean run.
KILLS ?= 500
SEED ?= 1
kill-test: build test-deps
	Tests/PipelineTests/scheduled-runs.sh kill "$$($(SWIFT) build --show-bin-path)" $(KILLS) $(SEED)

## fuzz: build the libFuzzer harnesses (Fuzz/, a package of its own) and run each for
## FUZZ_SECONDS, or FUZZ_RUNS inputs when that comes first; a crash, timeout or out-of-memory
## input is kept in .build/fuzz-crashes/<stage>/ and fails the target (Fuzz/fuzz.sh).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) SWIFT=$(SWIFT) Fuzz/fuzz.sh

## install: the tools and trail-watch in BINDIR, the rule pack, trail-watch's library and its
## example config in PREFIX/share/trail, man pages, bash/zsh/fish completions; DESTDIR for
## packaging. TOOLS_FROM=FOLDER installs tools built already (no Swift toolchain needed).
BINDIR ?= $(PREFIX)/bin
SHAREDIR := $(PREFIX)/share
SYSTEMD_DIR ?= /etc/systemd/system
TOOLS_FROM ?=
install: $(if $(TOOLS_FROM),,release)
	@set -e; bin="$(or $(TOOLS_FROM),$$($(SWIFT) build -c release --show-bin-path))"; \
	root="$(DESTDIR)$(PREFIX)"; share="$(DESTDIR)$(SHAREDIR)"; bindir="$(DESTDIR)$(BINDIR)"; \
	install -d "$$bindir" "$$share/trail" "$$share/man/man1" "$$share/bash-completion/completions" \
	  "$$share/zsh/site-functions" "$$share/fish/vendor_completions.d"; \
	for t in $(TOOLS); do install -m 755 "$$bin/$$t" "$$bindir/$$t"; done; \
	rm -rf "$$share/trail/rules" "$$share/trail/pipelines"; \
	cp -R rules "$$share/trail/rules"; \
	install -m 644 pipelines/stages.sh pipelines/watch.conf.example "$$share/trail/"; \
	install -m 755 pipelines/watch.sh "$$bindir/trail-watch"; \
	for t in $(TOOLS) trail-watch; do \
	  pipelines/manpage.sh "$$bindir/$$t" > "$$share/man/man1/$$t.1"; \
	done; \
	for t in $(TOOLS); do \
	  "$$bindir/$$t" --generate-completion-script bash > "$$share/bash-completion/completions/$$t"; \
	  "$$bindir/$$t" --generate-completion-script zsh > "$$share/zsh/site-functions/_$$t"; \
	  "$$bindir/$$t" --generate-completion-script fish > "$$share/fish/vendor_completions.d/$$t.fish"; \
	done; \
	echo "make install: $(TOOLS) trail-watch in $(BINDIR); the rule pack and watch.conf.example in $(SHAREDIR)/trail"

## install-systemd: trail-watch.service and .timer in SYSTEMD_DIR, calling BINDIR/trail-watch
## (give the PREFIX make install had) with /etc/trail/watch.conf (then: systemctl daemon-reload; systemctl enable --now trail-watch.timer).
install-systemd:
	install -d "$(DESTDIR)$(SYSTEMD_DIR)"
	sed 's|@BINDIR@|$(BINDIR)|g' pipelines/systemd/trail-watch.service > "$(DESTDIR)$(SYSTEMD_DIR)/trail-watch.service"
	install -m 644 pipelines/systemd/trail-watch.timer "$(DESTDIR)$(SYSTEMD_DIR)/trail-watch.timer"

uninstall:
	rm -f $(foreach t,$(TOOLS) trail-watch,"$(DESTDIR)$(BINDIR)/$(t)" "$(DESTDIR)$(SHAREDIR)/man/man1/$(t).1" \
	  "$(DESTDIR)$(SHAREDIR)/bash-completion/completions/$(t)" "$(DESTDIR)$(SHAREDIR)/zsh/site-functions/_$(t)" \
	  "$(DESTDIR)$(SHAREDIR)/fish/vendor_completions.d/$(t).fish")
	rm -rf "$(DESTDIR)$(SHAREDIR)/trail"
	rm -f "$(DESTDIR)$(SYSTEMD_DIR)/trail-watch.service" "$(DESTDIR)$(SYSTEMD_DIR)/trail-watch.timer"

clean:
	rm -rf .build Fuzz/.build Benchmarks/.build
