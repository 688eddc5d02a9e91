#!/usr/bin/env bash
# The scheduled pipeline (pipelines/watch.sh) under faults, counted against a clean run: every
# alert the clean run delivers is delivered exactly once, whatever dies on the way.
#
#   scheduled-runs.sh kill BIN [KILLS] [SEED]   SIGKILL at random moments (default 60 kills)
#
# A trail of six days is delivered one day folder at a time ("waves", as a bucket fills). The
# reference watches each wave once, cleanly. The test run watches each wave several times, each
# run but the last killed at a random moment — the whole process group, one stage, or watch.sh
# alone — then once to completion. Alerts go to a file target; the test compares the alert ids
# there with the reference's: none missing, none twice. Prints one line per kill target and a
# closing "N passed, N failed" line; exit status 0 only when nothing was lost or repeated.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mode=${1:?usage: scheduled-runs.sh kill BIN [KILLS] [SEED]}
bin=$(cd "${2:?the folder of the built trail-* executables}" && pwd)
kills=${3:-60}
RANDOM=${4:-1}
[ "$mode" = kill ] || { echo "scheduled-runs.sh: unknown mode $mode" >&2; exit 64; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The trail: six days of one account and region, so event time follows delivery order.
"$bin/trail-synth" --out "$work/corpus" --events 900 --accounts 1 --regions us-east-1 \
    --start 2026-11-16 --days 6 --seed 11 --scenarios all --scenario-rate 0.6 >/dev/null
mapfile -t days < <(cd "$work/corpus" && find . -path '*/CloudTrail/*' -type d -regex '.*/[0-9][0-9]$' | sort)
[ "${#days[@]}" -ge 5 ] || { echo "scheduled-runs.sh: the corpus has ${#days[@]} day folders" >&2; exit 2; }

# watch NAME: one run of watch.sh over bucket NAME with its own STATE_DIR, alerts to a file.
watch() {
    STATE_DIR="$work/$1/state" TRAIL_SOURCES="$work/$1/bucket" TRAIL_BIN="$bin" \
        TRAIL_RULES="$root/rules" TRAIL_NOTIFY="--to file://$work/$1/alerts.ndjson" \
        "$root/pipelines/watch.sh"
}

# deliver NAME K: the K-th day folder appears in bucket NAME.
deliver() {
    mkdir -p "$work/$1/bucket/$(dirname "${days[$2]}")"
    cp -R "$work/corpus/${days[$2]}" "$work/$1/bucket/${days[$2]}"
}

# The reference: each wave watched once, cleanly.
mkdir -p "$work/reference"
start=$(date +%s%N)
for k in "${!days[@]}"; do
    deliver reference "$k"
    watch reference >/dev/null 2>>"$work/reference.log" || { cat "$work/reference.log" >&2; exit 2; }
done
per_run_ms=$(( ($(date +%s%N) - start) / 1000000 / ${#days[@]} ))
expected=$(jq -r .notify.id "$work/reference/alerts.ndjson" | sort)
expected_count=$(echo "$expected" | grep -c . || true)
[ "$expected_count" -gt 10 ] || { echo "scheduled-runs.sh: the reference raised only $expected_count alerts" >&2; exit 2; }

# killed_run: watch.sh in its own process group, killed at a random moment:
#   late        the whole group, a random delay up to a run's length after the start
#               (preflight, pipeline, commit alike);
#   group, watch.sh, a stage: once the pipeline runs (trail-flatten is seen; the preflight does
#               not run it), within half a run; half of these wait until trail-fetch has
#               finished first, the moment a fetch that committed on its own would lose a batch.
# True when the kill landed (the victim was still running).
victims=(late late group group watch.sh trail-fetch trail-flatten trail-enrich trail-match trail-notify)
declare -A landed=()
attempts=0
killed_run() {
    attempts=$(( attempts + 1 ))
    local victim=${victims[$(( RANDOM % ${#victims[@]} ))]} delay
    setsid bash -c "$(declare -f watch); work='$work' bin='$bin' root='$root'; watch test" >/dev/null 2>>"$work/test.log" &
    local group=$!
    disown "$group"
    if [ "$victim" = late ]; then
        delay=$(( RANDOM * per_run_ms * 12 / 10 / 32768 ))
    else
        wait_for "$group" 'pgrep -g "$group" -x trail-flatten'
        if (( RANDOM % 2 )); then
            wait_for "$group" '! pgrep -g "$group" -x trail-fetch'
            delay=$(( RANDOM % 50 ))
        else
            delay=$(( RANDOM % (per_run_ms / 2 + 1) ))
        fi
    fi
    sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
    local hit=1
    case $victim in
        group|late) kill -9 -- "-$group" 2>/dev/null || hit=0 ;;
        watch.sh) kill -9 "$group" 2>/dev/null || hit=0 ;;
        *) pkill -9 -g "$group" -x "$victim" || hit=0 ;;
    esac
    # Orphaned stages (watch.sh killed alone) finish, holding the lock, before the next run.
    while kill -0 -- "-$group" 2>/dev/null; do sleep 0.05; done
    [ "$hit" = 1 ] || return 1
    landed[$victim]=$(( ${landed[$victim]:-0} + 1 ))
}

# wait_for GROUP CONDITION: polls CONDITION (a shell test) every 5 ms, for 5 s at the most or
# until the group is gone.
wait_for() {
    local group=$1 tries
    for tries in $(seq 1000); do
        eval "$2" >/dev/null && return 0
        kill -0 -- "-$group" 2>/dev/null || return 0
        sleep 0.005
    done
}

mkdir -p "$work/test"
per_wave=$(( (kills + ${#days[@]} - 1) / ${#days[@]} ))
for k in "${!days[@]}"; do
    deliver test "$k"
    hits=0
    while [ "$hits" -lt "$per_wave" ] && [ "$attempts" -lt $(( kills * 10 )) ]; do
        if killed_run; then hits=$(( hits + 1 )); fi
    done
    status=0
    watch test >/dev/null 2>>"$work/test.log" || status=$?
    [ "$status" -le 1 ] || { echo "scheduled-runs.sh: the run after the kills failed ($status):" >&2; tail -5 "$work/test.log" >&2; exit 1; }
done

total=0
for victim in "${!landed[@]}"; do total=$(( total + landed[$victim] )); done
delivered=$(jq -r .notify.id "$work/test/alerts.ndjson" | sort)
missing=$(comm -23 <(echo "$expected" | uniq) <(echo "$delivered" | uniq) | grep -c . || true)
extra=$(comm -13 <(echo "$expected" | uniq) <(echo "$delivered" | uniq) | grep -c . || true)
twice=$(echo "$delivered" | uniq -d | grep -c . || true)
echo "scheduled runs: $total kills landed (of $attempts tried: $(for v in "${!landed[@]}"; do printf '%s %s, ' "$v" "${landed[$v]}"; done | sed 's/, $//')), ~${per_run_ms} ms a run"
echo "alerts: $expected_count expected, $missing missing, $extra unexpected, $twice delivered twice"
failed=0
[ "$total" -ge "$kills" ] || { echo "only $total kills landed"; failed=$(( failed + 1 )); }
[ "$missing" = 0 ] || { echo "lost:"; comm -23 <(echo "$expected" | uniq) <(echo "$delivered" | uniq) | head; failed=$(( failed + 1 )); }
[ "$extra" = 0 ] || failed=$(( failed + 1 ))
[ "$twice" = 0 ] || { echo "twice:"; echo "$delivered" | uniq -d | head; failed=$(( failed + 1 )); }
echo "$(( 4 - failed )) passed, $failed failed"
[ "$failed" = 0 ]
