#!/usr/bin/env bash
# Every ```sh block of README.md, ARCHITECTURE.md and docs/*.md, run as a reader would run it, as rustdoc runs
# a crate's examples: each block alone in a new temporary folder that holds copies of `rules`, `pipelines`
# and `docs` of the repository (the examples are written from the repository's root),
# with the tools installed (make install TOOLS_FROM=BIN into a temporary PREFIX, trail-watch
# too) first on PATH, an empty HOME, under `set -e`, 120 seconds at most. Blocks that
# need a real cloud account or a secret are ```text, and are not run.
#
#   doc-examples.sh BIN [FILE...]   BIN: the folder of the built trail-* executables
#
# Prints one line per failed block (file:line, status, the end of its output) and a closing
# "N blocks passed, N failed" line; exit status 0 only when every block passed.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "${1:?usage: doc-examples.sh BIN [FILE...]}" && pwd)
shift
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$root/README.md" "$root/ARCHITECTURE.md" "$root"/docs/*.md)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make -s -C "$root" install PREFIX="$work/prefix" TOOLS_FROM="$bin" >/dev/null || exit 2
passed=0 failed=0
for file in "${files[@]}"; do
    # Each block as BLOCK-LINE files: the line of its opening fence, then its text.
    rm -rf "$work/blocks" && mkdir "$work/blocks"
    awk -v out="$work/blocks" '
        /^```sh[[:space:]]*$/ && !inside { inside = 1; name = out "/" NR; printf "" > name; next }
        /^```/ && inside { inside = 0; close(name); next }
        inside { print >> name }' "$file"
    for block in $(ls "$work/blocks" | sort -n); do
        dir=$work/run && rm -rf "$dir" && mkdir -p "$dir/home"
        # Copies, not links: an example that writes there must not change the repository.
        cp -R "$root/rules" "$root/pipelines" "$root/docs" "$dir/"
        (cd "$dir" && HOME="$dir/home" PATH="$work/prefix/bin:$PATH" timeout 120 \
            bash -c "set -e; $(cat "$work/blocks/$block")" </dev/null >"$work/out" 2>&1)
        status=$?
        if [ $status = 0 ]; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "${file#"$root"/}:$block: exit status $status: $(tail -c 400 "$work/out" | tr '\n' ' ')"
        fi
    done
done
echo "$passed blocks passed, $failed failed"
[ $failed = 0 ]
