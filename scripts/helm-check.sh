#!/usr/bin/env bash
# Checks the Helm chart (deploy/helm/firebreak) the way CI does: helm lint, then helm template
# with the default values and with every optional part switched on, and a look at what must be
# in the rendered manifests (probes, the PodDisruptionBudget, the PostgreSQL URL from a Secret).
#
# Helm is built from its Go module once per version and kept in a cache directory
# (FIREBREAK_TOOLS_CACHE, default ~/.cache/firebreak-tools); the first build takes several
# minutes of CPU, later runs none.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v4.3.2
cache="${FIREBREAK_TOOLS_CACHE:-$HOME/.cache/firebreak-tools}/helm-$HELM_VERSION"
helm="$cache/helm"
if [ ! -x "$helm" ]; then
  echo "helm-check: building helm $HELM_VERSION (once) into $cache" >&2
  mkdir -p "$cache"
  GOBIN="$cache" go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
fi

chart=deploy/helm/firebreak
"$helm" lint "$chart"
"$helm" lint "$chart" --set postgres.tls.secretName=pg-tls --set postgres.tls.certKey=tls.crt --set postgres.tls.keyKey=tls.key \
  --set runbooks.configMap=runbooks --set 'kafka.brokers={kafka-0:9092,kafka-1:9092}'

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$helm" template firebreak "$chart" > "$out/default.yaml"
"$helm" template firebreak "$chart" --set postgres.tls.secretName=pg-tls --set postgres.tls.certKey=tls.crt --set postgres.tls.keyKey=tls.key \
  --set runbooks.configMap=runbooks --set 'kafka.brokers={kafka-0:9092,kafka-1:9092}' > "$out/full.yaml"

expect() {
  local file="$1" pattern="$2"
  grep -Eq -- "$pattern" "$out/$file" || { echo "helm-check: $file lacks: $pattern" >&2; exit 1; }
}
expect default.yaml '^kind: PodDisruptionBudget$'
expect default.yaml '^kind: Deployment$'
expect default.yaml 'replicas: 3'
expect default.yaml 'path: /readyz'
expect default.yaml 'path: /healthz'
expect default.yaml 'name: FIREBREAK_STORE'
expect default.yaml 'secretKeyRef: \{ name: "firebreak-store", key: "url" \}'
expect default.yaml 'runAsNonRoot: true'
expect full.yaml 'FIREBREAK_POSTGRES_TLS_CA'
expect full.yaml 'value: /etc/firebreak/postgres-tls/tls.key'
expect full.yaml 'value: "kafka-0:9092,kafka-1:9092"'
expect full.yaml 'name: FIREBREAK_RUNBOOKS'
# A chart that renders a secret's value into a manifest would leak it: none may.
if grep -Eq 'postgres://' "$out/default.yaml" "$out/full.yaml"; then echo 'helm-check: a PostgreSQL URL is rendered into a manifest' >&2; exit 1; fi
echo "helm-check: chart OK (helm $HELM_VERSION)"
