#!/usr/bin/env python3
"""The trail pipeline as an Apache Spark job, for backfills and history too big for one machine.

    spark-submit pipelines/spark.py [--rules DIR] [--filters DIR] [--enrich 'ARGS'] [--match 'ARGS']
        [--partitions N] [--events-out DIR] --out DIR SOURCES...

SOURCES as trail-fetch takes them (s3://, oss://, folders). The driver lists the trail's objects
(`trail-fetch --list`) and spreads them, in key order, over N partitions of about equal size.
Each task pipes its objects through trail-fetch | trail-flatten | trail-enrich | trail-match
--detections-only: single-event alerts are written by the task itself, and only the events that
feed correlations come back to Spark, keyed by correlation group. A shuffle brings each group to
one task, where trail-match --correlations-only correlates it in event-time order. The pipes are
Spark SQL's script transformation (TRANSFORM ... USING), which feeds and reads the processes in
the JVM: RDD.pipe would pass every fed line through Python, at half the job's speed.
The alerts equal those of one run over the whole trail on one machine (docs/spark.md).

Output, under --out: part-NNNNN.ndjson (the detections of input partition N) and
correlations-HASH.ndjson (one per shuffle partition that raised any; named for its alerts),
alert lines only. Each is written to a hidden temporary name and
renamed when its task succeeds, so a retried or speculative task writes it once. --events-out
DIR keeps the enriched events as NDJSON (part-NNNNN.ndjson), for Spark SQL or DuckDB.

The trail-* tools are found in TRAIL_BIN, else on the nodes' PATH. --out (and --events-out)
must be a folder every node sees (local mode: any folder).
"""
import argparse
import glob
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Stage 1, one task per input partition: its first line is "#part N", then one object a line.
# Arguments: driver's folder, tools folder ("" for PATH), --out, --events-out ("" for none),
# then trail-enrich's arguments, "--", trail-match's.
DETECT = r'''
set -u -o pipefail
cd "$1" 2>/dev/null || true
bin=${2:+$2/} out=$3 events_out=$4
shift 4
enrich=()
while [ "$1" != -- ]; do enrich+=("$1"); shift; done
shift
IFS= read -r header || exit 0
part=${header#\#part }
name=$(printf 'part-%05d.ndjson' "$part")
tmp="$out/.$name.$$.tmp"
# The stages, written out twice: each status must be seen (a killed fetch may leave the later
# stages a clean end of input). `tee` costs a copy of every event: only with --events-out.
if [ -n "$events_out" ]; then
  "${bin}trail-fetch" --quiet --sources-from - | "${bin}trail-flatten" | "${bin}trail-enrich" "${enrich[@]}" \
    | tee "$events_out/.$name.$$.tmp" \
    | "${bin}trail-match" "$@" --detections-only --feed /dev/fd/3 --part "$part" 3>&1 >"$tmp"
  status=("${PIPESTATUS[@]}")
else
  "${bin}trail-fetch" --quiet --sources-from - | "${bin}trail-flatten" | "${bin}trail-enrich" "${enrich[@]}" \
    | "${bin}trail-match" "$@" --detections-only --feed /dev/fd/3 --part "$part" 3>&1 >"$tmp"
  status=("${PIPESTATUS[@]}")
fi
for code in "${status[@]}"; do
  # 1: some input was bad, reported on stderr and skipped; anything else fails the task.
  if [ "$code" != 0 ] && [ "$code" != 1 ]; then
    echo "trail spark: part $part: a stage failed (exit statuses ${status[*]}); the task fails and Spark retries it" >&2
    rm -f "$tmp" "$events_out/.$name.$$.tmp"
    exit 1
  fi
done
if [ -n "$events_out" ]; then mv -f "$events_out/.$name.$$.tmp" "$events_out/$name"; fi
mv -f "$tmp" "$out/$name"
'''

