#!/usr/bin/env bash
# Renders the overview page of a trail: fetch → flatten → enrich → (events kept) → match, then
# trail-report over the events and the alerts. Reads everything every time (no state): the page
# is a picture of what the sources hold.
#
# Environment (defaults render the bundled sample):
#   TRAIL_SOURCES  what trail-fetch reads (folders, files, s3:// URLs)   [pipelines/sample]
#   TRAIL_RULES    rule files or folders for trail-match, ':'-separated    [rules/]
#   TRAIL_ENRICH   arguments for trail-enrich (--geo, --networks, --table) [none]
#   TRAIL_BUSINESS_HOURS trail-enrich --business-hours, e.g. 'Asia/Tokyo Mon-Fri 09:00-18:00' [none]
#   TRAIL_HOLIDAYS trail-enrich --holidays file (with TRAIL_BUSINESS_HOURS) [none]
#   TRAIL_REPORT   the HTML file to write                                  [.build/report.html]
#   TRAIL_REPORT_ARGS extra arguments for trail-report (--from, --to, --bucket, --top, --title) [none]
#   TRAIL_BIN      folder holding the trail-* executables                  [PATH, else .build/release]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TRAIL_SOURCES=${TRAIL_SOURCES:-$here/sample}
TRAIL_RULES=${TRAIL_RULES:-$here/../rules}
TRAIL_ENRICH=${TRAIL_ENRICH:-}
TRAIL_BUSINESS_HOURS=${TRAIL_BUSINESS_HOURS:-}
TRAIL_HOLIDAYS=${TRAIL_HOLIDAYS:-}
TRAIL_REPORT=${TRAIL_REPORT:-$here/../.build/report.html}
TRAIL_REPORT_ARGS=${TRAIL_REPORT_ARGS:-}
if [ -z "${TRAIL_BIN:-}" ]; then
    if command -v trail-report >/dev/null 2>&1; then
        TRAIL_BIN=$(dirname "$(command -v trail-report)")
    else
        TRAIL_BIN=$here/../.build/release
    fi
fi
for tool in trail-fetch trail-flatten trail-enrich trail-match trail-report; do
    [ -x "$TRAIL_BIN/$tool" ] || { echo "report.sh: $TRAIL_BIN/$tool not found; run 'make release' or set TRAIL_BIN" >&2; exit 2; }
done

rule_args=()
IFS=: read -r -a rule_paths <<<"$TRAIL_RULES"
for path in "${rule_paths[@]}"; do rule_args+=(--rules "$path"); done
read -r -a sources <<<"$TRAIL_SOURCES"
read -r -a enrich_args <<<"$TRAIL_ENRICH"
# The business-hours specification has spaces: it is one argument, not split like the others.
[ -n "$TRAIL_BUSINESS_HOURS" ] && enrich_args+=(--business-hours "$TRAIL_BUSINESS_HOURS")
[ -n "$TRAIL_HOLIDAYS" ] && enrich_args+=(--holidays "$TRAIL_HOLIDAYS")
read -r -a report_args <<<"$TRAIL_REPORT_ARGS"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$TRAIL_REPORT")"

"$TRAIL_BIN/trail-fetch" --quiet "${sources[@]}" \
    | "$TRAIL_BIN/trail-flatten" \
    | "$TRAIL_BIN/trail-enrich" "${enrich_args[@]}" \
    | tee "$work/events.ndjson" \
    | "$TRAIL_BIN/trail-match" "${rule_args[@]}" >"$work/alerts.ndjson"
"$TRAIL_BIN/trail-report" "${report_args[@]}" --out "$TRAIL_REPORT" "$work/events.ndjson" "$work/alerts.ndjson"
