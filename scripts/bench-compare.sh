#!/usr/bin/env bash
# Latency-against-load sweeps of another commit (before) and of this checkout (after), in
# one run and alternating, so the machine's drift falls on both alike:
#   npm run bench:compare -- <commit> [pairs] [--record]   pairs: 1–5, default 2 (order B A A B …)
# The other commit is checked out once into .cache/bench-compare/<commit> (a git worktree;
# its packages are hard links of this checkout's when the lock files match) and built there.
# Needs the local infrastructure (npm run infra:up). Each sweep takes about ten minutes (its capacity search included).
# The sweeps' JSON, the report (tests/bench/compare.ts) and the comparison's record
# (compare-<date>.json) go to .cache/bench-compare/runs/<time>/; with --record the record is
# also kept in docs/benchmarks/, which is otherwise left as it was.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/node.sh
source "$ROOT/scripts/lib/node.sh"

log() { printf '[bench-compare] %s\n' "$*" >&2; }
usage() { echo "usage: npm run bench:compare -- <commit> [pairs 1-5] [--record]" >&2; exit 2; }

RECORD=0
if [[ "${*: -1}" == --record ]]; then RECORD=1; set -- "${@:1:$#-1}"; fi
[[ $# -ge 1 && $# -le 2 ]] || usage
PAIRS="${2:-2}"
[[ "$PAIRS" =~ ^[1-5]$ ]] || usage
SHA="$(git -C "$ROOT" rev-parse --verify --quiet "$1^{commit}")" || { log "no commit $1 in this repository"; exit 2; }
TREE="$ROOT/.cache/bench-compare/${SHA:0:12}"
OUT="$ROOT/.cache/bench-compare/runs/$(date -u +%Y%m%dT%H%M%SZ)"
use_project_node "$ROOT"

prepare_tree() {
  if [[ ! -d "$TREE" ]]; then
    log "checking out ${SHA:0:12} into ${TREE#"$ROOT"/}"
    git -C "$ROOT" worktree add --detach --force "$TREE" "$SHA" >&2
  fi
  if git -C "$ROOT" diff --quiet "$SHA" HEAD -- package-lock.json; then
    # The same packages: hard links of this checkout's, workspaces' folders included.
    (cd "$ROOT" && find . \( -path ./.cache -o -path ./.git -o -path ./.tools \) -prune -o -name node_modules -type d -prune -print) | while read -r dir; do
      [[ -d "$TREE/$dir" || ! -d "$TREE/$(dirname "$dir")" ]] || cp -al "$ROOT/$dir" "$TREE/$dir"
    done
  elif [[ ! -d "$TREE/node_modules" ]]; then
    log "its package-lock.json differs: npm ci there"
    (cd "$TREE" && timeout 900 npm ci --ignore-scripts --no-audit --no-fund >&2)
  fi
  # Its bench reads the pids of the running broker from here, to measure their CPU.
  mkdir -p "$TREE/.cache"
  ln -sfn "$ROOT/.cache/infra" "$TREE/.cache/infra"
  log "building ${SHA:0:12}"
  (cd "$TREE" && node node_modules/typescript/bin/tsc -b >&2)
}

# One sweep in $1 (a checkout), its JSON to $2; a sweep rewrites docs/benchmarks/<date>.*,
# so those files are put back as they were.
sweep() {
  local dir="$1" json="$2" date saved results
  date="$(date -u +%F)"
  saved="$(mktemp -d)"
  # Where that checkout's sweep writes (older commits: bench-results/).
  results="$dir/docs/benchmarks"
  [[ -d "$results" ]] || results="$dir/bench-results"
  cp -p "$results/$date".* "$saved/" 2>/dev/null || true
  local status=0
  (cd "$dir" && node tests/dist/bench/bench.js --sweep --json) >"$json" || status=$?
  rm -f "$results/$date".*
  cp -p "$saved"/* "$results/" 2>/dev/null || true
  rm -rf "$saved"
  ((status == 0)) || { log "the sweep in $dir failed (exit $status)"; exit 1; }
}

prepare_tree
log "building this checkout"
(cd "$ROOT" && node node_modules/typescript/bin/tsc -b >&2)
mkdir -p "$OUT"
# The other commit's bench may not warm a broker that still compiles (tests/bench/
# broker-warmth.ts): this checkout's does so first, with a short run that is not kept.
log "warming the broker up (a short bench of this checkout, not kept)"
(cd "$ROOT" && node tests/dist/bench/bench.js --duration 5 --commit-probe 0 --quiet --json >/dev/null)
before=() after=()
for ((k = 1; k <= PAIRS; k++)); do
  # B A, then A B, and so on: neither version always runs first.
  order=(before after)
  ((k % 2 == 0)) && order=(after before)
  for side in "${order[@]}"; do
    log "pair $k: $side ($([[ $side == before ]] && echo "${SHA:0:12}" || echo "this checkout"))"
    if [[ $side == before ]]; then
      sweep "$TREE" "$OUT/before-$k.json"
      before+=("$OUT/before-$k.json")
    else
      sweep "$ROOT" "$OUT/after-$k.json"
      after+=("$OUT/after-$k.json")
    fi
  done
done
# The commit this checkout's sweeps ran, marked when its tracked code (not its documents)
# differed from it.
HEAD_SHA="$(git -C "$ROOT" rev-parse HEAD)"
git -C "$ROOT" diff --quiet HEAD -- . ':(exclude)*.md' ':(exclude)docs' || HEAD_SHA="$HEAD_SHA+changes"
node "$ROOT/tests/dist/bench/compare.js" --before "${before[@]}" --after "${after[@]}" --record "$OUT" --commits "$SHA" "$HEAD_SHA" | tee "$OUT/report.md"
if ((RECORD)); then
  cp "$OUT"/compare-*.json "$ROOT/docs/benchmarks/"
  log "kept: docs/benchmarks/$(basename "$OUT"/compare-*.json)"
fi
log "sweeps and report: ${OUT#"$ROOT"/}"
