#!/usr/bin/env bash
# Makes an image built on this machine available to a local cluster; the Pulumi program
# (ServiceImage) runs it after every build.
#   load-image.sh kind IMAGE CLUSTER       docker image save + kind load image-archive
#   load-image.sh minikube IMAGE PROFILE   minikube image load
set -euo pipefail
flavour="${1:-}" image="${2:-}" target="${3:-}"
if [[ -z "$image" || -z "$target" ]]; then
  echo "usage: load-image.sh kind|minikube IMAGE CLUSTER|PROFILE" >&2
  exit 2
fi
case "$flavour" in
  kind)
    archive="$(mktemp "${TMPDIR:-/tmp}/orders-image.XXXXXX")"
    trap 'rm -f "$archive"' EXIT
    platform="$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$image")"
    # Only this platform's layers exist here. With Docker's containerd image store a plain
    # save carries the image's whole index and kind's import then fails on the missing
    # platforms (kind issue 3795; `kind load docker-image` does exactly that), so save this
    # platform alone. Docker before 28 has no --platform, and its classic store no index.
    if ! docker image save --platform "$platform" -o "$archive" "$image" 2>/dev/null; then
      docker image save -o "$archive" "$image"
    fi
    kind load image-archive "$archive" --name "$target"
    ;;
  minikube)
    minikube -p "$target" image load "$image"
    ;;
  *)
    echo "load-image.sh: the flavour is kind or minikube, not '$flavour'" >&2
    exit 2
    ;;
esac
