#!/usr/bin/env bash
# Renders the overview page of a trail: fetch → flatten → enrich → (events kept) → match, then
# trail-report over the events and the alerts. Reads everything every time (no state): the page
# is a picture of what the sources hold.
#
# Environment (defaults render the bundled sample):
#   TRAIL_SOURCES  what trail-fetch reads (folders, files, s3:// URLs)   [pipelines/sample]
#   TRAIL_RULES    rule files or folders for trail-match, ':'-separated    [rules/]
#   TRAIL_FILTERS  Sigma filter files or folders (site exceptions), ':'-separated [pipelines/exceptions/]
#   TRAIL_ENRICH   arguments for trail-enrich (--geo, --networks, --table) [none]
#   TRAIL_BUSINESS_HOURS trail-enrich --business-hours, e.g. 'Asia/Tokyo Mon-Fri 09:00-18:00' [none]
#   TRAIL_HOLIDAYS trail-enrich --holidays file (with TRAIL_BUSINESS_HOURS) [none]
#   TRAIL_REPORT   the HTML file to write                                  [.build/report.html]
#   TRAIL_REPORT_ARGS extra arguments for trail-report (--from, --to, --bucket, --top, --title) [none]
#   TRAIL_BIN      folder holding the trail-* executables                  [PATH, else .build/release]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TRAIL_REPORT=${TRAIL_REPORT:-$here/../.build/report.html}
TRAIL_REPORT_ARGS=${TRAIL_REPORT_ARGS:-}
. "$here/stages.sh"
require_tools report.sh trail-report trail-fetch trail-flatten trail-enrich trail-match

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
