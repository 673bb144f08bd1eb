-- alf's rows (`alf export`), from every server, in one table.
--
-- Ordered by day, then client, then time: a time range reads only its days,
-- and one client's rows within a day lie together. The bloom filter skips
-- the granules that cannot hold a client asked for outside the key's order.
-- Columns of few distinct values are LowCardinality, and a column a row may lack
-- is Nullable only where null means something (no status, no byte count).
-- `*_b64` hold the raw bytes of a text column that was not UTF-8 (the text
-- column then has U+FFFD in their place).

CREATE DATABASE IF NOT EXISTS alf;

CREATE TABLE IF NOT EXISTS alf.events
(
    host             LowCardinality(String),
    file             LowCardinality(String),
    line             UInt64,
    kind             LowCardinality(String),            -- access | error
    ts               DateTime64(3, 'UTC'),              -- 1970-01-01 when the line had no time
    client           String,
    client_net       LowCardinality(Nullable(String)),  -- the /24 or /64, null for a non-address
    method           LowCardinality(String),
    path             String,
    status           Nullable(UInt16),
    bytes            Nullable(UInt64),
    duration_us      Nullable(UInt64),
    vhost            LowCardinality(String),
    ua               LowCardinality(String),
    referer          String,
    classes          Array(LowCardinality(String)),
    signatures       Array(LowCardinality(String)),
    proxy_outcome    LowCardinality(Nullable(String)),  -- tunnelled | attempted | refused
    proxy_target     Nullable(String),
    module           LowCardinality(String) DEFAULT '', -- error-log lines only, from here on
    level            LowCardinality(String) DEFAULT '',
    code             LowCardinality(String) DEFAULT '',
    upstream         LowCardinality(Nullable(String)),  -- timeout | refused | other
    host_b64         Nullable(String),
    file_b64         Nullable(String),
    client_b64       Nullable(String),
    method_b64       Nullable(String),
    path_b64         Nullable(String),
    vhost_b64        Nullable(String),
    ua_b64           Nullable(String),
    referer_b64      Nullable(String),
    proxy_target_b64 Nullable(String),
    module_b64       Nullable(String),
    level_b64        Nullable(String),
    code_b64         Nullable(String),
    INDEX client_bf client TYPE bloom_filter GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (toDate(ts), client, ts)
-- Keep half a year: uncomment (or `ALTER TABLE alf.events MODIFY TTL ...`).
-- Old logs loaded later are dropped at their next merge.
-- TTL toDateTime(ts) + INTERVAL 180 DAY
;
