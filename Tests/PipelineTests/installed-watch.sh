#!/usr/bin/env bash
# A new user's first hour, as a test: from a clean clone's files, with an empty HOME and only
# /usr/bin:/bin on PATH (no Swift toolchain), `make install PREFIX=…` (TOOLS_FROM: the tools
# built already, so the test does not build them again), a config for an S3 server on loopback
# (moto) holding a small trail, and the installed trail-watch run twice under `env -i`: every
# alert a reference run raises arrives once, the second run adds none.
#
#   installed-watch.sh BIN    BIN: the folder of the built trail-* executables
#
# Needs moto_server, python3 with boto3 (make test-deps) and jq on PATH. Prints one summary line;
# exit status 0 only when every check passed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:?usage: installed-watch.sh BIN}" && pwd)
work=$(mktemp -d)
moto=
cleanup() {
    # SIGTERM, then SIGKILL: a test runner may start this script with SIGTERM blocked.
    if [ -n "$moto" ]; then
        kill "$moto" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$moto" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$moto" 2>/dev/null || true
        wait "$moto" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "installed-watch.sh: $1" >&2; exit 1; }
step() { echo "installed-watch.sh: $(date +%T) $1" >&2; }
minimal=(env -i PATH=/usr/bin:/bin HOME="$work/home")
mkdir -p "$work/home" "$work/clone"

step "copying the clone"
# A clean clone's files: what git tracks and new files it does not ignore (no .build).
(cd "$root" && git ls-files --cached --others --exclude-standard | while IFS= read -r f; do [ -e "$f" ] && printf '%s\0' "$f"; done) \
    | (cd "$root" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$work/clone"
step "make install"
if "${minimal[@]}" sh -c 'command -v swift' >/dev/null; then fail "swift is on the minimal PATH"; fi
"${minimal[@]}" make -C "$work/clone" install PREFIX="$work/prefix" TOOLS_FROM="$bin" >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "make install failed"; }
watch=$work/prefix/bin/trail-watch
[ "$("${minimal[@]}" "$watch" --version)" = "$("$bin/trail-fetch" --version)" ] || fail "trail-watch --version"

step "moto"
# The trail, in a bucket of a moto S3 server on loopback.
"$bin/trail-synth" --out "$work/trail" --events 300 --accounts 1 --regions us-east-1 \
    --start 2026-11-16 --days 2 --seed 5 --scenarios all --scenario-rate 0.6 2>/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
python3 - "$port" "$work/trail" <<'PY' || fail "upload to moto failed: $(tail -3 "$work/moto.log")"
import os, sys, time, boto3
port, folder = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                  aws_access_key_id="AKIDTRAILTEST", aws_secret_access_key="trail-test-secret")
for attempt in range(200):
    try:
        s3.create_bucket(Bucket="trail")
        break
    except Exception:
        time.sleep(0.1)
for base, _, names in os.walk(folder):
    for name in names:
        path = os.path.join(base, name)
        with open(path, "rb") as f:
            s3.put_object(Bucket="trail", Key=os.path.relpath(path, folder), Body=f.read())
PY

cat >"$work/watch.conf" <<CONF
# written by installed-watch.sh
TRAIL_SOURCES=s3://trail/AWSLogs/
TRAIL_FETCH=--endpoint http://127.0.0.1:$port
AWS_ACCESS_KEY_ID=AKIDTRAILTEST
AWS_SECRET_ACCESS_KEY="trail-test-secret"
AWS_REGION=us-east-1
TRAIL_NOTIFY='--to file://$work/alerts.ndjson'
CONF
step "two runs"
for run in 1 2; do
    "${minimal[@]}" "$watch" --config "$work/watch.conf" >"$work/run$run.out" 2>"$work/run$run.err" \
        || { cat "$work/run$run.err" >&2; fail "run $run of the installed trail-watch failed"; }
done
grep -q " 0 alerts, 0 delivered" "$work/run2.err" || fail "the second run delivered again: $(cat "$work/run2.err")"
if grep -rq "trail-test-secret" "$work"/run*.err "$work"/run*.out; then fail "a run printed the secret key"; fi
[ -e "$work/home/.local/state/trail/fetch-state.json" ] || fail "the state is not in ~/.local/state/trail"

# The reference: the same trail from a folder, one run, its own state.
printf 'TRAIL_SOURCES=%s\nSTATE_DIR=%s\nTRAIL_NOTIFY=--to file://%s\n' "$work/trail" "$work/reference-state" "$work/reference.ndjson" >"$work/reference.conf"
"${minimal[@]}" "$watch" --config "$work/reference.conf" 2>"$work/reference.err" || { cat "$work/reference.err" >&2; fail "the reference run failed"; }
expected=$(jq -r .notify.id "$work/reference.ndjson" | sort)
delivered=$(jq -r .notify.id "$work/alerts.ndjson" | sort)
count=$(echo "$expected" | grep -c .)
[ "$count" -gt 10 ] || fail "the reference raised only $count alerts"
[ "$delivered" = "$expected" ] || fail "delivered $(echo "$delivered" | grep -c .) alerts ($(echo "$delivered" | sort -u | grep -c .) distinct), expected $count"
echo "installed-watch.sh: $count alerts, each once, over two runs of the installed trail-watch from moto S3"
