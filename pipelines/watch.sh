#!/usr/bin/env bash
# Watches a trail: fetch → flatten → enrich → match → notify, once. Safe to run from cron:
# a lock keeps two runs from overlapping, and all state lives under $STATE_DIR: what was
# fetched (fetch-state.json), open correlation windows (match-state.json), and alerts not
# yet delivered or already sent (spool/), so a run repeats nothing and loses nothing.
#
# Environment (defaults run the bundled sample):
#   TRAIL_SOURCES  what trail-fetch reads (folders, files, s3:// URLs)  [pipelines/sample]
#   TRAIL_RULES    rule files or folders for trail-match, ':'-separated   [rules/]
#   TRAIL_ENRICH   arguments for trail-enrich (--geo, --networks, --table) [none]
#   TRAIL_BUSINESS_HOURS trail-enrich --business-hours, e.g. 'Asia/Tokyo Mon-Fri 09:00-18:00' [none]
#   TRAIL_HOLIDAYS trail-enrich --holidays file (with TRAIL_BUSINESS_HOURS)   [none]
#   TRAIL_MATCH_STATE correlation state; empty: each run is a whole stream [$STATE_DIR/match-state.json]
#   TRAIL_LATENESS how late (event time) an event may arrive for correlations [15m]
#   TRAIL_NOTIFY   extra arguments for trail-notify (--to URL ...)        [none: stdout]
#   TRAIL_BIN      folder holding the trail-* executables                 [PATH, else .build/release]
#   STATE_DIR      where state and the lock live         [${XDG_STATE_HOME:-~/.local/state}/trail]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
STATE_DIR=${STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/trail}
TRAIL_MATCH_STATE=${TRAIL_MATCH_STATE-$STATE_DIR/match-state.json}
TRAIL_LATENESS=${TRAIL_LATENESS:-15m}
TRAIL_NOTIFY=${TRAIL_NOTIFY:-}
. "$here/stages.sh"
require_tools watch.sh trail-fetch trail-flatten trail-enrich trail-match trail-notify

mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/run.lock"
if ! flock -n 9; then
    echo "watch.sh: a previous run still holds $STATE_DIR/run.lock; this run is skipped" >&2
    exit 0
fi

match_state_args=()
[ -n "$TRAIL_MATCH_STATE" ] && match_state_args=(--state "$TRAIL_MATCH_STATE" --lateness "$TRAIL_LATENESS")
read -r -a notify_args <<<"$TRAIL_NOTIFY"

"$TRAIL_BIN/trail-fetch" --quiet --state "$STATE_DIR/fetch-state.json" "${sources[@]}" \
    | "$TRAIL_BIN/trail-flatten" \
    | "$TRAIL_BIN/trail-enrich" "${enrich_args[@]}" \
    | "$TRAIL_BIN/trail-match" "${rule_args[@]}" "${match_state_args[@]}" \
    | "$TRAIL_BIN/trail-notify" --spool "$STATE_DIR/spool" "${notify_args[@]}"
