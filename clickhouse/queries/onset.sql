-- Where each class began: per 5-minute bucket, the lines of each class on
-- each server and the network behind most of them; the first bucket of a
-- class is its onset.
SELECT
    class,
    host,
    toStartOfFiveMinutes(ts) AS bucket,
    count() AS lines,
    topK(1)(client_net)[1] AS top_network,
    bucket = min(bucket) OVER (PARTITION BY class, host) AS onset
FROM alf.events
ARRAY JOIN classes AS class
WHERE class != 'dummy'
GROUP BY class, host, bucket
ORDER BY class, host, bucket
