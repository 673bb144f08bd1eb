-- The busiest clients over every server: requests, errors, bytes, span.
SELECT
    client,
    count() AS requests,
    countIf(status BETWEEN 400 AND 499) AS `4xx`,
    countIf(status BETWEEN 500 AND 599) AS `5xx`,
    sum(bytes) AS bytes,
    uniqExact(host) AS hosts,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM alf.events
WHERE kind = 'access'
GROUP BY client
ORDER BY requests DESC, client ASC
LIMIT 100
