#!/usr/bin/env bash
# Runs the whole system as local processes: Keycloak (dev mode), audit, clients and gateway.
#   scripts/stack.sh up      start everything and wait until the gateway is ready
#   scripts/stack.sh down    stop everything this script started
# Environment:
#   KOTOPOLKU_VAR          state directory (default var/; make test uses var/test)
#   KOTOPOLKU_DB_SERVER    a PostgreSQL server URL: services get their own databases on it;
#                          without it they use SQLite files (the embedded default)
#   GATEWAY_PORT GRPC_PORT_BASE KC_PORT KC_MANAGEMENT_PORT   ports on 127.0.0.1; a backend
#                          listens on GRPC_PORT_BASE + its number below (clients 50051, ...)
#   DEV_SINKS_SMTP_PORT DEV_SINKS_HTTP_PORT   the dev mail catcher / SMS gateway / Suomi.fi
#                          stand-in that messaging sends to (default GRPC_PORT_BASE + 40, + 41)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
PYTHON="${PYTHON:-$REPO_ROOT/.venv/bin/python}"
export KOTOPOLKU_VAR="${KOTOPOLKU_VAR:-$REPO_ROOT/var}"
export KC_PORT="${KC_PORT:-8080}" KC_MANAGEMENT_PORT="${KC_MANAGEMENT_PORT:-9000}"
GATEWAY_PORT="${GATEWAY_PORT:-8000}"
# Lets Keycloak send clients back to this gateway's self-service pages (scripts/keycloak.sh).
export KOTOPOLKU_UI_ORIGIN="http://127.0.0.1:$GATEWAY_PORT"
GRPC_PORT_BASE="${GRPC_PORT_BASE:-50050}"
# Backend services and their port numbers (offsets); a new service is one more entry here.
declare -A PORT_OFFSET=([clients]=1 [audit]=2 [assessment]=3 [plans]=4 [programme]=5
  [welfare]=6 [appointments]=7 [messaging]=8 [interpretation]=9 [esign]=10 [archive]=11
  [contracts]=12 [guidance]=13 [reporting]=14)
BACKENDS=(clients audit assessment plans programme welfare appointments messaging interpretation esign
  contracts guidance archive reporting)
SERVICES=(dev-sinks "${BACKENDS[@]}" gateway)
DEV_SINKS_SMTP_PORT="${DEV_SINKS_SMTP_PORT:-$((GRPC_PORT_BASE + 40))}"
DEV_SINKS_HTTP_PORT="${DEV_SINKS_HTTP_PORT:-$((GRPC_PORT_BASE + 41))}"
DEV_SINKS_URL="http://127.0.0.1:$DEV_SINKS_HTTP_PORT"
# Messaging sends to the dev sinks: e-mail over SMTP, SMS and Suomi.fi Messages over HTTP.
MESSAGING_CHANNELS=(
  "KOTOPOLKU_SMTP_HOST=127.0.0.1" "KOTOPOLKU_SMTP_PORT=$DEV_SINKS_SMTP_PORT"
  "KOTOPOLKU_SMTP_SENDER=Kotopolku <kotopolku@dev.invalid>"
  "KOTOPOLKU_SMS_GATEWAY_URL=$DEV_SINKS_URL/sms-gateway" "KOTOPOLKU_SMS_GATEWAY_TOKEN=dev-token"
  "KOTOPOLKU_SUOMIFI_URL=$DEV_SINKS_URL/suomifi" "KOTOPOLKU_SUOMIFI_USERNAME=kotopolku-dev"
  "KOTOPOLKU_SUOMIFI_PASSWORD=dev-password" "KOTOPOLKU_SUOMIFI_SERVICE_ID=kotopolku-dev"
  "KOTOPOLKU_DELIVERY_POLL_SECONDS=0.5"
)

port_of() { echo $((GRPC_PORT_BASE + PORT_OFFSET[$1])); }

log() { echo "stack: $*" >&2; }

database_url() {
  local service=$1
  if [ -n "${KOTOPOLKU_DB_SERVER:-}" ]; then
    "$PYTHON" - "$KOTOPOLKU_DB_SERVER" "kotopolku_$service" <<'PY'
import sys
import psycopg
from sqlalchemy.engine import make_url
server, name = make_url(sys.argv[1]), sys.argv[2]
admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
with psycopg.connect(admin, autocommit=True) as connection:
    if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
        connection.execute(f'CREATE DATABASE "{name}"')
print(server.set(database=name).render_as_string(hide_password=False))
PY
  else
    echo "sqlite:///$KOTOPOLKU_VAR/data/$service.db"
  fi
}

start_service() {
  local name=$1; shift
  mkdir -p "$KOTOPOLKU_VAR/log" "$KOTOPOLKU_VAR/run"
  env "$@" "$REPO_ROOT/.venv/bin/kotopolku-$name" >>"$KOTOPOLKU_VAR/log/$name.log" 2>&1 &
  echo $! >"$KOTOPOLKU_VAR/run/$name.pid"
}

stop_pid_file() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid; pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

