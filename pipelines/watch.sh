#!/usr/bin/env bash
# trail-watch: one scheduled run of the trail pipeline, fetch → flatten → enrich → match → notify.
# Run it from a systemd timer or cron: a lock keeps two runs from overlapping, all state lives in
# one folder, the run is exactly-once end to end (docs/operations.md), and it never builds anything.
#
# Usage: trail-watch [--config FILE] [--help] [--version]
#
#   --config FILE  read the settings from FILE (installed trail-watch: /etc/trail/watch.conf
#                  when it exists; in the source tree, pipelines/watch.sh: none)
#   --help         this text;  --version  the toolkit's version
#
# The config file has NAME=VALUE lines (# comments; quotes around VALUE are removed, nothing
# is expanded); a variable already in the environment wins over the file. Lines naming other
# variables (AWS_PROFILE, the secrets targets name as ${NAME}) go into the stages' environment:
# keep the file readable by the service only. Settings:
#   TRAIL_SOURCES  what trail-fetch reads: s3://, oss:// URLs, folders   [the bundled sample in
#                  the source tree; the installed trail-watch has no default]
#   TRAIL_QUEUE    an SQS queue of the trail bucket's notifications, read instead of TRAIL_SOURCES;
#                  its messages are deleted once the run has committed   [none]
#   TRAIL_QUEUE_WAIT seconds a receive waits on the queue (the run ends when one gets nothing) [20]
#   TRAIL_FETCH    more trail-fetch arguments: --account, --region, --since, --endpoint,
#                  --profile, --bucket-region                           [none]
#   TRAIL_RULES    rule files or folders for trail-match, ':'-separated   [the installed pack]
#   TRAIL_FILTERS  Sigma filter files or folders (site exceptions), ':'-separated (docs/sigma.md)
#                  [pipelines/exceptions/ in the source tree]
#   TRAIL_ENRICH   arguments for trail-enrich (--geo, --asn, --networks, --table) [none]
#   TRAIL_BUSINESS_HOURS trail-enrich --business-hours, e.g. 'Asia/Tokyo Mon-Fri 09:00-18:00' [none]
#   TRAIL_HOLIDAYS trail-enrich --holidays file (with TRAIL_BUSINESS_HOURS)   [none]
#   TRAIL_MATCH_STATE correlation state; empty: each run is a whole stream [$STATE_DIR/match-state.json]
#   TRAIL_LATENESS how late (event time) an event may arrive for correlations [15m]
#   TRAIL_NOTIFY   arguments for trail-notify (--to URL, --to @FILE ...)  [none: stdout]
#   TRAIL_METRICS  the run's metrics, Prometheus text format               [$STATE_DIR/trail.prom]
#   TRAIL_BIN      folder holding the trail-* executables    [installed: trail-watch's own folder;
#                  source tree: PATH, else .build/release]
#   STATE_DIR      where state and the lock live    [$STATE_DIRECTORY (systemd's StateDirectory=),
#                  else $XDG_STATE_HOME/trail, else ~/.local/state/trail]
#
# What trail-notify prints on stdout (one line per alert, without --to) comes at the end of the
# run in event-time order, the order a reader of the day's alerts wants.
#
# Exit status: 0 committed, nothing to report; 1 committed, but some input was bad and skipped,
# or some alerts wait in the spool for a target that is down; 2 nothing committed (a stage
# failed or was killed, or the preflight found a problem): the next run reads the same files;
# 64 a usage error.
set -euo pipefail

script=$(readlink -f "$0")
here=$(dirname "$script")
me=$(basename "$0")
usage() { sed -n '2,/^set -euo pipefail/{/^set -euo/d; s/^# \{0,1\}//; p}' "$script"; }
usage_error() {
    echo "$me: $1" >&2
    echo "Usage: $me [--config FILE] [--help] [--version]" >&2
    exit 64
}

# The source tree keeps stages.sh beside this script; make install puts it in PREFIX/share/trail,
# with the rule pack, and this script in PREFIX/bin beside the tools.
if [ -e "$here/stages.sh" ]; then
    lib=$here config=
else
    lib=$(cd "$here/../share/trail" && pwd) config=/etc/trail/watch.conf
    [ -e "$config" ] || config=
    TRAIL_BIN=${TRAIL_BIN:-$here}
    TRAIL_RULES=${TRAIL_RULES:-$lib/rules}
