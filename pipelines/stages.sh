# Shared by watch.sh and report.sh (sourced, not run; they set `here` to their folder): the
# environment both read, the folder of the trail-* executables, and the arguments of
# trail-fetch, trail-enrich and trail-match made from the environment.
TRAIL_SOURCES=${TRAIL_SOURCES:-$here/sample}
TRAIL_RULES=${TRAIL_RULES:-$here/../rules}
TRAIL_ENRICH=${TRAIL_ENRICH:-}
TRAIL_BUSINESS_HOURS=${TRAIL_BUSINESS_HOURS:-}
TRAIL_HOLIDAYS=${TRAIL_HOLIDAYS:-}
# Site exceptions: Sigma filters joined to the rules they name (docs/sigma.md). Unset: the
# exceptions folder beside this script, when there is one; empty: none.
TRAIL_FILTERS=${TRAIL_FILTERS-$(if [ -d "$here/exceptions" ]; then echo "$here/exceptions"; fi)}

# require_tools SCRIPT TOOL...: sets TRAIL_BIN (unless set: the folder of the first TOOL on
# PATH, else PREFIX/bin when this is PREFIX/share/trail/pipelines (make install), else
# .build/release) and checks every TOOL is there, or exits 2 saying so.
require_tools() {
    local script=$1 tool
    shift
    if [ -z "${TRAIL_BIN:-}" ]; then
        if command -v "$1" >/dev/null 2>&1; then
            TRAIL_BIN=$(dirname "$(command -v "$1")")
        elif [ -x "$here/../../../bin/$1" ]; then
            TRAIL_BIN=$(cd "$here/../../../bin" && pwd)
        else
            TRAIL_BIN=$here/../.build/release
        fi
    fi
    for tool in "$@"; do
        [ -x "$TRAIL_BIN/$tool" ] || { echo "$script: $TRAIL_BIN/$tool not found; run 'make release' or set TRAIL_BIN" >&2; exit 2; }
    done
}

rule_args=()
IFS=: read -r -a rule_paths <<<"$TRAIL_RULES"
for path in "${rule_paths[@]}"; do rule_args+=(--rules "$path"); done
IFS=: read -r -a filter_paths <<<"$TRAIL_FILTERS"
for path in "${filter_paths[@]}"; do rule_args+=(--filters "$path"); done
read -r -a sources <<<"$TRAIL_SOURCES"
read -r -a enrich_args <<<"$TRAIL_ENRICH"
# The business-hours specification has spaces: it is one argument, not split like the others.
if [ -n "$TRAIL_BUSINESS_HOURS" ]; then enrich_args+=(--business-hours "$TRAIL_BUSINESS_HOURS"); fi
if [ -n "$TRAIL_HOLIDAYS" ]; then enrich_args+=(--holidays "$TRAIL_HOLIDAYS"); fi
