"""Runs kafka-overwatch, the consumer lag exporter, with its /metrics endpoint on a chosen address.

kafka-overwatch 0.5.0 serves Prometheus metrics on port 8000 of every interface, a number fixed
in its code (overwatch.py: start_http_server(8000)). Two exporters, or a test run next to
another, would collide on it. This launcher changes only that: it wraps prometheus_client's
start_http_server to bind the address given with --listen. It also keeps kafka-overwatch's
optional AWS CodeGuru profiler from loading, which would try to reach AWS at start.

Usage: run.py --listen 127.0.0.1:9308 -c overwatch.yaml
"""
import argparse
import sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--listen", required=True, help="host:port to serve /metrics on")
args, rest = parser.parse_known_args()
host, _, port = args.listen.rpartition(":")

from kafka_overwatch import cli  # noqa: E402

# No profiler: kafka-overwatch would start it unconditionally.
cli.profiling_setup = lambda: None

_set_prometheus_env_vars = cli.set_prometheus_env_vars


def set_prometheus_env_vars():
    # prometheus_client must be imported only after kafka-overwatch chose its multiprocess
    # directory: the client reads it when it is first imported.
    directory = _set_prometheus_env_vars()
    import prometheus_client

    start = prometheus_client.start_http_server

    def start_http_server(_port, addr="0.0.0.0", registry=prometheus_client.REGISTRY):
        return start(int(port), addr=host, registry=registry)

    prometheus_client.start_http_server = start_http_server
    return directory


cli.set_prometheus_env_vars = set_prometheus_env_vars

from kafka_overwatch.overwatch_resources import groups  # noqa: E402

_fetch_set_lag = groups.ConsumerGroup.fetch_set_lag


def fetch_set_lag(self, topic_name=None):
    lag = _fetch_set_lag(self)
    for topic, partitions in self.topic_offsets.items():
        # Left out although every partition has a committed offset: the lag summed to 0.
        if topic.name not in lag and partitions and all(p.offset >= 0 for p in partitions):
            lag[topic.name] = {"total": 0, "partitions": [(p.partition, 0) for p in partitions]}
    self._lag = lag
    if topic_name is not None:
        return lag.get(topic_name)
    return lag


groups.ConsumerGroup.fetch_set_lag = fetch_set_lag
sys.argv = [sys.argv[0], *rest]
sys.exit(cli.main())
