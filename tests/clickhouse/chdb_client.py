#!/usr/bin/env python3
"""A stand-in for clickhouse-client over chDB (ClickHouse's engine in process),
for tests/clickhouse.rs: enough of its command line for clickhouse/load.sh.

  chdb_client.py --multiquery              < statements   (split at `;`)
  chdb_client.py --query 'INSERT INTO T FORMAT F' < data
  chdb_client.py --run-queries DIR         every DIR/*.sql, as one JSON object:
                                           {name: [row, ...]} (JSONEachRow rows)

The database lives in the directory $ALF_CHDB_PATH. An INSERT with its data on
standard input is run as `INSERT INTO T SELECT * FROM file(TMP, F)`: the same
format reader, given a file, since chDB has no standard input to read.
"""
import json
import os
import re
import sys
import tempfile

from chdb import session


def statements(text):
    """The statements of a script: split at `;`, comment lines dropped."""
    body = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def main():
    s = session.Session(os.environ["ALF_CHDB_PATH"])
    args = sys.argv[1:]
    if args[:1] == ["--multiquery"]:
        for q in statements(sys.stdin.read()):
            s.query(q)
    elif args[:1] == ["--query"]:
        q = args[1]
        m = re.fullmatch(r"\s*INSERT INTO (\S+) FORMAT (\w+)\s*", q)
        if not m:
            sys.stdout.write(str(s.query(q, "TabSeparated")))
            return
        with tempfile.NamedTemporaryFile(suffix=".data", delete=False) as f:
            f.write(sys.stdin.buffer.read())
        try:
            s.query(f"INSERT INTO {m[1]} SELECT * FROM file('{f.name}', {m[2]})")
        finally:
            os.unlink(f.name)
    elif args[:1] == ["--run-queries"]:
        out = {}
        d = args[1]
        for name in sorted(os.listdir(d)):
            if name.endswith(".sql"):
                text = open(os.path.join(d, name)).read()
                (q,) = statements(text)
                res = str(s.query(q, "JSONEachRow"))
                out[name[:-4]] = [json.loads(l) for l in res.splitlines() if l.strip()]
        json.dump(out, sys.stdout)
    else:
        sys.exit(f"chdb_client.py: unknown arguments {args}")


main()
