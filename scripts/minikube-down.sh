#!/usr/bin/env bash
# Stops the port forwards scripts/minikube-up.sh started; then (unless --forwards-only)
# removes every resource of the stack (pulumi destroy). `minikube delete -p <profile>`
# removes the cluster itself.
# Settings: MINIKUBE_PROFILE (minikube), PULUMI_STACK (minikube), PULUMI_CONFIG_PASSPHRASE.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT=minikube-down
STACK="${PULUMI_STACK:-minikube}"
FORWARDS="$ROOT/.cache/minikube/forwards"

for pidfile in "$FORWARDS"/*.pid; do
  [[ -f "$pidfile" ]] || continue
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
done
[[ "${1:-}" == --forwards-only ]] && exit 0

# shellcheck source=lib/deploy.sh
source "$ROOT/scripts/lib/deploy.sh"
need pulumi "Pulumi CLI, https://www.pulumi.com/docs/install/"
need_node
check_prerequisites
build_program
use_stack "$STACK"
cd "$ROOT"
pulumi destroy --yes --refresh --stack "$STACK"
