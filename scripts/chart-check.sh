#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/kotopolku and skaffold.yaml (make chart-check):
#   1. helm lint --strict with the default values and each overlay (values-*.yaml)
#   2. helm template for every value set (default, dev, staging, prod) into a temporary directory
#   3. skaffold (the real CLI, built once): `diagnose --yaml-only` and an offline `render` of every
#      profile (dev, ci, prod), nothing built or pushed
#   4. every rendered object validated OFFLINE: built-in kinds against the Kubernetes OpenAPI
#      schemas (kubernetes-validate, strict) for the oldest supported and the newest shipped
#      version; ServiceMonitor/PrometheusRule against the Prometheus Operator CRD models,
#      ExternalSecret against its schema
#   5. `promtool check rules` on every rendered PrometheusRule
#   6. a values file with a typo (services.clients.replicsa) must be REJECTED by values.schema.json
#   7. the pytest policy tests in deploy/helm/tests (network graph, security, alerts, dashboards …)
# Environment: PYTHON (default .venv/bin/python), KUBE_VERSIONS, KOTOPOLKU_CACHE, HELM, PROMTOOL,
# SKAFFOLD (paths of the binaries; by default built once into $KOTOPOLKU_CACHE/bin).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
CHART=deploy/helm/kotopolku
RELEASE=kotopolku
NAMESPACE=kotopolku

HELM=${HELM:-$(scripts/install-helm.sh)}
PROMTOOL=${PROMTOOL:-$(scripts/install-chart-tools.sh promtool)}
SKAFFOLD=${SKAFFOLD:-$(scripts/install-chart-tools.sh skaffold)}
export HELM PROMTOOL SKAFFOLD
echo "chart-check: helm $("$HELM" version --short 2>/dev/null || echo '?'), $("$SKAFFOLD" version 2>/dev/null || echo 'skaffold ?'), promtool at $PROMTOOL"

if ! "$PYTHON" -c 'import kubernetes_validate, pytest, yaml, cloudcoil.models.prometheus_operator' 2>/dev/null; then
  echo "chart-check: $PYTHON lacks the dev dependencies (pip install -e '.[dev]')" >&2
  exit 1
fi
KUBE_VERSIONS=${KUBE_VERSIONS:-"1.30.0 $("$PYTHON" -c 'import kubernetes_validate as k; print(k.latest_version())')"}

work=$(mktemp -d "${TMPDIR:-/tmp}/chart-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The chart links the realm of deploy/keycloak (files/kotopolku-realm.json); helm says so on
# every call. Known and wanted, so it is filtered from the output.
quiet() { grep -v 'found symbolic link in path' || true; }

declare -A OVERLAYS=(
  [default]=""
  [dev]="$CHART/values-dev.yaml"
  [staging]="$CHART/values-staging.yaml"
  [prod]="$CHART/values-prod.yaml"
)
SETS="default dev staging prod"

echo "== helm lint"
for set in $SETS; do
  args=()
  [ -n "${OVERLAYS[$set]}" ] && args=(-f "${OVERLAYS[$set]}")
  if ! "$HELM" lint --strict "$CHART" "${args[@]}" >"$work/lint-$set.log" 2>&1; then
    quiet <"$work/lint-$set.log"
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
  "$HELM" template "$RELEASE" "$CHART" --namespace "$NAMESPACE" "${args[@]}" \
    >"$work/rendered/$set.yaml" 2> >(quiet >&2)
  echo "template $set: $(grep -c '^kind:' "$work/rendered/$set.yaml") objects"
done

echo "== skaffold (offline)"
# A private HOME: no first-run prompt, no usage metrics, no update check.
mkdir -p "$work/skaffold-home/.skaffold"
printf 'global:\n  collect-metrics: false\n  update:\n    last-prompted: "2099-01-01T00:00:00Z"\n' \
  >"$work/skaffold-home/.skaffold/config"
skaffold() {
  HOME="$work/skaffold-home" PATH="$(dirname "$HELM"):$PATH" \
    "$SKAFFOLD" "$@" --update-check=false --interactive=false
}
for profile in dev ci prod; do
  if ! skaffold diagnose --yaml-only -p "$profile" >"$work/diagnose-$profile.yaml" 2>"$work/diagnose-$profile.log"; then
    quiet <"$work/diagnose-$profile.log"; echo "chart-check: skaffold diagnose failed for -p $profile" >&2; exit 1
  fi
  if ! skaffold render -p "$profile" --offline=true --digest-source=tag --tag=chart-check \
      --output="$work/rendered/skaffold-$profile.yaml" >"$work/render-$profile.log" 2>&1; then
    quiet <"$work/render-$profile.log"; echo "chart-check: skaffold render failed for -p $profile" >&2; exit 1
  fi
  echo "skaffold $profile: $(grep -c '^kind:' "$work/rendered/skaffold-$profile.yaml") objects"
done

echo "== schemas (offline, strict) for Kubernetes ${KUBE_VERSIONS} and the CRDs"
kargs=()
for v in $KUBE_VERSIONS; do kargs+=(-k "$v"); done
"$PYTHON" deploy/helm/tests/k8s_schema.py "${kargs[@]}" "$work"/rendered/*.yaml

echo "== promtool check rules"
for file in "$work"/rendered/*.yaml; do
  "$PYTHON" - "$file" "$work/rules-$(basename "$file")" <<'PY'
import sys, yaml
groups = [g for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "PrometheusRule" for g in d["spec"]["groups"]]
if groups:
    yaml.safe_dump({"groups": groups}, open(sys.argv[2], "w"))
PY
  if [ -f "$work/rules-$(basename "$file")" ]; then
    if ! "$PROMTOOL" check rules "$work/rules-$(basename "$file")" >"$work/promtool.log" 2>&1; then
      cat "$work/promtool.log" >&2; echo "chart-check: promtool rejects the rules of $(basename "$file")" >&2; exit 1
    fi
    echo "$(basename "$file"):$(grep -o ' [0-9]* rules found' "$work/promtool.log")"
  fi
done

echo "== values.schema.json rejects typos"
printf 'services:\n  clients:\n    replicsa: 2\n' >"$work/typo.yaml"
if "$HELM" template "$RELEASE" "$CHART" -f "$work/typo.yaml" >"$work/typo.out" 2>&1; then
  echo "chart-check: a values file with the typo 'replicsa' was ACCEPTED" >&2
  exit 1
fi
if ! grep -q "additional properties 'replicsa' not allowed" "$work/typo.out"; then
  quiet <"$work/typo.out" >&2
  echo "chart-check: the typo was rejected, but not by the values schema" >&2
  exit 1
fi
echo "typo 'replicsa': rejected by the schema"

echo "== policy tests"
KOTOPOLKU_REQUIRE_HELM=1 KOTOPOLKU_REQUIRE_PROMTOOL=1 "$PYTHON" -m pytest deploy/helm/tests -q \
  --confcutdir=deploy/helm/tests -p no:cacheprovider 2> >(quiet >&2)
