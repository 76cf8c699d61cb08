#!/usr/bin/env bash
# The test command: on a fresh machine it does everything itself.
#   1. Node 24 (scripts/lib/node.sh: npm package node-<os>-<arch>@24 into .tools/), npm ci
#   2. Java and Maven (Debian packages, when missing and this runs as root), the Kafka jars;
#      Chromium for the browser tests (Debian's package, likewise)
#   3. PostgreSQL, ZooKeeper and Kafka on loopback (scripts/infra.sh up), unless already up
#   4. npm test (build, then every suite), then stops what step 3 started
# The last line is mocha's summary: `N passed, N failed, N skipped`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/node.sh
source "$ROOT/scripts/lib/node.sh"
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))" >&2; }

step "Node"
use_project_node "$ROOT"
node --version >&2
step "npm packages"
ensure_npm_packages "$ROOT"

step "Java and Maven (the Kafka broker)"
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null) >&2
  else
    echo "test: Java 17+ and Maven are needed for the local Kafka broker" >&2
    exit 1
  fi
fi

step "Chromium (the browser tests)"
if [[ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) >&2
  else
    echo "test: Chromium is needed for the browser tests (Debian: apt-get install chromium; or set CHROMIUM)" >&2
    exit 1
  fi
fi

step "infrastructure"
infra_was_up=false
if bash scripts/infra.sh status | grep -q '^kafka: running'; then infra_was_up=true; fi
if [[ "$infra_was_up" == false ]]; then
  trap 'bash scripts/infra.sh down >&2 || true' EXIT
  timeout 600 bash scripts/infra.sh up --quick-start-jvm >&2
fi

step "tests"
mkdir -p .cache
set +e
timeout 3600 npm test 2>&1 | tee .cache/test-output.log >&2
status=${PIPESTATUS[0]}
set -e

if [[ "$infra_was_up" == false ]]; then
  step "infrastructure down"
  bash scripts/infra.sh down >&2
  trap - EXIT
fi
summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed' .cache/test-output.log | tail -n 1 || true)"
echo "test: took $((SECONDS - started)) s; mocha exited $status" >&2
echo "${summary:-0 passed, 1 failed}"
exit "$status"
