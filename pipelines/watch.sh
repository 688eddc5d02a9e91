#!/usr/bin/env bash
# Watches a trail: fetch → flatten → enrich → match → notify, once. Safe to run from cron or a
# systemd timer: a lock keeps two runs from overlapping, all state lives under $STATE_DIR, and
# the run is exactly-once end to end (README, "Scheduled runs"):
#
#   1. preflight: rules, tables, targets, secrets and state are checked before anything is
#      fetched; a misconfigured run says what is wrong and changes nothing;
#   2. the pipeline runs; trail-fetch and trail-match write their new state to FILE.next,
#      trail-notify puts every alert in its spool before it delivers any;
#   3. only if every stage finished (bad records skipped, alerts spooled for a target that is
#      down: finished; killed, crashed, a fatal error: not), the run commits: a marker file,
#      then each FILE.next renamed over FILE (correlation state first), then the marker
#      removed. A run that dies before the marker leaves all state as it was, and the next run
#      reads the same files again; one that dies after it is completed by the next run.
#
# Environment (defaults run the bundled sample):
#   TRAIL_SOURCES  what trail-fetch reads (folders, files, s3:// URLs)  [pipelines/sample]
#   TRAIL_QUEUE    an SQS queue of the trail bucket's notifications, read instead of TRAIL_SOURCES;
#                  its messages are deleted once the run has committed   [none]
#   TRAIL_QUEUE_WAIT seconds a receive waits on the queue (the run ends when one gets nothing) [20]
#   TRAIL_RULES    rule files or folders for trail-match, ':'-separated   [rules/]
#   TRAIL_FILTERS  Sigma filter files or folders (site exceptions), ':'-separated [pipelines/exceptions/]
#   TRAIL_ENRICH   arguments for trail-enrich (--geo, --networks, --table) [none]
#   TRAIL_BUSINESS_HOURS trail-enrich --business-hours, e.g. 'Asia/Tokyo Mon-Fri 09:00-18:00' [none]
#   TRAIL_HOLIDAYS trail-enrich --holidays file (with TRAIL_BUSINESS_HOURS)   [none]
#   TRAIL_MATCH_STATE correlation state; empty: each run is a whole stream [$STATE_DIR/match-state.json]
#   TRAIL_LATENESS how late (event time) an event may arrive for correlations [15m]
#   TRAIL_NOTIFY   extra arguments for trail-notify (--to URL ...)        [none: stdout]
#   TRAIL_METRICS  the run's metrics, Prometheus text format               [$STATE_DIR/trail.prom]
#   TRAIL_BIN      folder holding the trail-* executables                 [PATH, else .build/release]
#   STATE_DIR      where state and the lock live         [${XDG_STATE_HOME:-~/.local/state}/trail]
#
# Exit status: 0 committed, nothing to report; 1 committed, but some input was bad and skipped,
# or some alerts wait in the spool for a target that is down; 2 nothing committed (a stage
# failed or was killed, or the preflight found a problem): the next run reads the same files.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
STATE_DIR=${STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/trail}
TRAIL_MATCH_STATE=${TRAIL_MATCH_STATE-$STATE_DIR/match-state.json}
TRAIL_LATENESS=${TRAIL_LATENESS:-15m}
TRAIL_NOTIFY=${TRAIL_NOTIFY:-}
TRAIL_METRICS=${TRAIL_METRICS:-$STATE_DIR/trail.prom}
. "$here/stages.sh"
require_tools watch.sh trail-fetch trail-flatten trail-enrich trail-match trail-notify
# A queue's messages are held in the fetch state and deleted by the run after the commit.
if [ -n "${TRAIL_QUEUE:-}" ]; then sources=(--queue "$TRAIL_QUEUE" --queue-wait "${TRAIL_QUEUE_WAIT:-20}"); fi

started=$(date +%s.%N)
mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/run.lock"
if ! flock -n 9; then
    echo "watch.sh: a previous run still holds $STATE_DIR/run.lock; this run is skipped" >&2
    exit 0
fi

fetch_state=$STATE_DIR/fetch-state.json
commit_marker=$STATE_DIR/commit
stats=$STATE_DIR/run
# The states a run commits, in commit order: a correlation state committed without its fetch
# state only makes the next run read the batch again, which counts each event once.
committed_states=("$fetch_state")
[ -n "$TRAIL_MATCH_STATE" ] && committed_states=("$TRAIL_MATCH_STATE" "$fetch_state")

# commit: every FILE.next over its FILE, then the marker removed. Idempotent: the next run
# calls it again when the marker says a commit was cut short.
commit() {
    local file
    for file in "${committed_states[@]}"; do
        if [ -e "$file.next" ]; then mv -f "$file.next" "$file"; fi
    done
    rm -f "$fetch_state.journal"
    sync "$STATE_DIR" 2>/dev/null || true
    rm -f "$commit_marker"
}

# Recovery: finish a commit cut short, or throw away what an uncommitted run left.
if [ -e "$commit_marker" ]; then
    commit
else
    for file in "${committed_states[@]}"; do rm -f "$file.next"; done
fi