fi

show_version=
while [ $# -gt 0 ]; do
    case $1 in
        --config) [ $# -ge 2 ] || usage_error "--config needs a FILE"; config=$2; shift 2 ;;
        --config=*) config=${1#--config=}; shift ;;
        --help | -h) usage; exit 0 ;;
        --version) show_version=1; shift ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
done

# read_config FILE: its NAME=VALUE lines exported, unless NAME is set already.
read_config() {
    local file=$1 line name value number=0
    [ -f "$file" ] && [ -r "$file" ] || { echo "$me: $file: cannot read the config file" >&2; exit 2; }
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        line=${line#"${line%%[![:space:]]*}"}
        case $line in '' | '#'*) continue ;; esac
        [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || { echo "$me: $file:$number: expected NAME=VALUE" >&2; exit 2; }
        name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
        value=${value%"${value##*[![:space:]]}"}
        if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
        [ -n "${!name+set}" ] || export "$name=$value"
    done <"$file"
}
[ -z "$config" ] || [ -n "$show_version" ] || read_config "$config"

if [ -z "${TRAIL_SOURCES:-}" ] && [ -z "${TRAIL_QUEUE:-}" ] && [ "$lib" != "$here" ] && [ -z "$show_version" ]; then
    echo "$me: no sources: set TRAIL_SOURCES (or TRAIL_QUEUE) in ${config:-/etc/trail/watch.conf} (see $lib/watch.conf.example)" >&2
    exit 2
fi
. "$lib/stages.sh"
require_tools "$me" trail-fetch trail-flatten trail-enrich trail-match trail-notify
if [ -n "$show_version" ]; then exec "$TRAIL_BIN/trail-fetch" --version; fi
if [ -z "${STATE_DIR:-}" ]; then
    if [ -n "${STATE_DIRECTORY:-}" ]; then STATE_DIR=${STATE_DIRECTORY%%:*}
    elif [ -n "${XDG_STATE_HOME:-}" ]; then STATE_DIR=$XDG_STATE_HOME/trail
    elif [ -n "${HOME:-}" ]; then STATE_DIR=$HOME/.local/state/trail
    else echo "$me: no state folder: set STATE_DIR in the config file (or HOME)" >&2; exit 2
    fi
fi
TRAIL_MATCH_STATE=${TRAIL_MATCH_STATE-$STATE_DIR/match-state.json}
TRAIL_LATENESS=${TRAIL_LATENESS:-15m}
TRAIL_NOTIFY=${TRAIL_NOTIFY:-}
TRAIL_METRICS=${TRAIL_METRICS:-$STATE_DIR/trail.prom}
TRAIL_FETCH=${TRAIL_FETCH:-}
read -r -a fetch_args <<<"$TRAIL_FETCH"
# A queue's messages are held in the fetch state and deleted by the run after the commit.
if [ -n "${TRAIL_QUEUE:-}" ]; then sources=(--queue "$TRAIL_QUEUE" --queue-wait "${TRAIL_QUEUE_WAIT:-20}"); fi

started=$(date +%s.%N)
mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/run.lock"
if ! flock -n 9; then
    echo "$me: a previous run still holds $STATE_DIR/run.lock; this run is skipped" >&2
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
    echo "$me: $1; nothing committed: the next run reads the same files again ($(elapsed) s)" >&2
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
"$TRAIL_BIN/trail-fetch" --quiet --state "$fetch_state" --defer-commit --stats "$stats/fetch.prom" "${fetch_args[@]}" "${sources[@]}" \
    | "$TRAIL_BIN/trail-flatten" \
    | "$TRAIL_BIN/trail-enrich" "${enrich_args[@]}" \
    | "$TRAIL_BIN/trail-match" "${rule_args[@]}" "${match_args[@]}" --stats "$stats/match.prom" \
    | "$TRAIL_BIN/trail-notify" "${notify_args[@]}" --stats "$stats/notify.prom" \
    | sort -s -k1,1
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
echo "$me: $files files, $events events, $alerts alerts, $delivered delivered, $spooled spooled, $dead dead-lettered ($(elapsed) s)" >&2
exit "$worst"
