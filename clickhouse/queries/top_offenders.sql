-- Clients whose lines show a class (Apache's dummy connections aside),
-- across servers: how many servers saw them, and what each class counts.
SELECT
    client,
    uniqExact(host) AS hosts,
    count() AS lines,
    sumMap(arrayMap(c -> c, classes), arrayMap(c -> toUInt64(1), classes)) AS class_lines,
    groupUniqArrayArray(signatures) AS signatures,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM alf.events
WHERE notEmpty(classes) AND NOT has(classes, 'dummy')
GROUP BY client
ORDER BY hosts DESC, lines DESC, client ASC
LIMIT 100
