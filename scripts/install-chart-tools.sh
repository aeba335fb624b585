#!/usr/bin/env bash
# Makes sure a pinned tool of the chart checks exists and prints its path (the only line on
# stdout):  PROMTOOL=$(scripts/install-chart-tools.sh promtool)
#           SKAFFOLD=$(scripts/install-chart-tools.sh skaffold)
#
# Like scripts/install-helm.sh: the binaries live in $KOTOPOLKU_CACHE/bin (default
# ~/.cache/kotopolku/bin) and, when missing, are built from source with the Go toolchain (Go module
# proxy only; no release download). The first build takes several minutes; later runs reuse it.
set -euo pipefail

PROMETHEUS_VERSION=${PROMETHEUS_VERSION:-v0.316.0}
SKAFFOLD_VERSION=${SKAFFOLD_VERSION:-v2.16.1}
KOTOPOLKU_CACHE=${KOTOPOLKU_CACHE:-$HOME/.cache/kotopolku}
BIN="$KOTOPOLKU_CACHE/bin"

need_go() {
  command -v go >/dev/null 2>&1 || {
    echo "install-chart-tools: $1 is missing and no Go toolchain is available to build it" >&2
    exit 1
  }
}

build_promtool() {
  need_go promtool
  echo "install-chart-tools: building promtool (prometheus $PROMETHEUS_VERSION) into $BIN" >&2
  GOBIN="$BIN" nice -n 10 go install -trimpath \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >&2
}

build_skaffold() {
  need_go skaffold
  echo "install-chart-tools: building skaffold $SKAFFOLD_VERSION into $BIN" >&2
  # `go install module@version` refuses skaffold (its go.mod has replace directives), so it is
  # built inside a throwaway module that repeats those replacements.
  local module=github.com/GoogleContainerTools/skaffold/v2
  local work="$KOTOPOLKU_CACHE/build/skaffold-$SKAFFOLD_VERSION"
  rm -rf "$work" && mkdir -p "$work"
  (
    cd "$work"
    go mod init kotopolku.local/skaffold-build >/dev/null 2>&1
    local gomod
    gomod=$(go mod download -json "$module@$SKAFFOLD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    grep '^replace ' "$gomod" >>go.mod || true
    nice -n 10 go get "$module/cmd/skaffold@$SKAFFOLD_VERSION" >&2
    nice -n 10 go build -trimpath \
      -ldflags "-s -w -X $module/pkg/skaffold/version.version=$SKAFFOLD_VERSION" \
      -o "$BIN/skaffold" "$module/cmd/skaffold" >&2
  )
  rm -rf "$work"
}

tool=${1:?usage: install-chart-tools.sh promtool|skaffold}
mkdir -p "$BIN"
case "$tool" in
  promtool) [ -x "$BIN/promtool" ] || build_promtool ;;
  skaffold) [ -x "$BIN/skaffold" ] || build_skaffold ;;
  *) echo "install-chart-tools: unknown tool $tool" >&2; exit 2 ;;
esac
echo "$BIN/$tool"
