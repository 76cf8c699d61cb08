#!/usr/bin/env bash
# Deploys the whole system to a local kind cluster with Pulumi:
#   1. checks every prerequisite and names all that are missing at once
#   2. builds the TypeScript (the Pulumi program and the services)
#   3. selects or creates the stack (local file backend in .pulumi/)
#   4. creates the kind cluster with the stack's NodePorts published on 127.0.0.1
#      (or checks an existing cluster publishes them)
#   5. checks the node has room for the stack's requests (CAPACITY_CHECK=off skips it)
#   6. `pulumi up --refresh`: builds the images, loads them into kind, deploys, waits
#   7. prints the stack outputs (URLs of order, payment, inventory, Kafka UI, Dozzle)
# Settings: KIND_CLUSTER (orders), PULUMI_STACK (dev), PULUMI_CONFIG_PASSPHRASE, CAPACITY_CHECK.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=kind-up
CLUSTER="${KIND_CLUSTER:-orders}"
STACK="${PULUMI_STACK:-dev}"
# shellcheck source=lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"

need docker "Docker Engine or Docker Desktop, https://docs.docker.com/get-docker/"
need_docker_daemon
need kind "kind 0.24 or newer, https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need pulumi "Pulumi CLI 3.150 or newer, https://www.pulumi.com/docs/install/"
need_node
check_prerequisites

build_program
use_stack "$STACK"
cd "$ROOT"
pulumi config set clusterFlavour kind --stack "$STACK"
pulumi config set kindClusterName "$CLUSTER" --stack "$STACK"

mkdir -p .cache/kind
pulumi config --json --stack "$STACK" >.cache/kind/stack-config.json
node pulumi/dist/src/cli/kind-config.js yaml <.cache/kind/stack-config.json >.cache/kind/cluster.yaml
if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  echo "$SCRIPT: creating kind cluster '$CLUSTER' (NodePorts on 127.0.0.1, .cache/kind/cluster.yaml)"
  kind create cluster --name "$CLUSTER" --config .cache/kind/cluster.yaml --wait 180s
else
  docker port "$CLUSTER-control-plane" >.cache/kind/published-ports.txt
  if ! node pulumi/dist/src/cli/kind-config.js verify .cache/kind/published-ports.txt <.cache/kind/stack-config.json >&2; then
    echo "$SCRIPT: the existing cluster '$CLUSTER' does not publish the stack's NodePorts on 127.0.0.1;" >&2
    echo "  kind cannot change that on a running cluster: scripts/kind-down.sh, then scripts/kind-up.sh again" >&2
    exit 1
  fi
fi

# The node's own kubectl: kind-up needs none on this machine.
docker exec "$CLUSTER-control-plane" kubectl --kubeconfig /etc/kubernetes/admin.conf \
  get nodes,pods --all-namespaces -o json >.cache/kind/nodes-and-pods.json
check_capacity .cache/kind/stack-config.json .cache/kind/nodes-and-pods.json

# --refresh: after `kind delete cluster` the state still lists everything; refresh finds it gone.
pulumi up --yes --refresh --stack "$STACK"
pulumi stack output --stack "$STACK"
