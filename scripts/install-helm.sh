#!/usr/bin/env bash
# Makes sure the pinned helm binary exists and prints its path (the only line on stdout).
#
# The binary lives in $KOTOPOLKU_CACHE/bin/helm (default ~/.cache/kotopolku/bin/helm). When it is
# missing it is built from source with the Go toolchain (Go module proxy only; no release download).
#   HELM=$(scripts/install-helm.sh)
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
KOTOPOLKU_CACHE=${KOTOPOLKU_CACHE:-$HOME/.cache/kotopolku}
HELM_BIN="$KOTOPOLKU_CACHE/bin/helm"

if [ ! -x "$HELM_BIN" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "install-helm: $HELM_BIN is missing and no Go toolchain is available to build it" >&2
    exit 1
  fi
  echo "install-helm: building helm $HELM_VERSION into $KOTOPOLKU_CACHE/bin" >&2
  mkdir -p "$KOTOPOLKU_CACHE/bin"
  GOBIN="$KOTOPOLKU_CACHE/bin" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

echo "$HELM_BIN"
