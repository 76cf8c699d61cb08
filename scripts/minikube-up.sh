#!/usr/bin/env bash
# Deploys the whole system to minikube with Pulumi:
#   1. checks every prerequisite and names all that are missing at once
#   2. starts the minikube profile if it is not running (MINIKUBE_START_ARGS, default
#      "--memory 6g --cpus 4")
#   3. builds, selects or creates the stack (clusterFlavour minikube), `pulumi up --refresh`
#   4. prints URLs that work from this machine: the node's NodePorts where the node IP
#      answers (Linux drivers, VM drivers); otherwise (the docker driver on macOS and
#      Windows) forwards each NodePort Service to 127.0.0.1:<nodePort> in the background
#      and prints those (stop them with scripts/minikube-down.sh --forwards-only)
# Settings: MINIKUBE_PROFILE (minikube), PULUMI_STACK (minikube), PULUMI_CONFIG_PASSPHRASE,
# MINIKUBE_FORWARD=always|never|auto (auto).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=minikube-up
PROFILE="${MINIKUBE_PROFILE:-minikube}"
STACK="${PULUMI_STACK:-minikube}"
FORWARD="${MINIKUBE_FORWARD:-auto}"
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

if ! minikube -p "$PROFILE" status >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  minikube -p "$PROFILE" start ${MINIKUBE_START_ARGS:---memory 6g --cpus 4}
fi
build_program
use_stack "$STACK"
cd "$ROOT"
pulumi config set clusterFlavour minikube --stack "$STACK"
pulumi config set minikubeProfile "$PROFILE" --stack "$STACK"
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
