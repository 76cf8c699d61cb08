# The project's Node.js, for every script (sourced; defines use_project_node).
# Node 24 LTS from the npm package node-<os>-<arch>@24, installed once into .tools/node;
# where that package cannot be installed, a Node >= 22 already on PATH is used.
PROJECT_NODE_MAJOR=24

use_project_node() {
  local root="$1" os arch bin
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="" ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="" ;; esac
  bin="$root/.tools/node/node_modules/node-$os-$arch/bin"
  if [[ -n "$os" && -n "$arch" ]] && ! "$bin/node" --version 2>/dev/null | grep -q "^v$PROJECT_NODE_MAJOR\."; then
    if command -v npm >/dev/null; then
      echo "[node] installing Node $PROJECT_NODE_MAJOR (npm package node-$os-$arch@$PROJECT_NODE_MAJOR) into .tools/node" >&2
      timeout 300 npm install --prefix "$root/.tools/node" --no-save --no-package-lock --no-audit --no-fund \
        "node-$os-$arch@$PROJECT_NODE_MAJOR" >&2 || true
    fi
  fi
  if "$bin/node" --version 2>/dev/null | grep -q "^v$PROJECT_NODE_MAJOR\."; then
    export PATH="$bin:$PATH"
    return 0
  fi
  local found
  found="$(node --version 2>/dev/null || true)"
  if [[ "$found" =~ ^v([0-9]+)\. ]] && ((BASH_REMATCH[1] >= 22)); then
    echo "[node] using Node $found from PATH (Node $PROJECT_NODE_MAJOR could not be installed into .tools/node)" >&2
    return 0
  fi
  echo "[node] Node $PROJECT_NODE_MAJOR (or at least 22) is required; found '${found:-none}' and could not install it" >&2
  return 1
}

# npm packages of the workspace, installed when missing or older than package-lock.json.
ensure_npm_packages() {
  local root="$1"
  if [[ ! -f "$root/node_modules/.package-lock.json" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
    echo "[node] npm ci" >&2
    (cd "$root" && timeout 900 npm ci --no-audit --no-fund >&2)
  fi
}
