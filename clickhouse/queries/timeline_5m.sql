-- Requests, server errors and classified lines per 5-minute bucket, all servers.
SELECT
    toStartOfFiveMinutes(ts) AS bucket,
    countIf(kind = 'access') AS requests,
    countIf(status BETWEEN 500 AND 599) AS `5xx`,
    countIf(notEmpty(classes) AND NOT has(classes, 'dummy')) AS classified,
    uniqExact(host) AS hosts
FROM alf.events
GROUP BY bucket
ORDER BY bucket
