#!/usr/bin/env bash
# Prints an access token for a test user of the dev realm: scripts/token.sh helsinki.officer
# (uses the test-only client of the dev/test realm; never exists in production realms).
set -euo pipefail
user=${1:?usage: $0 USERNAME [PASSWORD]}
password=${2:-kotopolku-demo}
kc=${KOTOPOLKU_KEYCLOAK_URL:-http://127.0.0.1:8080}
curl -fsS "$kc/realms/kotopolku/protocol/openid-connect/token" \
  -d grant_type=password -d client_id=kotopolku-test -d client_secret=kotopolku-test-secret \
  -d username="$user" --data-urlencode password="$password" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
