-- What the proxy requests asked for, and what became of them.
SELECT
    proxy_target AS target,
    count() AS requests,
    countIf(proxy_outcome = 'tunnelled') AS tunnelled,
    countIf(proxy_outcome = 'attempted') AS attempted,
    countIf(proxy_outcome = 'refused') AS refused,
    sum(bytes) AS bytes,
    uniqExact(client) AS clients,
    uniqExact(host) AS hosts
FROM alf.events
WHERE proxy_outcome IS NOT NULL
GROUP BY target
ORDER BY requests DESC, target ASC
