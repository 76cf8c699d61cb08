#!/usr/bin/env bash
# Removes what scripts/kind-up.sh made: every resource of the stack (pulumi destroy, which
# deletes the namespaces and with them the volumes), then the kind cluster. With --images
# also the service images built on this machine. The stack and its settings stay.
# Settings: KIND_CLUSTER (orders), PULUMI_STACK (dev), PULUMI_CONFIG_PASSPHRASE.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=kind-down
CLUSTER="${KIND_CLUSTER:-orders}"
STACK="${PULUMI_STACK:-dev}"
# shellcheck source=lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"

need kind "kind, https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
need pulumi "Pulumi CLI, https://www.pulumi.com/docs/install/"
need_node
check_prerequisites
cd "$ROOT"

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  if [[ -d "$ROOT/.pulumi" ]]; then
    build_program
    use_stack "$STACK"
    pulumi destroy --yes --refresh --stack "$STACK"
  fi
  kind delete cluster --name "$CLUSTER"
else
  echo "$SCRIPT: no kind cluster '$CLUSTER'; the stack's state is refreshed away by the next kind-up.sh"
fi
if [[ "${1:-}" == --images ]] && command -v docker >/dev/null; then
  images="$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^orders/(order|payment|inventory)-service:' || true)"
  [[ -z "$images" ]] || echo "$images" | xargs docker image rm
fi
rm -rf "$ROOT/.cache/kind"