match_args=()
[ -n "$TRAIL_MATCH_STATE" ] && match_args=(--state "$TRAIL_MATCH_STATE" --defer-commit --lateness "$TRAIL_LATENESS")
read -r -a notify_args <<<"$TRAIL_NOTIFY"
notify_args+=(--spool "$STATE_DIR/spool")

# metric NAME FILE...: the value of one gauge in Prometheus text files (0 when absent).
metric() {
    local name=$1
    shift
    awk -v name="$name" '$1 == name { value = $2 } END { print (value == "" ? 0 : value) }' "$@" 2>/dev/null || echo 0
}

# write_metrics OK: the last run's figures and its stages' for node_exporter's textfile
# collector, written atomically; the last success and the newest event survive failed runs.
write_metrics() {
    local ok=$1 now last_success newest tmp
    now=$(date +%s)
    last_success=$(metric trail_last_success_timestamp_seconds "$TRAIL_METRICS")
    newest=$(metric trail_newest_event_timestamp_seconds "$TRAIL_METRICS")
    [ "$ok" = 1 ] && last_success=$now
    if [ "$ok" = 1 ] && [ -e "$stats/match.prom" ]; then
        local seen
        seen=$(metric trail_match_newest_event_timestamp_seconds "$stats/match.prom")
        [ "${seen%.*}" -gt "${newest%.*}" ] && newest=$seen
    fi
    tmp=$TRAIL_METRICS.tmp.$$
    mkdir -p "$(dirname "$TRAIL_METRICS")"
    {
        gauge trail_run_success "$ok" "1 when the last scheduled run committed, 0 when it failed (its files are read again)."
        gauge trail_run_timestamp_seconds "$now" "When the last scheduled run ended, in Unix seconds."
        gauge trail_run_duration_seconds "$(elapsed)" "How long the last scheduled run took."
        gauge trail_last_success_timestamp_seconds "$last_success" "When a scheduled run last committed, in Unix seconds."
        gauge trail_newest_event_timestamp_seconds "$newest" "Event time of the newest event a committed run read, in Unix seconds (delivery lag: now minus this)."
        cat "$stats"/*.prom 2>/dev/null || true
    } >"$tmp"
    mv -f "$tmp" "$TRAIL_METRICS"
}

gauge() { printf '# HELP %s %s\n# TYPE %s gauge\n%s %s\n' "$1" "$3" "$1" "$1" "$2"; }
elapsed() { echo "$started $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }'; }

fail() {
    echo "watch.sh: $1; nothing committed: the next run reads the same files again ($(elapsed) s)" >&2
    write_metrics 0
    exit 2
}

# Preflight: everything the run needs, checked before trail-fetch takes any file.
rm -rf "$stats"
mkdir -p "$stats" "$STATE_DIR/spool" || fail "preflight: $STATE_DIR is not writable"
[ -w "$STATE_DIR" ] && [ -w "$STATE_DIR/spool" ] || fail "preflight: $STATE_DIR is not writable"
"$TRAIL_BIN/trail-match" "${rule_args[@]/#--rules/--check}" "${match_args[@]}" || fail "preflight: trail-match (rules or correlation state)"
"$TRAIL_BIN/trail-enrich" "${enrich_args[@]}" </dev/null >/dev/null || fail "preflight: trail-enrich (tables or calendar)"
"$TRAIL_BIN/trail-notify" --check "${notify_args[@]}" || fail "preflight: trail-notify (targets, secrets or spool)"

set +e
"$TRAIL_BIN/trail-fetch" --quiet --state "$fetch_state" --defer-commit --stats "$stats/fetch.prom" "${sources[@]}" \
    | "$TRAIL_BIN/trail-flatten" \
    | "$TRAIL_BIN/trail-enrich" "${enrich_args[@]}" \
    | "$TRAIL_BIN/trail-match" "${rule_args[@]}" "${match_args[@]}" --stats "$stats/match.prom" \
    | "$TRAIL_BIN/trail-notify" "${notify_args[@]}" --stats "$stats/notify.prom"
status=("${PIPESTATUS[@]}")
set -e

names=(trail-fetch trail-flatten trail-enrich trail-match trail-notify)
worst=0
for k in 0 1 2 3 4; do
    code=${status[$k]}
    # 1: bad input reported and skipped; 75 (trail-notify): alerts safe in the spool.
    if [ "$code" = 0 ]; then continue; fi
    if [ "$code" = 1 ] || { [ "$k" = 4 ] && [ "$code" = 75 ]; }; then worst=1; continue; fi
    [ "$code" -gt 128 ] && fail "${names[$k]} was killed by signal $((code - 128))"
    fail "${names[$k]} failed (exit status $code)"
done

touch "$commit_marker"
sync "$STATE_DIR" 2>/dev/null || true
commit
write_metrics 1

files=$(metric trail_fetch_files "$stats/fetch.prom")
events=$(metric trail_match_events "$stats/match.prom")
alerts=$(metric trail_match_alerts "$stats/match.prom")
delivered=$(metric trail_notify_delivered "$stats/notify.prom")
spooled=$(metric trail_notify_spooled "$stats/notify.prom")
dead=$(metric trail_notify_dead_lettered "$stats/notify.prom")
echo "watch.sh: $files files, $events events, $alerts alerts, $delivered delivered, $spooled spooled, $dead dead-lettered ($(elapsed) s)" >&2
exit "$worst"
