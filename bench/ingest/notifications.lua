-- wrk script of the ingest benchmark: each request is an Alertmanager notification (version 4)
-- of one group with two firing alerts of distinct fingerprints, cycling through the alert names
-- the shipped runbooks match (consumer lag, under-replicated partitions, disk usage) over three
-- clusters and twenty consumer groups. Prints one JSON line with the figures at the end.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local counter = 0
local token = os.getenv("FIREBREAK_BENCH_TOKEN") or "none"
local names = { "KafkaConsumerGroupLagHigh", "KafkaUnderReplicatedPartitions", "KafkaBrokerDiskUsageHigh" }

local function alert(fingerprint, name, cluster, group, n)
  return '{"status":"firing","labels":{"alertname":"' .. name .. '","cluster":"' .. cluster ..
    '","consumergroup":"' .. group .. '","topic":"orders","partition":"' .. n ..
    '","severity":"warning","instance":"kafka-exporter:9308","job":"kafka"},' ..
    '"annotations":{"summary":"' .. name .. ' on ' .. cluster .. '","description":"Above its threshold for 5 minutes"},' ..
    '"startsAt":"2026-03-02T09:14:05.482913443Z","endsAt":"0001-01-01T00:00:00Z",' ..
    '"generatorURL":"http://prometheus:9090/graph?g0.expr=x","fingerprint":"' .. fingerprint .. '"}'
end

request = function()
  counter = counter + 1
  local name = names[(counter % 3) + 1]
  local cluster = "prod-" .. (counter % 3)
  local group = "group-" .. (counter % 20)
  local a = alert(string.format("%02x%014x", tid, counter * 2), name, cluster, group, counter * 2)
  local b = alert(string.format("%02x%014x", tid, counter * 2 + 1), name, cluster, group, counter * 2 + 1)
  local body = '{"version":"4","groupKey":"{}:{alertname=\\"' .. name .. '\\",cluster=\\"' .. cluster ..
    '\\"}","status":"firing","receiver":"firebreak","groupLabels":{"alertname":"' .. name ..
    '","cluster":"' .. cluster .. '"},"commonLabels":{"alertname":"' .. name .. '","cluster":"' .. cluster ..
    '"},"commonAnnotations":{},"externalURL":"http://alertmanager:9093","truncatedAlerts":0,"alerts":[' ..
    a .. ',' .. b .. ']}'
  return wrk.format("POST", "/api/v1/alerts",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"socketErrors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
