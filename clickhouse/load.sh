#!/bin/sh
# Loads what `alf export` wrote into ClickHouse: ./load.sh FILE...
#
# FILE: NDJSON (any name; .gz and .zst are decompressed on the way) or
# Parquet (.parquet). The table alf.events is created first from schema.sql
# beside this script when it is not there. CLICKHOUSE_CLIENT is the client
# command with its connection options, word-split (default:
# clickhouse-client):
#   CLICKHOUSE_CLIENT='clickhouse-client --host ch1 --user alf' ./load.sh web1-*.ndjson.zst
set -eu
here=$(dirname "$0")
client=${CLICKHOUSE_CLIENT:-clickhouse-client}
# shellcheck disable=SC2086 # the client command carries its options
$client --multiquery < "$here/schema.sql"
for f in "$@"; do
    case $f in
        *.parquet) fmt=Parquet ;;
        *) fmt=JSONEachRow ;;
    esac
    case $f in
        *.gz) gzip -dc -- "$f" ;;
        *.zst) zstd -dc -- "$f" ;;
        *) cat -- "$f" ;;
    esac | $client --query "INSERT INTO alf.events FORMAT $fmt"
    echo "loaded $f" >&2
done
