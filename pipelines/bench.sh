#!/usr/bin/env bash
# Measures the tools side by side on one realistic corpus, in one run: the zcat floor, the
# `zcat | jq -c '.Records[]'` baseline, each stage alone on pre-staged input, fetch | flatten,
# the whole local pipeline, and the job "gzip trail -> alerts" for a small rule set with regular
# expressions against DuckDB doing the same (pipelines/bench-duckdb.py). Prints a table and the targets as PASS/FAIL lines, and writes
# $BENCH_DIR/results.md and $BENCH_DIR/results.json. A benchmark, not a test: it exits 0 when a
# target is missed (and says so), non-zero only when it could not measure.
#
# Environment:
#   TRAIL_BIN     folder holding the release trail-* executables   [.build/release]
#   BENCH_DIR     corpus cache, staged inputs, results             [.bench]
#   BENCH_EVENTS  CloudTrail events in the corpus                  [1000000]
#   BENCH_RUNS    timed runs per measurement (median quoted)       [3]
#   TRAIL_RULES   rule pack for trail-match                        [rules/]
#   BENCH_SIGMA   more CloudTrail rules, written as SigmaHQ writes them, for trail-match's
#                 speed target (about 60 CloudTrail rules or more)   [Tests/TrailMatchTests/SigmaHQStyle]
#   BENCH_NOISY   a rule that fires on most events, timed with the above [pipelines/bench-rules]
#   TRAIL_GEO     MaxMind City database for trail-enrich --geo     [GeoLite2-City.mmdb of PyPI's
#                 maxminddb-geolite2, which make deps installs, found as the Makefile does]
#
# The corpus is generated once by trail-synth and kept in $BENCH_DIR/corpus-<events>; it is
# regenerated when its trail-synth arguments change (or after `rm -rf .bench`). Staged inputs
# are remade on every run, since the stages' output may change between builds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TRAIL_BIN=${TRAIL_BIN:-$root/.build/release}
BENCH_DIR=${BENCH_DIR:-$root/.bench}
BENCH_EVENTS=${BENCH_EVENTS:-1000000}
BENCH_RUNS=${BENCH_RUNS:-3}
TRAIL_RULES=${TRAIL_RULES:-$root/rules}
BENCH_SIGMA=${BENCH_SIGMA:-$root/Tests/TrailMatchTests/SigmaHQStyle}
BENCH_NOISY=${BENCH_NOISY:-$root/pipelines/bench-rules}
TRAIL_GEO=${TRAIL_GEO:-$(python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + "/GeoLite2-City.mmdb")' 2>/dev/null || true)}
TIME=/usr/bin/time

for tool in trail-synth trail-fetch trail-flatten trail-enrich trail-match trail-notify; do
    [ -x "$TRAIL_BIN/$tool" ] || { echo "bench.sh: $TRAIL_BIN/$tool not found; run 'make release' or set TRAIL_BIN" >&2; exit 2; }
done
python3 -c 'import duckdb' 2>/dev/null || { echo "bench.sh: the duckdb Python package is not installed; run 'make deps'" >&2; exit 2; }
for need in "$TIME" zcat jq awk; do
    command -v "$need" >/dev/null || { echo "bench.sh: $need not found; run 'make deps'" >&2; exit 2; }
done
[ -n "$TRAIL_GEO" ] && [ -f "$TRAIL_GEO" ] || { echo "bench.sh: no City database for trail-enrich --geo (${TRAIL_GEO:-none found}); run 'make deps' or set TRAIL_GEO" >&2; exit 2; }
[[ "$BENCH_RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: BENCH_RUNS must be a positive number" >&2; exit 2; }
[[ "$BENCH_EVENTS" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: BENCH_EVENTS must be a positive number" >&2; exit 2; }
began=$EPOCHREALTIME

# --- The corpus, generated once -------------------------------------------------------------
# CloudTrail only, so that the jq baseline (.Records[]) reads every file; every scenario is
# injected often enough that the rule pack raises alerts for trail-notify to format.
synth_args=(--events "$BENCH_EVENTS" --accounts 5 --regions us-east-1,eu-west-1,ap-northeast-1
            --start 2026-11-16 --days 7 --seed 1 --scenarios all --scenario-rate 10)
corpus=$BENCH_DIR/corpus-$BENCH_EVENTS
mkdir -p "$BENCH_DIR"
if [ ! -f "$corpus/.synth-args" ] || [ "$(cat "$corpus/.synth-args")" != "${synth_args[*]}" ]; then
    echo "bench: generating the corpus ($BENCH_EVENTS events) in $corpus" >&2
    rm -rf "$corpus" "$corpus.tmp"
    "$TRAIL_BIN/trail-synth" --out "$corpus.tmp" "${synth_args[@]}"
    (cd "$corpus.tmp" && find AWSLogs -type f -name '*.json.gz' | LC_ALL=C sort | sed "s|^|$corpus/|") > "$corpus.tmp/.files"
    echo "${synth_args[*]}" > "$corpus.tmp/.synth-args"
    mv "$corpus.tmp" "$corpus"
fi
files=$corpus/.files
file_count=$(wc -l < "$files")
gz_bytes=$(xargs -d '\n' -a "$files" stat -c %s | awk '{ s += $1 } END { print s }')
# The corpus as JSON (what zcat writes), counted once.
[ -s "$corpus/.json-bytes" ] || xargs -d '\n' -a "$files" zcat | wc -c > "$corpus/.json-bytes"
json_bytes=$(cat "$corpus/.json-bytes")

# --- Staged inputs, one untimed pass --------------------------------------------------------
# Remade on every run (a stage's output may change between builds), and removed at the end:
# several GB that are cheap to make again.
staged=$BENCH_DIR/staged
logs=$BENCH_DIR/logs
rm -rf "$staged" "$logs"
mkdir -p "$staged" "$logs"
trap 'rm -rf "$staged"' EXIT
echo "bench: staging each stage's input in $staged" >&2
if ! (set -o pipefail
      "$TRAIL_BIN/trail-fetch" "$corpus/AWSLogs" | tee "$staged/fetched.ndjson" \
        | "$TRAIL_BIN/trail-flatten" | tee "$staged/flattened.ndjson" \
        | "$TRAIL_BIN/trail-enrich" --geo "$TRAIL_GEO" | tee "$staged/enriched.ndjson" \
        | "$TRAIL_BIN/trail-match" --rules "$TRAIL_RULES" > "$staged/alerts.ndjson") 2> "$logs/staging.stderr"; then
    echo "bench.sh: staging failed; see $logs/staging.stderr:" >&2
    tail -n 5 "$logs/staging.stderr" >&2
    exit 2
fi
# The staged files (several GB) are written back to disk now, not during the timed runs, where
# the kernel's writeback would take CPU from the stage measured.
sync
events=$(wc -l < "$staged/flattened.ndjson")
alerts=$(wc -l < "$staged/alerts.ndjson")
# The job against DuckDB: the SigmaHQ-style rules with regular expressions and the noisy rule,
# the same rules bench-duckdb.py writes as SQL.
job_rules=$BENCH_DIR/job-rules
rm -rf "$job_rules" && mkdir -p "$job_rules"
cp "$BENCH_SIGMA"/*_re.yml "$BENCH_NOISY"/*.yml "$job_rules"/
noisy=$("$TRAIL_BIN/trail-match" --rules "$BENCH_NOISY" < "$staged/flattened.ndjson" | wc -l)
[ "$events" -eq "$BENCH_EVENTS" ] || echo "bench: warning: trail-flatten wrote $events events, the corpus has $BENCH_EVENTS" >&2
size() { stat -c %s "$staged/$1"; }

# --- Timed runs -----------------------------------------------------------------------------
# `tracked NAME CMD…` runs CMD under GNU time, appending "NAME <peak RSS KiB>" to $rss_file.
tracked() {
    local name=$1
    shift
    "$TIME" -a -o "$rss_file" -f "$name %M" "$@"
}
out=$BENCH_DIR/out
mkdir -p "$out"
rows=$BENCH_DIR/rows.tsv
: > "$rows"

# measure KEY LABEL EVENTS INPUT_BYTES COMMAND: times COMMAND (a pipeline, output discarded or
# written under $out) BENCH_RUNS times; records the median and the peak RSS of its processes.
measure() {
    local key=$1 label=$2 count=$3 bytes=$4 command=$5 run seconds times=() cpus=() peak=0 worst=""
    echo "bench: $label" >&2
    # The staged input the command reads, read once untimed: every run reads it from memory.
    local input
    for input in $(grep -o "$staged/[a-z.]*" <<< "$command" | sort -u); do cat "$input" > /dev/null; done
    for ((run = 1; run <= BENCH_RUNS; run++)); do
        rss_file=$logs/$key.$run.rss
        : > "$rss_file"
        local start=$EPOCHREALTIME
        # CPU time: the user and system time of the run's processes (bash's `times`, children line).
        if ! (set -o pipefail; eval "$command"; times > "$logs/$key.$run.times") 2> "$logs/$key.$run.stderr"; then
            echo "bench.sh: $label failed; see $logs/$key.$run.stderr:" >&2
            tail -n 5 "$logs/$key.$run.stderr" >&2
            printf '%s\t%s\t%s\t%s\tfailed\t0\t\n' "$key" "$label" "$count" "$bytes" >> "$rows"
            return 0
        fi
        seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
        times+=("$seconds")
        cpus+=("$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] } printf "%.3f", t }' "$logs/$key.$run.times")")
        # The largest process of this run, by name.
        read -r worst_run peak_run < <(awk 'NF == 2 && $2 ~ /^[0-9]+$/ { if ($2 > m) { m = $2; n = $1 } } END { print (n == "" ? "-" : n), m + 0 }' "$rss_file")
        if ((peak_run > peak)); then peak=$peak_run; worst=$worst_run; fi
    done
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "$count" "$bytes" "$(median "${times[@]}")" "$peak" "$worst" "${times[*]}" \
        "$(median "${cpus[@]}")" >> "$rows"
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

bin=$TRAIL_BIN
measure zcat "zcat (floor)" "$events" "$json_bytes" \
    "tracked zcat xargs -d '\n' -a '$files' zcat > /dev/null"
measure jq "zcat | jq -c '.Records[]' (baseline)" "$events" "$json_bytes" \
    "xargs -d '\n' -a '$files' zcat | tracked jq jq -c '.Records[]' > /dev/null"
measure fetch "trail-fetch" "$events" "$json_bytes" \
    "tracked trail-fetch '$bin/trail-fetch' '$corpus/AWSLogs' > /dev/null"
measure flatten "trail-flatten (decompressed input)" "$events" "$(size fetched.ndjson)" \
    "tracked trail-flatten '$bin/trail-flatten' < '$staged/fetched.ndjson' > /dev/null"
measure enrich "trail-enrich --geo (City database)" "$events" "$(size flattened.ndjson)" \
    "tracked trail-enrich '$bin/trail-enrich' --geo '$TRAIL_GEO' < '$staged/flattened.ndjson' > /dev/null"
measure match "trail-match --rules rules (enriched input)" "$events" "$(size enriched.ndjson)" \
    "tracked trail-match '$bin/trail-match' --rules '$TRAIL_RULES' < '$staged/enriched.ndjson' > /dev/null"
rule_count=$(find "$TRAIL_RULES" "$BENCH_SIGMA" -name '*.yml' | wc -l)
# The speed target's measurement: about 60 CloudTrail rules or more, on input already
# flattened (the row above reads what trail-enrich wrote, as the whole pipeline does).
measure match_sigma "trail-match, the pack and SigmaHQ-style rules ($rule_count), flattened input" "$events" "$(size flattened.ndjson)" \
    "tracked trail-match '$bin/trail-match' --rules '$TRAIL_RULES' --rules '$BENCH_SIGMA' < '$staged/flattened.ndjson' > /dev/null"
measure match_noisy "trail-match, the same and a rule firing on $((100 * noisy / events))% of events, flattened input" "$events" "$(size flattened.ndjson)" \
    "tracked trail-match '$bin/trail-match' --rules '$TRAIL_RULES' --rules '$BENCH_SIGMA' --rules '$BENCH_NOISY' < '$staged/flattened.ndjson' > /dev/null"
measure job_trail "gz trail to alerts, $(ls "$job_rules" | wc -l) rules with regular expressions: trail-fetch | trail-flatten | trail-match" "$events" "$json_bytes" \
    "tracked trail-fetch '$bin/trail-fetch' '$corpus/AWSLogs' | tracked trail-flatten '$bin/trail-flatten' \
     | tracked trail-match '$bin/trail-match' --rules '$job_rules' > '$out/job-trail.ndjson'"
measure job_duckdb "gz trail to alerts, the same rules as SQL: DuckDB (read_json_objects, regexp_matches)" "$events" "$json_bytes" \
    "rm -f '$out/job-duckdb.json' && tracked duckdb python3 '$root/pipelines/bench-duckdb.py' '$files' '$out/job-duckdb.json'"
measure notify "trail-notify ($alerts alerts, to a file)" "$alerts" "$(size alerts.ndjson)" \
    "tracked trail-notify '$bin/trail-notify' < '$staged/alerts.ndjson' > '$out/notify.txt'"
measure fetch_flatten "trail-fetch | trail-flatten" "$events" "$json_bytes" \
    "tracked trail-fetch '$bin/trail-fetch' '$corpus/AWSLogs' | tracked trail-flatten '$bin/trail-flatten' > /dev/null"
measure pipeline "whole pipeline, fetch … notify to a file" "$events" "$json_bytes" \
    "tracked trail-fetch '$bin/trail-fetch' '$corpus/AWSLogs' | tracked trail-flatten '$bin/trail-flatten' \
     | tracked trail-enrich '$bin/trail-enrich' --geo '$TRAIL_GEO' | tracked trail-match '$bin/trail-match' --rules '$TRAIL_RULES' \
     | tracked trail-notify '$bin/trail-notify' > '$out/pipeline.txt'"
# The same pipeline as scheduled runs run it: pipelines/watch.sh with its preflight, deferred
# commits, spool and run figures, from an empty STATE_DIR each time.
measure scheduled "pipelines/watch.sh (the same, exactly once: preflight, commit, spool)" "$events" "$json_bytes" \
    "rm -rf '$out/state' '$out/scheduled.ndjson' && STATE_DIR='$out/state' TRAIL_SOURCES='$corpus/AWSLogs' TRAIL_BIN='$bin' \
     TRAIL_RULES='$TRAIL_RULES' TRAIL_ENRICH='--geo $TRAIL_GEO' TRAIL_MATCH_STATE= TRAIL_NOTIFY='--to file://$out/scheduled.ndjson' \
     tracked watch.sh '$root/pipelines/watch.sh'"

# --- Report ---------------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
machine="$(uname -sm), ${cpu:-unknown CPU}, $(nproc) cores, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
when=$(date -u +"%Y-%m-%d %H:%M UTC")
revision=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
total=$(awk -v a="$began" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
# The job's alerts, trail's and DuckDB's (the last timed run of each), per rule title.
job_alerts=$(jq -r '.alert.rule.title' "$out/job-trail.ndjson" 2>/dev/null | sort | uniq -c | awk '{ $1 = $1 } 1' | md5sum | cut -c1-8)
duckdb_alerts=$(jq -r '.rule' "$out/job-duckdb.json" 2>/dev/null | sort | uniq -c | awk '{ $1 = $1 } 1' | md5sum | cut -c1-8)
job_count=$(wc -l < "$out/job-trail.ndjson" 2>/dev/null || echo 0)
duckdb_count=$(wc -l < "$out/job-duckdb.json" 2>/dev/null || echo 0)

report=$(awk -F'\t' -v when="$when" -v machine="$machine" -v revision="$revision" -v runs="$BENCH_RUNS" \
    -v files="$file_count" -v gz="$gz_bytes" -v json="$json_bytes" -v events="$events" -v alerts="$alerts" -v total="$total" \
    -v same="$([ "$job_alerts" = "$duckdb_alerts" ] && echo 1 || echo 0)" -v jobcount="$job_count" -v duckcount="$duckdb_count" '
    function mb(b) { return b / 1000000 }
    { key[NR] = $1; label[NR] = $2; count[NR] = $3; bytes[NR] = $4; median[NR] = $5; peak[NR] = $6; worst[NR] = $7; cpu[$1] = $9; cpuRow[NR] = $9
      if ($5 != "failed") { rate[NR] = $3 / $5; if ($1 == "zcat") zcat = rate[NR]; if ($1 == "jq") jq = rate[NR] } }
    END {
      printf "Benchmark, %s, commit %s\n", when, revision
      printf "Machine: %s\n", machine
      printf "Corpus: %d CloudTrail events in %d files, %.0f MB gzip, %.0f MB JSON; %d alerts from the rule pack\n", events, files, mb(gz), mb(json), alerts
      printf "Median of %d runs; MB/s counts the bytes each measurement reads (the JSON, for those reading the gzip corpus);\n", runs
      printf "CPU s is the user and system time of all processes of a measurement (DuckDB uses every core)\n\n"
      print "| measurement | events/s | MB/s | × jq | × zcat | peak RSS | median s | CPU s |"
      print "|---|---:|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= NR; i++) {
        cell = label[i]; gsub(/\|/, "\\|", cell)  # a pipe inside a table cell is escaped
        if (median[i] == "failed") { printf "| %s | failed | | | | | | |\n", cell; continue }
        # notify counts alerts, not events: a ratio to the event baselines would mean nothing.
        ratios = (key[i] == "notify" || !jq || !zcat) ? "| – | –" : sprintf("| %.2f | %.2f", rate[i] / jq, rate[i] / zcat)
        printf "| %s | %.0f | %.1f %s | %.1f MiB | %.2f | %.2f |\n", cell, rate[i], mb(bytes[i]) / median[i], ratios, peak[i] / 1024, median[i], cpuRow[i]
      }
      print ""
      ff = 0; pl = 0; fl = 0; en = 0; ma = 0; sc = 0; maxrss = 0; maxname = ""
      for (i = 1; i <= NR; i++) {
        if (key[i] == "fetch_flatten" && median[i] != "failed") ff = rate[i]
        if (key[i] == "pipeline" && median[i] != "failed") pl = rate[i]
        if (key[i] == "flatten" && median[i] != "failed") fl = rate[i]
        if (key[i] == "enrich" && median[i] != "failed") en = rate[i]
        if (key[i] == "match_sigma" && median[i] != "failed") ma = rate[i]
        if (key[i] == "match_noisy" && median[i] != "failed") mn = rate[i]
        if (key[i] == "scheduled" && median[i] != "failed") sc = rate[i]
        if (key[i] != "zcat" && key[i] != "jq" && key[i] != "job_duckdb" && peak[i] > maxrss) { maxrss = peak[i]; maxname = worst[i] }
      }
      if (ff && jq) printf "%s fetch | flatten at %.1fx jq (target: at least 10x)\n", (ff >= 10 * jq ? "PASS" : "FAIL"), ff / jq
      else print "FAIL fetch | flatten: not measured"
      if (fl && zcat) printf "%s trail-flatten alone at %.2fx zcat (target: at least 1x)\n", (fl >= zcat ? "PASS" : "FAIL"), fl / zcat
      else print "FAIL trail-flatten alone: not measured"
      if (en) printf "%s trail-enrich with a City database at %.0f events/s (target: at least 1000000)\n", (en >= 1000000 ? "PASS" : "FAIL"), en
      else print "FAIL trail-enrich with a City database: not measured"
      if (ma) printf "%s trail-match with the pack and SigmaHQ-style rules (regular expressions among them) at %.0f events/s (target: at least 1000000)\n", (ma >= 1000000 ? "PASS" : "FAIL"), ma
      else print "FAIL trail-match with the pack and SigmaHQ-style rules: not measured"
      if (mn) printf "%s trail-match with a rule firing on most events too at %.0f events/s (target: at least 500000)\n", (mn >= 500000 ? "PASS" : "FAIL"), mn
      else print "FAIL trail-match with a rule firing on most events: not measured"
      if (cpu["job_trail"] > 0 && cpu["job_duckdb"] > 0) printf "%s gz trail to alerts in %.2fx DuckDB'"'"'s CPU time (target: at most 0.5x); %d alerts, DuckDB %d, %s per rule\n", (cpu["job_trail"] <= 0.5 * cpu["job_duckdb"] ? "PASS" : "FAIL"), cpu["job_trail"] / cpu["job_duckdb"], jobcount, duckcount, (same ? "the same" : "NOT the same")
      else print "FAIL gz trail to alerts against DuckDB: not measured"
      if (cpu["fetch_flatten"] > 0 && cpu["zcat"] > 0) printf "%s fetch | flatten in %.2fx zcat'"'"'s CPU time (target: at most 1.2x)\n", (cpu["fetch_flatten"] <= 1.2 * cpu["zcat"] ? "PASS" : "FAIL"), cpu["fetch_flatten"] / cpu["zcat"]
      else print "FAIL fetch | flatten CPU time: not measured"
      if (pl && zcat) printf "%s whole pipeline at %.2fx zcat (target: at least 0.5x)\n", (pl >= 0.5 * zcat ? "PASS" : "FAIL"), pl / zcat
      else print "FAIL whole pipeline: not measured"
      if (sc && pl) printf "%s the scheduled pipeline at %.1f%% of the whole pipeline'"'"'s throughput (target: the protocol costs at most 5%%)\n", (sc >= 0.95 * pl ? "PASS" : "FAIL"), 100 * sc / pl
      else print "FAIL the scheduled pipeline: not measured"
      printf "%s peak RSS of every stage under 64 MiB (largest: %s, %.1f MiB)\n", (maxrss < 65536 ? "PASS" : "FAIL"), maxname, maxrss / 1024
      printf "\nTotal time of this benchmark: %d s\n", total
    }' "$rows")
printf '%s\n' "$report"
printf '%s\n' "$report" > "$BENCH_DIR/results.md"

jq -R -s --arg when "$when" --arg machine "$machine" --arg revision "$revision" --argjson runs "$BENCH_RUNS" \
    --argjson files "$file_count" --argjson gz "$gz_bytes" --argjson json "$json_bytes" --argjson events "$events" \
    --argjson alerts "$alerts" --arg targets "$(printf '%s\n' "$report" | grep -E '^(PASS|FAIL) ')" '
    (split("\n") | map(select(length > 0) | split("\t"))) as $rows
    | ($rows | map({key: .[0], value: (if .[4] == "failed" then null else (.[2] | tonumber) / (.[4] | tonumber) end)}) | from_entries) as $rate
    | {date: $when, machine: $machine, commit: $revision, runs: $runs,
       corpus: {events: $events, files: $files, gzipBytes: $gz, jsonBytes: $json, alerts: $alerts},
       measurements: [$rows[] | {key: .[0], label: .[1], count: (.[2] | tonumber), inputBytes: (.[3] | tonumber),
         failed: (.[4] == "failed"),
         medianSeconds: (if .[4] == "failed" then null else (.[4] | tonumber) end),
         secondsPerRun: (if .[4] == "failed" then [] else (.[7] | split(" ") | map(tonumber)) end),
         eventsPerSecond: $rate[.[0]],
         megabytesPerSecond: (if .[4] == "failed" then null else (.[3] | tonumber) / (.[4] | tonumber) / 1e6 end),
         ratioToJq: (if .[0] == "notify" or $rate[.[0]] == null or $rate.jq == null then null else $rate[.[0]] / $rate.jq end),
         ratioToZcat: (if .[0] == "notify" or $rate[.[0]] == null or $rate.zcat == null then null else $rate[.[0]] / $rate.zcat end),
         cpuSeconds: (if .[4] == "failed" then null else (.[8] | tonumber) end),
         peakRSSKiB: (.[5] | tonumber), largestProcess: (if .[6] == "" then null else .[6] end)}],
       targets: ($targets | split("\n") | map(select(length > 0) | {passed: startswith("PASS"), text: .[5:]}))}' \
    "$rows" > "$BENCH_DIR/results.json"
echo "bench: results in $BENCH_DIR/results.md and $BENCH_DIR/results.json" >&2
