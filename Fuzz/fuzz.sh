#!/usr/bin/env bash
# make fuzz: builds the libFuzzer harnesses (Fuzz/), seeds a corpus per stage from the bundled
# sample and the test inputs, and runs each harness for FUZZ_SECONDS. A finding (crash,
# timeout, out of memory) is kept in .build/fuzz-crashes/<stage>/ and fails the run, one line
# each. FUZZ_STAGES picks harnesses (default: all); FUZZ_RUNS=N ends each harness after N inputs
# (or FUZZ_SECONDS, whichever comes first).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
seconds=${FUZZ_SECONDS:-60}
runs_limit=${FUZZ_RUNS:--1}
stages=${FUZZ_STAGES:-json flatten enrich match notify report fetch}
corpus=.build/fuzz-corpus crashes=.build/fuzz-crashes logs=.build/fuzz-logs seeds=.build/fuzz-seeds

# Release, as the tools ship; fuzzer coverage and AddressSanitizer; a scratch path of its own,
# so the main build is never rebuilt with these flags.
build=(-c release --package-path Fuzz --scratch-path Fuzz/.build
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing)
"$SWIFT" build "${build[@]}" 2>&1 | grep -v "Cannot export local symbol" >&2
bin=$("$SWIFT" build "${build[@]}" --show-bin-path)
# Crashes end at once: the Swift backtracer would wait out its timeout on every finding.
# Leaks are not findings (the rules and tables are built once and kept): a leak per input
# shows as growth against -rss_limit_mb, which measures the stage more than the sanitizer
# with AddressSanitizer's quarantine of freed memory kept small.
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=16

# Seeds, each stage's from the output of the stage before it, run through its harness
# (TRAIL_FUZZ_ECHO=1 copies what the stage wrote to stdout).
rm -rf "$seeds" && mkdir -p "$seeds"/{json,flatten,enrich,match,notify,report,fetch} "$logs"
echo_stage() { TRAIL_FUZZ_ECHO=1 "$bin/fuzz-$1" "${@:2}" 2>/dev/null; }
# split_lines FILE STAGE...: one seed per distinct line of FILE, in each STAGE's seeds.
split_lines() { for stage in "${@:2}"; do sort -u "$1" | split -l 1 -a 4 - "$seeds/$stage/$(basename "$1" .ndjson)-"; done; }
objects=$(find pipelines/sample -name '*.gz' | sort)
golden=$(find Tests/TrailFlattenTests/Golden -type f ! -name '*.expected' | sort)
cp $objects "$seeds/fetch/"
cp $golden "$seeds/flatten/"
for f in $objects; do gunzip -c "$f" >"$seeds/flatten/$(basename "${f%.gz}")"; done
echo_stage fetch $objects >"$seeds/fetched.ndjson"
echo_stage flatten "$seeds/flatten"/* >"$seeds/events.ndjson"
echo_stage enrich "$seeds/events.ndjson" >"$seeds/enriched.ndjson"
echo_stage match "$seeds/enriched.ndjson" >"$seeds/alerts.ndjson"
split_lines "$seeds/fetched.ndjson" flatten json
split_lines "$seeds/events.ndjson" enrich report
split_lines "$seeds/enriched.ndjson" match json
split_lines "$seeds/alerts.ndjson" notify report json
cp $golden "$seeds/json/"
# Past findings, replayed first: a reproducer of a bug not fixed yet is found again at once.
for dir in Tests/Trail*Tests/Regressions; do
    stage=$(basename "$(dirname "$dir")" Tests) stage=${stage#Trail}
    [ "$stage" = Core ] && stage=json
    cp "$dir"/* "$seeds/${stage,,}/"
done

found=0
for stage in $stages; do
    mkdir -p "$corpus/$stage" "$crashes/$stage"
    before=$(ls "$crashes/$stage" | wc -l)
    status=0
    "$bin/fuzz-$stage" "$corpus/$stage" "$seeds/$stage" -dict=Fuzz/trail.dict \
        -max_total_time="$seconds" -runs="$runs_limit" -timeout=10 -detect_leaks=0 -rss_limit_mb=256 -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$crashes/$stage/" >"$logs/$stage.log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$stage.log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$stage.log")
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$logs/$stage.log")
    echo "make fuzz: $stage: ${runs:-?} runs, ${speed:-?}/s, peak RSS ${rss:-?} MB"
    for finding in $(ls -t "$crashes/$stage" | head -n $(( $(ls "$crashes/$stage" | wc -l) - before ))); do
        echo "make fuzz: $stage: FOUND ${finding%%-*}: $crashes/$stage/$finding (replay: $bin/fuzz-$stage $crashes/$stage/$finding)" >&2
        found=1
    done
    if [ "$status" != 0 ] && [ "$(ls "$crashes/$stage" | wc -l)" = "$before" ]; then
        echo "make fuzz: $stage: the harness failed (exit $status) without a reproducer; see $logs/$stage.log" >&2
        found=1
    fi
done
exit "$found"
