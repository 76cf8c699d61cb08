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

# The passphrase that encrypts the stack secrets: PULUMI_CONFIG_PASSPHRASE or
# PULUMI_CONFIG_PASSPHRASE_FILE when set; otherwise a random one, created once beside the
# state it encrypts (.pulumi/passphrase for the checkout's file backend), readable by its
# owner only, and used through the file.
use_passphrase() {
  if [[ -n "${PULUMI_CONFIG_PASSPHRASE:-}" || -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    return 0
  fi
  if [[ -n "${PULUMI_CONFIG_PASSPHRASE+x}" ]]; then
    echo "$SCRIPT: PULUMI_CONFIG_PASSPHRASE is empty; unset it to use the passphrase file, or set one" >&2
    exit 1
  fi
  local state="$ROOT/.pulumi"
  [[ "$PULUMI_BACKEND_URL" == file://* ]] && state="${PULUMI_BACKEND_URL#file://}"
  mkdir -p "$state"
  local file="$state/passphrase"
  if [[ ! -s "$file" ]]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n=' >"$file")
    echo "$SCRIPT: created the passphrase of this checkout's stack secrets in $file (readable by you only; keep it)" >&2
  fi
  chmod 600 "$file"
  export PULUMI_CONFIG_PASSPHRASE_FILE="$file"
}

use_stack() { # stack
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$ROOT/.pulumi}"
  mkdir -p "$ROOT/.pulumi"
  use_passphrase
  echo "$SCRIPT: stack secrets are encrypted with the passphrase in ${PULUMI_CONFIG_PASSPHRASE_FILE:-PULUMI_CONFIG_PASSPHRASE}" >&2
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
