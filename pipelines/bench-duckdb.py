#!/usr/bin/env python3
"""make bench's DuckDB baseline for the job "gzip trail -> alerts": reads every CloudTrail file
of the corpus with DuckDB's JSON reader, one row per event, then runs the bench's small rule set
(the SigmaHQ-style rules with regular expressions and the noisy AssumeRole rule, written as the
SQL pySigma's backends make of them: JSON paths, regexp_matches, equality) and writes one JSON
line per alert ({"rule": title, "e": event}) to OUT.

usage: bench-duckdb.py FILE_LIST OUT   (FILE_LIST: one .json.gz path a line)
"""
import sys

import duckdb

# The rules of Tests/TrailMatchTests/SigmaHQStyle/*_re.yml and pipelines/bench-rules, as SQL.
RULES = {
    "AWS Credentials Of An AWS Service Role Session Used":
        "regexp_matches(e->>'$.userIdentity.arn', '.+:assumed-role/aws:.+')",
    "AWS API Called From A Penetration-Testing Distribution":
        "regexp_matches(e->>'$.userAgent', '(?i)(kali|parrot|pentoo|blackarch)')",
    "AWS IAM Policy Granting Every Action":
        "e->>'$.eventSource' = 'iam.amazonaws.com' AND e->>'$.eventName' IN "
        "('PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy', 'CreatePolicy', 'CreatePolicyVersion') "
        "AND regexp_matches(e->>'$.requestParameters.policyDocument', '\"Action\"\\s*:\\s*(\\[\\s*)?\"\\*\"')",
    "AWS Root Account ARN In Use":
        "regexp_matches(e->>'$.userIdentity.arn', '^arn:aws:iam::\\d{12}:root$')",
    "AWS API Called With An Outdated Boto3":
        "regexp_matches(e->>'$.userAgent', '^Boto3/1\\.2[0-9]\\.\\d+ ')",
    "AWS STS AssumeRole Misuse":
        "lower(e->>'$.userIdentity.type') = 'assumedrole' "
        "AND lower(e->>'$.userIdentity.sessionContext.sessionIssuer.type') = 'role'",
}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench-duckdb.py FILE_LIST OUT")
    files = [line for line in open(sys.argv[1]).read().splitlines() if line]
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    # One row per event: the Records of each file, unnested.
    con.execute("CREATE TABLE events AS SELECT unnest(json_extract(json, '$.Records[*]')) AS e "
                "FROM read_json_objects(?, format = 'unstructured', compression = 'gzip')", [files])
    union = " UNION ALL ".join(
        f"SELECT '{title}' AS rule, e FROM events WHERE {condition}" for title, condition in RULES.items())
    con.execute(f"COPY ({union}) TO '{sys.argv[2]}' (FORMAT json)")


if __name__ == "__main__":
    main()
