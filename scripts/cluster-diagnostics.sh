#!/usr/bin/env bash
# What a failed deployment looks like from inside the cluster: every pod with its status,
# the recent events, and for every pod the last log lines of each container (and of the
# previous run of a container that restarted). The GitHub workflow and e2e-kind.sh print
# it on failure.
#   scripts/cluster-diagnostics.sh [KUBE_CONTEXT]     (default: kind-orders)
set -uo pipefail
CONTEXT="${1:-kind-${KIND_CLUSTER:-orders}}"
k() { kubectl --context "$CONTEXT" "$@"; }

echo "== pods"
k get pods -A -o wide
echo
echo "== events (last 80)"
k get events -A --sort-by=.lastTimestamp | tail -n 80
while read -r namespace pod; do
  [[ "$namespace" =~ ^(kube-system|local-path-storage)$ ]] && continue
  echo
  echo "== $namespace/$pod"
  k -n "$namespace" get pod "$pod" -o jsonpath='{range .status.containerStatuses[*]}{.name}: ready={.ready} restarts={.restartCount} state={.state}{"\n"}{end}'
  k -n "$namespace" logs "$pod" --all-containers --prefix --tail 40 2>&1
  restarts="$(k -n "$namespace" get pod "$pod" -o jsonpath='{.status.containerStatuses[*].restartCount}' | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }')"
  if [[ "${restarts:-0}" != 0 ]]; then
    echo "-- previous run"
    k -n "$namespace" logs "$pod" --all-containers --prefix --previous --tail 40 2>&1
  fi
done < <(k get pods -A --no-headers -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name)
