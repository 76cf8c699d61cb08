# What the deploy scripts share (sourced): prerequisite checks, the build, and the Pulumi
# stack on the local file backend (.pulumi/, git-ignored).
# shellcheck source=node.sh
source "$ROOT/scripts/lib/node.sh"

MISSING=()
# need TOOL "what it is and where to get it"
need() { command -v "$1" >/dev/null || MISSING+=("$1: $2"); }

need_docker_daemon() {
  if command -v docker >/dev/null && ! docker info >/dev/null 2>&1; then
    MISSING+=("a running Docker daemon: 'docker info' fails (start Docker, or check your user may use it)")
  fi
}

need_node() {
  use_project_node "$ROOT" 2>/dev/null || MISSING+=("node: Node.js 22 or newer (or npm, to install Node 24 into .tools/)")
}

# Prints everything missing at once and stops.
check_prerequisites() {
  if ((${#MISSING[@]} > 0)); then
    echo "$SCRIPT: missing prerequisites:" >&2
    printf '  - %s\n' "${MISSING[@]}" >&2
    exit 1
  fi
}

build_program() {
  ensure_npm_packages "$ROOT"
  (cd "$ROOT" && npm run --silent build)
}

use_stack() { # stack
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$ROOT/.pulumi}"
  mkdir -p "$ROOT/.pulumi"
  if [[ -z "${PULUMI_CONFIG_PASSPHRASE+x}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    echo "$SCRIPT: PULUMI_CONFIG_PASSPHRASE is not set; this local stack's secrets use an empty passphrase" >&2
    export PULUMI_CONFIG_PASSPHRASE=""
  fi
  (cd "$ROOT" && { pulumi stack select "$1" 2>/dev/null || pulumi stack init "$1"; })
}

# Stops before `pulumi up` when the stack's pods would not fit the nodes (they would stay
# Pending until the rollout times out): the stack's requests against the nodes' allocatable
# less what the other pods on them request. CAPACITY_CHECK=off deploys anyway.
check_capacity() { # stack-config.json  nodes-and-pods.json
  if [[ "${CAPACITY_CHECK:-on}" == off ]]; then
    echo "$SCRIPT: capacity check skipped (CAPACITY_CHECK=off)" >&2
    return 0
  fi
  local status=0 report
  report="$(node "$ROOT/pulumi/dist/src/cli/capacity.js" "$2" <"$1")" || status=$?
  sed "s/^/$SCRIPT: /" <<<"$report" >&2
  if ((status != 0)); then
    echo "$SCRIPT: stopping before pulumi up (CAPACITY_CHECK=off deploys anyway)" >&2
    exit 1
  fi
}
