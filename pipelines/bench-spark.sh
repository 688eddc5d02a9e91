#!/usr/bin/env bash
# Measures pipelines/spark.py in Spark's local mode against the single-machine pipeline on the
# corpus of `make bench` (generated once in $BENCH_DIR/corpus-<events>): the whole pipeline
# fetch | flatten | enrich --geo | match on one machine, an empty Spark job (Spark's own fixed
# start and stop), and the Spark job over the corpus. Quotes events/s of each, the Spark job's
# net of the empty job's time, their ratio (target: at least 70%), and checks that both wrote
# the same alerts. Results in $BENCH_DIR/spark.md. A benchmark, not a test.
#
# Environment:
#   TRAIL_BIN     folder holding the release trail-* executables   [.build/release]
#   BENCH_DIR     corpus cache and results                         [.bench]
#   BENCH_EVENTS  CloudTrail events in the corpus                  [1000000]
#   SPARK_MASTER  the Spark master                                 [local[2]]
#   BENCH_RUNS    rounds of the three runs (medians quoted)        [3]
#   TRAIL_GEO     MaxMind City database for trail-enrich --geo     [maxminddb-geolite2's]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
TRAIL_BIN=${TRAIL_BIN:-$root/.build/release}
BENCH_DIR=${BENCH_DIR:-$root/.bench}
BENCH_EVENTS=${BENCH_EVENTS:-1000000}
SPARK_MASTER=${SPARK_MASTER:-local[2]}
BENCH_RUNS=${BENCH_RUNS:-3}
TRAIL_GEO=${TRAIL_GEO:-$(python3 -c 'import _maxminddb_geolite2 as g, os; print(os.path.dirname(g.__file__) + "/GeoLite2-City.mmdb")' 2>/dev/null || true)}
export TRAIL_BIN

command -v spark-submit >/dev/null || { echo "bench-spark.sh: spark-submit not found on PATH (pip install pyspark, or make deps)" >&2; exit 2; }
[ -n "$TRAIL_GEO" ] && [ -f "$TRAIL_GEO" ] || { echo "bench-spark.sh: no City database for trail-enrich --geo; set TRAIL_GEO" >&2; exit 2; }

# The corpus of make bench (same trail-synth arguments, same cache).
synth_args=(--events "$BENCH_EVENTS" --accounts 5 --regions us-east-1,eu-west-1,ap-northeast-1
            --start 2026-11-16 --days 7 --seed 1 --scenarios all --scenario-rate 10)
corpus=$BENCH_DIR/corpus-$BENCH_EVENTS
mkdir -p "$BENCH_DIR"
if [ ! -f "$corpus/.synth-args" ] || [ "$(cat "$corpus/.synth-args")" != "${synth_args[*]}" ]; then
    echo "bench-spark: generating the corpus ($BENCH_EVENTS events) in $corpus" >&2
    rm -rf "$corpus" "$corpus.tmp"
    "$TRAIL_BIN/trail-synth" --out "$corpus.tmp" "${synth_args[@]}"
    (cd "$corpus.tmp" && find AWSLogs -type f -name '*.json.gz' | LC_ALL=C sort | sed "s|^|$corpus/|") > "$corpus.tmp/.files"
    echo "${synth_args[*]}" > "$corpus.tmp/.synth-args"
    mv "$corpus.tmp" "$corpus"
fi

work=$BENCH_DIR/spark
rm -rf "$work"
mkdir -p "$work/no-objects"
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

events=$("$TRAIL_BIN/trail-fetch" --quiet "$corpus/AWSLogs" | "$TRAIL_BIN/trail-flatten" | wc -l)
single() {
    "$TRAIL_BIN/trail-fetch" --quiet "$corpus/AWSLogs" | "$TRAIL_BIN/trail-flatten" | "$TRAIL_BIN/trail-enrich" --geo "$TRAIL_GEO" \
        | "$TRAIL_BIN/trail-match" --rules "$root/rules" --filters "$root/pipelines/exceptions" > "$work/single.ndjson"
}
spark() { spark-submit --master "$SPARK_MASTER" --conf spark.ui.enabled=false "$root/pipelines/spark.py" \
    --rules "$root/rules" --filters "$root/pipelines/exceptions" --enrich "--geo $TRAIL_GEO" "$@" 2>> "$work/spark.log"; }
# timed NAME COMMAND...: appends the command's wall-clock seconds to $work/NAME.
timed() {
    local name=$1 t0
    shift
    t0=$(now)
    "$@"
    echo "$(seconds "$t0" "$(now)")" >> "$work/$name"
}
median() { sort -n "$work/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Rounds of the three, interleaved, so that a busy moment of a shared machine hits all of them.
for round in $(seq "$BENCH_RUNS"); do
    echo "bench-spark: round $round of $BENCH_RUNS: one machine, an empty Spark job, the Spark job ($SPARK_MASTER)" >&2
    timed single single
    timed empty spark --out "$work/empty-out" "$work/no-objects"
    timed whole spark --out "$work/out" "$corpus/AWSLogs"
done
single=$(median single) empty=$(median empty) whole=$(median whole)

same=no
if cmp -s <(LC_ALL=C sort "$work/single.ndjson") <(cat "$work"/out/*.ndjson | LC_ALL=C sort); then same=yes; fi
alerts=$(wc -l < "$work/single.ndjson")
report=$(awk -v n="$events" -v s="$single" -v w="$whole" -v e="$empty" -v m="$SPARK_MASTER" -v same="$same" -v alerts="$alerts" -v runs="$BENCH_RUNS" 'BEGIN {
    one = n / s; net = n / (w - e); end = n / w
    printf "Median of %d rounds.\n\n", runs
    printf "| run | seconds | events/s |\n| --- | ---: | ---: |\n"
    printf "| one machine: fetch \\| flatten \\| enrich --geo \\| match | %.1f | %d |\n", s, one
    printf "| empty Spark job (%s), fixed cost | %.1f | |\n", m, e
    printf "| Spark job (%s), end to end | %.1f | %d |\n", m, w, end
    printf "| Spark job (%s), net of the fixed cost | %.1f | %d |\n\n", m, w - e, net
    printf "%d events, %d alerts; Spark wrote the same alerts: %s\n", n, alerts, same
    printf "net throughput %.0f%% of one machine (target 70%%: %s); end to end %.0f%%\n", 100 * net / one, (net / one >= 0.7 ? "PASS" : "FAIL"), 100 * end / one
}')
echo "$report" | tee "$BENCH_DIR/spark.md"
