#!/usr/bin/env bash
# Checks the local three-replica setup (deploy/compose) the way CI does, without a Docker engine:
# - compose.yaml is loaded by compose-go, the loader `docker compose` itself uses
#   (scripts/compose-check/main.go): YAML, the Compose schema, interpolation, references between
#   services and volumes;
# - haproxy.cfg with `haproxy -c` (its replicas' names do not resolve here: warnings, not errors);
# - alertmanager.yml with `amtool check-config`.
# Nothing is started: the setup itself is not run in CI (docs/ha.md).
#
# The checker is built from its Go module once per version of its sources and kept in a cache
# directory (FIREBREAK_TOOLS_CACHE, default ~/.cache/firebreak-tools): seconds of CPU the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

src=scripts/compose-check
version="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
cache="${FIREBREAK_TOOLS_CACHE:-$HOME/.cache/firebreak-tools}/compose-check-$version"
checker="$cache/compose-check"
if [ ! -x "$checker" ]; then
  echo "compose-check: building the Compose checker (once) into $cache" >&2
  mkdir -p "$cache"
  go build -C "$src" -buildvcs=false -o "$checker" .
fi

dir=deploy/compose
"$checker" "$dir/compose.yaml"
haproxy -c -f "$dir/haproxy.cfg"
echo "compose-check: $dir/haproxy.cfg OK (haproxy $(haproxy -v | head -1 | awk '{print $3}'))"
amtool check-config "$dir/alertmanager.yml" > /dev/null
echo "compose-check: $dir/alertmanager.yml OK (amtool)"
