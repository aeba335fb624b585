#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/kotopolku (make chart-check):
#   1. helm lint --strict with the default values and each overlay (values-*.yaml)
#   2. helm template for default/dev/prod into a temporary directory
#   3. every rendered object validated OFFLINE against the Kubernetes OpenAPI schemas
#      (kubernetes-validate, strict: unknown fields are errors) for the oldest supported and the
#      newest shipped Kubernetes version
#   4. a values file with a typo (services.clients.replicsa) must be REJECTED by values.schema.json
#   5. the pytest policy tests in deploy/helm/tests
# Environment: PYTHON (default .venv/bin/python; needs pytest, pyyaml, kubernetes-validate),
# KUBE_VERSIONS (default "1.30.0 <newest in kubernetes-validate>"), KOTOPOLKU_CACHE, HELM.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
CHART=deploy/helm/kotopolku
RELEASE=kotopolku
NAMESPACE=kotopolku

HELM=${HELM:-$(scripts/install-helm.sh)}
export HELM
echo "chart-check: helm $("$HELM" version --short 2>/dev/null || echo '?') at $HELM"

if ! "$PYTHON" -c 'import kubernetes_validate, pytest, yaml' 2>/dev/null; then
  echo "chart-check: $PYTHON lacks kubernetes-validate/pytest/pyyaml (pip install -e '.[dev]')" >&2
  exit 1
fi
KUBE_VERSIONS=${KUBE_VERSIONS:-"1.30.0 $("$PYTHON" -c 'import kubernetes_validate as k; print(k.latest_version())')"}

work=$(mktemp -d "${TMPDIR:-/tmp}/chart-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A OVERLAYS=([default]="" [dev]="$CHART/values-dev.yaml" [prod]="$CHART/values-prod.yaml")
SETS="default dev prod"

echo "== helm lint"
for set in $SETS; do
  args=()
  [ -n "${OVERLAYS[$set]}" ] && args=(-f "${OVERLAYS[$set]}")
  if ! "$HELM" lint --strict "$CHART" "${args[@]}" >"$work/lint-$set.log" 2>&1; then
    cat "$work/lint-$set.log"
    echo "chart-check: helm lint failed for $set values" >&2
    exit 1
  fi
  echo "lint $set: ok"
done

echo "== helm template"
mkdir -p "$work/rendered"
for set in $SETS; do
  args=()
  [ -n "${OVERLAYS[$set]}" ] && args=(-f "${OVERLAYS[$set]}")
  "$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "${args[@]}" >"$work/rendered/$set.yaml"
  echo "template $set: $(grep -c '^kind:' "$work/rendered/$set.yaml") objects"
done

echo "== Kubernetes schemas (offline, strict) for ${KUBE_VERSIONS}"
kargs=()
for v in $KUBE_VERSIONS; do kargs+=(-k "$v"); done
"$PYTHON" deploy/helm/tests/k8s_schema.py "${kargs[@]}" "$work"/rendered/*.yaml

echo "== values.schema.json rejects typos"
printf 'services:\n  clients:\n    replicsa: 2\n' >"$work/typo.yaml"
if "$HELM" template "$RELEASE" "$CHART" -f "$work/typo.yaml" >"$work/typo.out" 2>&1; then
  echo "chart-check: a values file with the typo 'replicsa' was ACCEPTED" >&2
  exit 1
fi
if ! grep -q "additional properties 'replicsa' not allowed" "$work/typo.out"; then
  cat "$work/typo.out" >&2
  echo "chart-check: the typo was rejected, but not by the values schema" >&2
  exit 1
fi
echo "typo 'replicsa': rejected by the schema"

echo "== policy tests"
KOTOPOLKU_REQUIRE_HELM=1 "$PYTHON" -m pytest deploy/helm/tests -q \
  --confcutdir=deploy/helm/tests -p no:cacheprovider
