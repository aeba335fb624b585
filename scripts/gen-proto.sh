#!/usr/bin/env bash
# Generates the Python stubs of every proto/kotopolku/<service>/v1/*.proto beside the Python package
# of the service that owns the contract: services/<service>/kotopolku/<service>/v1/ (or
# libs/common/ for the shared `common` package). With OUT_ROOT set, writes there instead (used by
# check-proto to compare against the committed stubs).
set -euo pipefail
PYTHON=${PYTHON:-.venv/bin/python}
export PATH="$(dirname "$PYTHON"):$PATH"
cd "$(dirname "$0")/.."
for proto in proto/kotopolku/*/v1/*.proto; do
  owner=$(echo "$proto" | cut -d/ -f3)
  # `common`, `ops` (the status API every service serves) and `records` (the client-records
  # contract of archiving, implemented once there) belong to libs/common.
  if [ "$owner" = common ] || [ "$owner" = ops ] || [ "$owner" = records ]; then root=libs/common; else root=services/$owner; fi
  out=${OUT_ROOT:+$OUT_ROOT/}$root
  mkdir -p "$out/kotopolku/$owner/v1"
  "$PYTHON" -m grpc_tools.protoc -I proto \
    --python_out="$out" --grpc_python_out="$out" \
    --mypy_out="$out" --mypy_grpc_out="$out" "$proto"
  touch "$out/kotopolku/$owner/v1/__init__.py"
done
