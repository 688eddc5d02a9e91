#!/usr/bin/env bash
# Watches a trail: fetch → flatten → enrich → match → notify, once. Safe to run from cron:
# a lock keeps two runs from overlapping, and all state lives under $STATE_DIR.
#
# Environment (defaults run the bundled sample):
#   TRAIL_SOURCES  what trail-fetch reads (folders, files, s3:// URLs)  [pipelines/sample]
#   TRAIL_RULES    rule files or folders for trail-match, ':'-separated   [rules/]
#   TRAIL_NOTIFY   extra arguments for trail-notify                       [none: stdout]
#   TRAIL_BIN      folder holding the trail-* executables                 [PATH, else .build/release]
#   STATE_DIR      where state and the lock live         [${XDG_STATE_HOME:-~/.local/state}/trail]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TRAIL_SOURCES=${TRAIL_SOURCES:-$here/sample}
TRAIL_RULES=${TRAIL_RULES:-$here/../rules}
TRAIL_NOTIFY=${TRAIL_NOTIFY:-}
STATE_DIR=${STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/trail}
if [ -z "${TRAIL_BIN:-}" ]; then
    if command -v trail-fetch >/dev/null 2>&1; then
        TRAIL_BIN=$(dirname "$(command -v trail-fetch)")
    else
        TRAIL_BIN=$here/../.build/release
    fi
fi
for tool in trail-fetch trail-flatten trail-enrich trail-match trail-notify; do
    [ -x "$TRAIL_BIN/$tool" ] || { echo "watch.sh: $TRAIL_BIN/$tool not found; run 'make release' or set TRAIL_BIN" >&2; exit 2; }
done

mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/run.lock"
if ! flock -n 9; then
    echo "watch.sh: a previous run still holds $STATE_DIR/run.lock; this run is skipped" >&2
    exit 0
fi

rule_args=()
IFS=: read -r -a rule_paths <<<"$TRAIL_RULES"
for path in "${rule_paths[@]}"; do rule_args+=(--rules "$path"); done
read -r -a sources <<<"$TRAIL_SOURCES"
read -r -a notify_args <<<"$TRAIL_NOTIFY"

"$TRAIL_BIN/trail-fetch" "${sources[@]}" \
    | "$TRAIL_BIN/trail-flatten" \
    | "$TRAIL_BIN/trail-enrich" \
    | "$TRAIL_BIN/trail-match" "${rule_args[@]}" \
    | "$TRAIL_BIN/trail-notify" "${notify_args[@]}"
