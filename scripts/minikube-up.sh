#!/usr/bin/env bash
# Deploys the whole system to minikube with Pulumi:
#   1. checks every prerequisite and names all that are missing at once
#   2. builds; creates the minikube profile with a CNI that enforces NetworkPolicies
#      (MINIKUBE_CNI, calico; MINIKUBE_START_ARGS, default "--memory 6g --cpus 4"), or
#      starts an existing one after checking its CNI does (stops otherwise, unless
#      MINIKUBE_ALLOW_UNENFORCED_POLICIES=1)
#   3. selects or creates the stack (clusterFlavour minikube; metricsServer off when the
#      profile's metrics-server addon serves metrics.k8s.io already), checks the node has
#      room for the stack's requests (CAPACITY_CHECK=off skips it), `pulumi up --refresh`
#   4. prints URLs that work from this machine: the node's NodePorts where the node IP
#      answers (Linux drivers, VM drivers); otherwise (the docker driver on macOS and
#      Windows) forwards each NodePort Service to 127.0.0.1:<nodePort> in the background
#      and prints those (stop them with scripts/minikube-down.sh --forwards-only)
# Settings: MINIKUBE_PROFILE (minikube), PULUMI_STACK (minikube), PULUMI_CONFIG_PASSPHRASE,
# MINIKUBE_FORWARD=always|never|auto (auto), MINIKUBE_CNI, MINIKUBE_START_ARGS, CAPACITY_CHECK.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=minikube-up
PROFILE="${MINIKUBE_PROFILE:-minikube}"
STACK="${PULUMI_STACK:-minikube}"
FORWARD="${MINIKUBE_FORWARD:-auto}"
CNI="${MINIKUBE_CNI:-calico}"
FORWARDS="$ROOT/.cache/minikube/forwards"
# shellcheck source=lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"

need minikube "minikube 1.34 or newer, https://minikube.sigs.k8s.io/docs/start/"
need docker "Docker (builds the images), https://docs.docker.com/get-docker/"
need_docker_daemon
need pulumi "Pulumi CLI 3.150 or newer, https://www.pulumi.com/docs/install/"
need curl "curl (checks which URLs answer)"
need_node
check_prerequisites

build_program
cd "$ROOT"
mkdir -p .cache/minikube
minikube profile list -o json >.cache/minikube/profiles.json 2>/dev/null || echo '{"valid":[]}' >.cache/minikube/profiles.json
# "STATE METRICS_ADDON", or why the profile cannot host the stack (then this stops).
read -r state metrics_addon < <(node pulumi/dist/src/cli/minikube-profile.js "$PROFILE" "$CNI" <.cache/minikube/profiles.json || echo "refused -")
if [[ "$state" == refused ]]; then exit 1; fi
if [[ "$state" == absent ]]; then
  echo "$SCRIPT: creating the minikube profile '$PROFILE' with --cni=$CNI (it enforces the stack's NetworkPolicies)" >&2
  # shellcheck disable=SC2086
  minikube -p "$PROFILE" start ${MINIKUBE_START_ARGS:---memory 6g --cpus 4} "--cni=$CNI"
elif ! minikube -p "$PROFILE" status >/dev/null 2>&1; then
  minikube -p "$PROFILE" start
fi
use_stack "$STACK"
pulumi config set clusterFlavour minikube --stack "$STACK"
pulumi config set minikubeProfile "$PROFILE" --stack "$STACK"
# One metrics API per cluster: the addon's, or the stack's own.
if [[ "$metrics_addon" == on ]]; then
  echo "$SCRIPT: the profile's metrics-server addon serves metrics.k8s.io: the stack deploys none (metricsServer false)" >&2
  pulumi config set metricsServer false --stack "$STACK"
else
  pulumi config set metricsServer true --stack "$STACK"
fi
pulumi config --json --stack "$STACK" >.cache/minikube/stack-config.json
minikube -p "$PROFILE" kubectl -- get nodes,pods --all-namespaces -o json >.cache/minikube/nodes-and-pods.json
check_capacity .cache/minikube/stack-config.json .cache/minikube/nodes-and-pods.json
pulumi up --yes --refresh --stack "$STACK"

outputs="$(pulumi stack output --json --stack "$STACK")"
ip="$(minikube -p "$PROFILE" ip)"
order_port="$(echo "$outputs" | node pulumi/dist/src/cli/node-ports.js | awk '$1 == "order" { print $5 }')"
if [[ "$FORWARD" == auto ]]; then
  if curl -fsS --max-time 3 -o /dev/null "http://$ip:$order_port/healthz"; then FORWARD=never; else FORWARD=always; fi
fi
if [[ "$FORWARD" == never ]]; then
  pulumi stack output urls --stack "$STACK"
  exit 0
fi

echo "$SCRIPT: http://$ip:$order_port does not answer from here; forwarding the NodePorts to 127.0.0.1" >&2
bash "$ROOT/scripts/minikube-down.sh" --forwards-only
mkdir -p "$FORWARDS"
while read -r name namespace service port node_port; do
  nohup minikube -p "$PROFILE" kubectl -- --namespace "$namespace" port-forward --address 127.0.0.1 \
    "service/$service" "$node_port:$port" >"$FORWARDS/$name.log" 2>&1 </dev/null &
  echo $! >"$FORWARDS/$name.pid"
  echo "$name http://127.0.0.1:$node_port"
  if [[ "$name" == order ]]; then echo "console http://127.0.0.1:$node_port/console/"; fi
done < <(echo "$outputs" | node pulumi/dist/src/cli/node-ports.js)
