-- Each signature: its lines, clients, servers and span.
SELECT
    signature,
    count() AS lines,
    uniqExact(client) AS clients,
    uniqExact(host) AS hosts,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM alf.events
ARRAY JOIN signatures AS signature
GROUP BY signature
ORDER BY lines DESC, signature ASC
