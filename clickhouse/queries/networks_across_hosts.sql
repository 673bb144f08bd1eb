-- The same /24 (or /64) showing classes on more than one server: one
-- actor spreading its attempts over the fleet.
SELECT
    client_net,
    uniqExact(host) AS hosts,
    groupUniqArray(host) AS host_names,
    uniqExact(client) AS clients,
    count() AS lines,
    groupUniqArrayArray(classes) AS all_classes,
    min(ts) AS first_seen,
    max(ts) AS last_seen
FROM alf.events
WHERE notEmpty(classes) AND NOT has(classes, 'dummy') AND client_net IS NOT NULL
GROUP BY client_net
HAVING hosts > 1
ORDER BY hosts DESC, lines DESC, client_net ASC