wait_ready() {
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "the gateway did not become ready; last log lines:"
  for s in "${SERVICES[@]}"; do tail -n 20 "$KOTOPOLKU_VAR/log/$s.log" >&2 || true; done
  return 1
}

up() {
  down_services
  mkdir -p "$KOTOPOLKU_VAR/keys" "$KOTOPOLKU_VAR/data"
  "$PYTHON" -c "import sys; from pathlib import Path; from kotopolku.common.identity import ensure_dev_keys; ensure_dev_keys(Path(sys.argv[1]))" "$KOTOPOLKU_VAR/keys"
  # Reporting pseudonym secrets: the municipal one (every fact source) and the national one.
  "$PYTHON" -c "import sys; from pathlib import Path; from kotopolku.common.pseudonyms import ensure_key_file; [ensure_key_file(Path(sys.argv[1]) / n) for n in ('reporting-pseudonym.key', 'national-pseudonym.key')]" "$KOTOPOLKU_VAR/keys"
  # The dev signing chain of the e-signature service: root CA → one certificate per municipality.
  KOTOPOLKU_SIGNING_DIR="$KOTOPOLKU_VAR/keys/esign" "$REPO_ROOT/.venv/bin/kotopolku-esign" dev-certificates >/dev/null
  bash scripts/keycloak.sh start
  mkdir -p "$KOTOPOLKU_VAR/log" "$KOTOPOLKU_VAR/run"
  "$PYTHON" scripts/dev_sinks.py --smtp-port "$DEV_SINKS_SMTP_PORT" --http-port "$DEV_SINKS_HTTP_PORT" \
    >>"$KOTOPOLKU_VAR/log/dev-sinks.log" 2>&1 &
  echo $! >"$KOTOPOLKU_VAR/run/dev-sinks.pid"
  local keys="$KOTOPOLKU_VAR/keys"
  local common=(
    "KOTOPOLKU_GATEWAY_PUBLIC_KEY_FILE=$keys/gateway.pub"
    "KOTOPOLKU_SERVICE_PUBLIC_KEY_FILE=$keys/service.pub"
    "KOTOPOLKU_LOG_LEVEL=${KOTOPOLKU_LOG_LEVEL:-INFO}"
    "KOTOPOLKU_SIGNING_DIR=$keys/esign"
    "KOTOPOLKU_SIGNING_URL_TEMPLATE=http://127.0.0.1:$GATEWAY_PORT/v1/me/signing-requests/{id}"
    "KOTOPOLKU_FEEDBACK_URL=http://127.0.0.1:$GATEWAY_PORT/app/#feedback"
    # Reporting facts reach the reporting service within a second in the dev and test stack.
    "KOTOPOLKU_FACT_POLL_SECONDS=0.5"
    # The messaging service's port, also before it runs here: e-signature queues invitations.
    "KOTOPOLKU_MESSAGING_ADDRESS=127.0.0.1:$((GRPC_PORT_BASE + 8))"
  )
  local name upper
  # Every known service's address follows the port base, also of one not started here, so that
  # no call ever reaches a default port of another stack on this machine.
  for name in "${!PORT_OFFSET[@]}"; do
    upper=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    common+=("KOTOPOLKU_${upper}_ADDRESS=127.0.0.1:$(port_of "$name")")
  done
  # Audit first: the others deliver their audit events to it. Metrics: gRPC port + 1000.
  for name in audit "${BACKENDS[@]/audit}"; do
    [ -n "$name" ] || continue
    local extra=()
    [ "$name" = messaging ] && extra=("${MESSAGING_CHANNELS[@]}")
    [ "$name" = archive ] && extra=("KOTOPOLKU_WORKER_POLL_SECONDS=1")
    start_service "$name" "${common[@]}" "${extra[@]}" \
      "KOTOPOLKU_SERVICE_KEY_FILE=$keys/service.pem" "KOTOPOLKU_MIGRATE_ON_START=true" \
      "KOTOPOLKU_GRPC_PORT=$(port_of "$name")" "KOTOPOLKU_METRICS_PORT=$(($(port_of "$name") + 1000))" \
      "KOTOPOLKU_DATABASE_URL=$(database_url "$name")" \
      "KOTOPOLKU_OBJECT_STORE_URL=$KOTOPOLKU_VAR/objects/$name"
  done
  start_service gateway "${common[@]}" "KOTOPOLKU_HTTP_PORT=$GATEWAY_PORT" \
    "KOTOPOLKU_GATEWAY_KEY_FILE=$keys/gateway.pem" \
    "KOTOPOLKU_OIDC_ISSUER=http://127.0.0.1:$KC_PORT/realms/kotopolku"
  wait_ready
  log "gateway ready on http://127.0.0.1:$GATEWAY_PORT; dev mail and SMS: $DEV_SINKS_URL"
}

down_services() {
  for (( i=${#SERVICES[@]}-1; i>=0; i-- )); do
    stop_pid_file "$KOTOPOLKU_VAR/run/${SERVICES[$i]}.pid"
  done
}

case "${1:-}" in
  up) up ;;
  down) down_services; bash scripts/keycloak.sh stop ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
