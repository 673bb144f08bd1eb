-- Rows by server and kind, with their time span.
SELECT
    host,
    kind,
    count() AS lines,
    countIf(notEmpty(classes)) AS classified,
    sum(bytes) AS bytes,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM alf.events
GROUP BY host, kind
ORDER BY host, kind