# Stage 2, one task per shuffle partition: feed lines of whole groups. Arguments: driver's
# folder, tools folder, --out, then trail-match's. The file is named for its alerts, so that a
# task run again (its input may come in another order) writes the same file; none when empty.
CORRELATE = r'''
set -u -o pipefail
cd "$1" 2>/dev/null || true
bin=${2:+$2/} out=$3
shift 3
tmp="$out/.correlations.$$.$RANDOM.tmp"
"${bin}trail-match" "$@" --correlations-only >"$tmp"
code=$?
if [ "$code" != 0 ] && [ "$code" != 1 ]; then rm -f "$tmp"; exit 1; fi
if [ ! -s "$tmp" ]; then rm -f "$tmp"; exit 0; fi
sum=$(LC_ALL=C sort "$tmp" | md5sum) || exit 1
mv -f "$tmp" "$out/correlations-${sum:0:16}.ndjson"
'''


class Usage(argparse.ArgumentParser):
    """Usage errors exit 64, as the trail tools' do."""

    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"spark.py: {message}", file=sys.stderr)
        sys.exit(64)


def parse_args(argv):
    p = Usage(prog="spark.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--rules", action="append", default=None, help="rule file or folder (repeatable) [rules/ beside pipelines/]")
    p.add_argument("--filters", action="append", default=None, help="Sigma filters, a site's exceptions (repeatable) [pipelines/exceptions]")
    p.add_argument("--enrich", default="", help="trail-enrich's arguments, split as a shell splits them")
    p.add_argument("--match", default="", help="more trail-match arguments (--tune ...), split as a shell splits them")
    p.add_argument("--fetch", default="", help="trail-fetch arguments for the listing (--account, --region, --since, --endpoint ...)")
    p.add_argument("--partitions", type=int, default=0, help="input partitions [twice Spark's default parallelism]")
    p.add_argument("--events-out", help="also keep the enriched events as NDJSON in this folder")
    p.add_argument("--master", help="Spark master when not run by spark-submit, e.g. 'local[*]'")
    p.add_argument("--out", required=True, help="folder for the alert files")
    p.add_argument("sources", nargs="+", help="s3://bucket/prefix, oss://bucket/prefix, folders")
    args = p.parse_args(argv)
    if args.partitions < 0:
        p.error("--partitions must be at least 1")
    for name in ("enrich", "match", "fetch"):
        try:
            setattr(args, name, shlex.split(getattr(args, name)))
        except ValueError as e:
            p.error(f"--{name}: {e}")
    if args.rules is None:
        args.rules = [os.path.join(HERE, "..", "rules")] if os.path.isdir(os.path.join(HERE, "..", "rules")) else []
    if args.filters is None:
        args.filters = [os.path.join(HERE, "exceptions")] if os.path.isdir(os.path.join(HERE, "exceptions")) else []
    return args


def tool(bin_dir, name):
    return os.path.join(bin_dir, name) if bin_dir else name


def list_objects(bin_dir, fetch_args, sources):
    """The trail's objects in key order, as trail-fetch --list prints them."""
    run = subprocess.run([tool(bin_dir, "trail-fetch"), "--list", "--quiet", *fetch_args, *sources],
                         stdout=subprocess.PIPE, check=False)
    if run.returncode not in (0, 1):
        print(f"spark.py: trail-fetch --list failed (exit status {run.returncode}); nothing was run", file=sys.stderr)
        sys.exit(2)
    return [json.loads(line) for line in run.stdout.splitlines() if line.strip()]


def split(objects, n):
    """Contiguous runs of objects (key order kept) of about equal total size, at most n."""
    total = sum(max(o.get("size", 0), 1) for o in objects)
    parts, current, size = [], [], 0
    for o in objects:
        current.append(o["uri"])
        size += max(o.get("size", 0), 1)
        if size >= total * (len(parts) + 1) / n and len(parts) < n - 1:
            parts.append(current)
            current = []
    if current:
        parts.append(current)
    return [[f"#part {i}", *uris] for i, uris in enumerate(parts)]


