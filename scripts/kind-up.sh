#!/usr/bin/env bash
# Deploys the whole system to a local kind cluster with Pulumi:
#   1. creates the kind cluster from kind/cluster.yaml if it does not exist
#   2. builds the TypeScript (the Pulumi program and the services)
#   3. uses Pulumi's local file backend (.pulumi/, git-ignored) and selects or creates the stack
#   4. `pulumi up --yes`: builds the three images, loads them into kind, deploys, waits
#   5. prints the stack outputs (URLs of order, payment, inventory, Kafka UI, Dozzle)
# Needs docker, kind, pulumi, node >= 22 and npm. Settings: KIND_CLUSTER (orders),
# PULUMI_STACK (dev), PULUMI_CONFIG_PASSPHRASE (encrypts the stack's secrets).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLUSTER="${KIND_CLUSTER:-orders}"
STACK="${PULUMI_STACK:-dev}"

for tool in docker kind pulumi node npm; do
  command -v "$tool" >/dev/null || { echo "kind-up: '$tool' is required but not installed" >&2; exit 1; }
done

if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  echo "kind-up: creating kind cluster '$CLUSTER'"
  kind create cluster --name "$CLUSTER" --config kind/cluster.yaml --wait 180s
fi

[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run build

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$ROOT/.pulumi}"
mkdir -p "$ROOT/.pulumi"
if [[ -z "${PULUMI_CONFIG_PASSPHRASE+x}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  echo "kind-up: PULUMI_CONFIG_PASSPHRASE is not set; using an empty passphrase for this local stack" >&2
  export PULUMI_CONFIG_PASSPHRASE=""
fi
pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK"
pulumi config set clusterFlavour kind --stack "$STACK"
pulumi config set kindClusterName "$CLUSTER" --stack "$STACK"

pulumi up --yes --stack "$STACK"
pulumi stack output --stack "$STACK"
