-- Each per-line class: its lines, first and last seen, and its first
-- success (the first of its access-log lines answered 2xx).
SELECT
    class,
    count() AS lines,
    uniqExact(host) AS hosts,
    uniqExact(client) AS clients,
    min(ts) AS first_seen,
    max(ts) AS last_seen,
    minIfOrNull(ts, status BETWEEN 200 AND 299) AS first_success
FROM alf.events
ARRAY JOIN classes AS class
GROUP BY class
ORDER BY lines DESC, class ASC
