#!/usr/bin/env bash
# Installs the system packages the test suite needs on a fresh Debian machine. Idempotent: installs
# only what is missing. Run as root (CI) or with sudo.
#
# One line per requirement: "<command that must work>|<Debian package that provides it>".
# Add new requirements as new lines.
set -euo pipefail

requirements=(
  "java -version 2>&1 | grep -Eq 'version \"(1[7-9]|[2-9][0-9])'|openjdk-17-jre-headless"  # Kafka brokers
  "command -v mvn|maven"                                                                  # Kafka jars
  "command -v npm|npm"
  "command -v promtool|prometheus"                                                        # alert rule tests (promtool), prometheus.query tests
  "command -v prometheus-alertmanager|prometheus-alertmanager"                            # webhook end-to-end tests
  "command -v prometheus|prometheus"                                                      # prometheus.query integration tests (a real server)
  "python3 -c 'import venv, ensurepip'|python3-venv"                                      # consumer lag exporter (scripts/lag-exporter/install.sh)
  "ls /usr/lib/postgresql/*/bin/initdb|postgresql"                                        # PostgreSQL store tests (a private server per run)
  "test -x /usr/bin/chromium|chromium"                                                      # console browser tests (headless, driven by puppeteer-core)
  "command -v haproxy|haproxy"                                                            # the compose setup's load balancer config (scripts/compose-check.sh)
)

need=()
for line in "${requirements[@]}"; do
  check="${line%|*}"
  package="${line##*|}"
  bash -c "$check" >/dev/null 2>&1 || need+=("$package")
done

if [ ${#need[@]} -gt 0 ]; then
  echo "ci-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The tests start their own PostgreSQL server: the package needs no cluster or service of its own.
  if [[ " ${need[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
fi