# How script transformation writes rows to a process and reads its output: tab-separated, as
# the fed lines are (key, tab, JSON line).
TABS = r"ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' LINES TERMINATED BY '\n'"


def sql_string(text):
    """A Spark SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def reducer_keys(spark, n):
    """One key per shuffle partition: repartition(n, key) puts the k-th in partition k."""
    found = {}
    for row in spark.sql(f"SELECT concat('*', id) AS k, pmod(hash(concat('*', id)), {n}) AS b FROM range({64 * n + 64})").collect():
        found.setdefault(row.b, row.k)
    if len(found) < n:
        sys.exit(f"spark.py: no key found for every one of {n} partitions")
    return [found[b] for b in range(n)]


def prepare(folder):
    """Makes the folder and removes the alert files of an earlier run (theirs only)."""
    os.makedirs(folder, exist_ok=True)
    for pattern in ("part-*.ndjson", "correlations-*.ndjson", ".*.tmp"):
        for path in glob.glob(os.path.join(folder, pattern)):
            os.remove(path)


def main(argv):
    args = parse_args(argv)
    from pyspark.sql import SparkSession

    bin_dir = os.environ.get("TRAIL_BIN", "")
    builder = (SparkSession.builder.appName("trail")
               # The scripts are shell: ${...} is theirs, not a SQL variable to substitute.
               .config("spark.sql.variable.substitute", "false")
               .config("spark.sql.adaptive.enabled", "false"))
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    sc.setLogLevel("WARN")
    out = os.path.abspath(args.out)
    events_out = os.path.abspath(args.events_out) if args.events_out else ""
    prepare(out)
    if events_out:
        prepare(events_out)

    objects = list_objects(bin_dir, args.fetch, args.sources)
    n = args.partitions or max(1, 2 * sc.defaultParallelism)
    parts = split(objects, n)
    match = [a for r in args.rules for a in ("--rules", r)] + [a for f in args.filters for a in ("--filters", f)] + args.match
    here = os.getcwd()
    detect = shlex.join(["bash", "-c", DETECT, "trail-spark", here, bin_dir, out, events_out, *args.enrich, "--", *match])
    correlate = shlex.join(["bash", "-c", CORRELATE, "trail-spark", here, bin_dir, out, *match])

    reducers = max(1, len(parts))
    # The tasks' processes are fed and read by Spark SQL's script transformation, in the JVM:
    # no event, fed line or alert passes through Python.
    objects_df = spark.createDataFrame(sc.parallelize(parts, reducers).flatMap(lambda part: part).map(lambda uri: (uri,)), "value string")
    objects_df.createOrReplaceTempView("trail_objects")
    feed = spark.sql(f"SELECT TRANSFORM(value) {TABS} USING {sql_string(detect)} AS (key STRING, line STRING) {TABS} FROM trail_objects")
    # A part's newest event time goes to every reducer (windows close on the whole stream's):
    # one key per reducer stands in for "*".
    everywhere = ", ".join(sql_string(k) for k in reducer_keys(spark, reducers))
    feed.createOrReplaceTempView("trail_feed")
    keyed = spark.sql(f"SELECT explode(IF(key = '*', array({everywhere}), array(key))) AS key, line FROM trail_feed").repartition(reducers, "key")
    keyed.createOrReplaceTempView("trail_groups")
    spark.sql(f"SELECT TRANSFORM(key, line) {TABS} USING {sql_string(correlate)} AS (out STRING) {TABS} FROM trail_groups") \
        .write.format("noop").mode("overwrite").save()

    for folder in filter(None, (out, events_out)):
        for path in glob.glob(os.path.join(folder, ".*.tmp")):
            os.remove(path)
    files = len(glob.glob(os.path.join(out, "*.ndjson")))
    print(f"spark.py: {len(objects)} objects in {len(parts)} partitions; alerts in {files} files under {out}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
