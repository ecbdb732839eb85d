#!/usr/bin/env bash
# Installs the consumer lag exporter (kafka-overwatch, from PyPI, every package pinned in
# requirements.txt) into a project-local virtualenv, .cache/lag-exporter/venv. Idempotent: does
# nothing when the virtualenv already holds exactly these requirements. Needs python3 with the
# venv module (scripts/ci-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.cache/lag-exporter/venv
requirements=scripts/lag-exporter/requirements.txt
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ -x "$venv/bin/kafka-overwatch" ] && [ -f "$venv/pyvenv.cfg" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "lag-exporter: installing kafka-overwatch into $venv (about a minute, once)" >&2
mkdir -p "$(dirname "$venv")"
python3 -m venv --clear "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
echo "$want" > "$stamp"
