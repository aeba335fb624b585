#!/usr/bin/env bash
# Dev/test Keycloak for Kotopolku (no Docker): fetch | start | stop | status.
#
# The distribution comes from Maven Central (org.keycloak:keycloak-quarkus-dist)
# through mvn, is unpacked into a cache outside the repo, and runs in dev mode
# with the realm deploy/keycloak/kotopolku-realm.json imported fresh on every
# start. Binds to 127.0.0.1 only. See deploy/keycloak/README.md.
set -euo pipefail

# Pinned: the realm JSON and the e2e tests are verified against this version.
KC_VERSION="${KC_VERSION:-26.7.3}"
KC_PORT="${KC_PORT:-8080}"
KC_MANAGEMENT_PORT="${KC_MANAGEMENT_PORT:-9000}"
KC_REALM="kotopolku"
# Generous: idle 2-CPU cold start is ~80 s, but on a busy machine it took ~300 s;
# a crash is still detected at once (the process exits).
KC_START_TIMEOUT="${KC_START_TIMEOUT:-600}"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KOTOPOLKU_CACHE="${KOTOPOLKU_CACHE:-$HOME/.cache/kotopolku}"
# Anchored at the repo root (not the caller's cwd) so stop/status find the
# pid file wherever they are run from.
KOTOPOLKU_VAR="${KOTOPOLKU_VAR:-$REPO_ROOT/var}"

KC_HOME="$KOTOPOLKU_CACHE/keycloak-$KC_VERSION"
REALM_FILE="$REPO_ROOT/deploy/keycloak/kotopolku-realm.json"
LOG_FILE="$KOTOPOLKU_VAR/log/keycloak.log"
PID_FILE="$KOTOPOLKU_VAR/run/keycloak.pid"
BASE_URL="http://127.0.0.1:$KC_PORT"
READY_URL="http://127.0.0.1:$KC_MANAGEMENT_PORT/health/ready"
DISCOVERY_URL="$BASE_URL/realms/$KC_REALM/.well-known/openid-configuration"
# Preferred JDK: Keycloak 26.7 supports 17, 21 and 25; 25 starts faster.
PREFERRED_JDK="/usr/lib/jvm/temurin-25-jdk-amd64"

log() { echo "keycloak.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    cat >&2 <<EOF
usage: $0 fetch|start|stop|status

  fetch   download (mvn) and unpack Keycloak $KC_VERSION into $KOTOPOLKU_CACHE
  start   (re)start Keycloak in dev mode on 127.0.0.1:$KC_PORT with a fresh
          '$KC_REALM' realm; waits until healthy (KC_REUSE=1 reuses a healthy one)
  stop    stop the Keycloak started by this script
  status  print whether Keycloak is running and healthy (exit 0 only if healthy)

env: KC_PORT KC_MANAGEMENT_PORT KC_START_TIMEOUT KC_REUSE KC_JAVA_HOME
     KOTOPOLKU_CACHE KOTOPOLKU_VAR MAVEN_REPO_LOCAL
EOF
}

cmd_fetch() {
    if [[ -x "$KC_HOME/bin/kc.sh" ]]; then
        return 0
    fi
    command -v unzip >/dev/null || die "unzip not found"
    local artifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip"
    # MAVEN_REPO_LOCAL: a non-default local Maven repository (also passed to mvn).
    local m2_repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
    local mvn_args=(-q dependency:get -Dartifact="$artifact" -Dtransitive=false)
    [[ -z "${MAVEN_REPO_LOCAL:-}" ]] || mvn_args+=(-Dmaven.repo.local="$MAVEN_REPO_LOCAL")
    local zip="$m2_repo/org/keycloak/keycloak-quarkus-dist/$KC_VERSION/keycloak-quarkus-dist-$KC_VERSION.zip"
    if [[ ! -f "$zip" ]]; then
        command -v mvn >/dev/null || die "mvn not found (needed to fetch $artifact from Maven Central)"
        log "fetching $artifact"
        mvn "${mvn_args[@]}"
    fi
    [[ -f "$zip" ]] || die "expected $zip after mvn dependency:get"
    mkdir -p "$KOTOPOLKU_CACHE"
    # Unpack into a temp dir and rename so an interrupted unzip never looks cached.
    local tmp
    tmp="$(mktemp -d "$KOTOPOLKU_CACHE/.keycloak-unpack.XXXXXX")"
    unzip -q "$zip" -d "$tmp"
    rm -rf "$KC_HOME"
    mv "$tmp/keycloak-$KC_VERSION" "$KC_HOME"
    rmdir "$tmp"
    log "unpacked Keycloak $KC_VERSION into $KC_HOME"
}

java_major() {
    # Prints the major version of the given java binary ("17", "25", ...).
    "$1" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = //p' | head -n1
}

select_java_home() {
    local candidate java_bin major
    if [[ -n "${KC_JAVA_HOME:-}" ]]; then
        candidate="$KC_JAVA_HOME"
    elif [[ -x "$PREFERRED_JDK/bin/java" ]]; then
        candidate="$PREFERRED_JDK"
    else
        java_bin="$(command -v java || true)"
        [[ -n "$java_bin" ]] || die "no java found: install a JDK 17/21/25 or set KC_JAVA_HOME"
        candidate="$(dirname "$(dirname "$(readlink -f "$java_bin")")")"
    fi
    [[ -x "$candidate/bin/java" ]] || die "no java at $candidate/bin/java"
    major="$(java_major "$candidate/bin/java")"
    [[ "$major" =~ ^[0-9]+$ && "$major" -ge 17 ]] ||
        die "Keycloak $KC_VERSION needs Java 17+, $candidate is '$major'"
    echo "$candidate"
}

http_ok() {
    # True when the URL answers 2xx; curl if present, else python3.
    local url="$1"
    if command -v curl >/dev/null; then
        curl -fsS -o /dev/null --max-time 3 "$url" 2>/dev/null
    else
        python3 - "$url" <<'PY' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=3)
PY
    fi
}

ready_up() {
    local body
    if command -v curl >/dev/null; then
        body="$(curl -fsS --max-time 3 "$READY_URL" 2>/dev/null)" || return 1
    else
        body="$(python3 -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1],timeout=3).read().decode())' "$READY_URL" 2>/dev/null)" || return 1
    fi
    [[ "$body" == *'"status": "UP"'* || "$body" == *'"status":"UP"'* ]]
}

healthy() { ready_up && http_ok "$DISCOVERY_URL"; }

port_busy() {
    # bash /dev/tcp probe: no extra tools needed.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running_pid() {
    # Prints the pid from the pid file if that process is alive.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    # A stale pid file may name a recycled pid: only trust a Keycloak process.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -e 'kc\.sh' -e 'kc\.home\.dir' || return 1
    echo "$pid"
}

cache_users() {
    # Pids of Keycloak processes running from this cache's distribution
    # (kc.sh passes -Dkc.home.dir=<KC_HOME>/bin/..); matched by exact path.
    pgrep -f -- "-Dkc.home.dir=$KC_HOME/bin/\.\. " || true
}

cmd_stop() {
    local pid children waited
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        return 0
    fi
    # kc.sh forwards TERM to its java child; remember the children in case it does not.
    children="$(pgrep -P "$pid" || true)"
    log "stopping Keycloak (pid $pid${children:+, java $children})"
    kill -TERM "$pid" 2>/dev/null || true
    waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 30)); do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "still running after 30 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    local child
    for child in $children; do
        waited=0
        while kill -0 "$child" 2>/dev/null && ((waited < 10)); do
            sleep 1
            waited=$((waited + 1))
        done
        kill -KILL "$child" 2>/dev/null || true
    done
    rm -f "$PID_FILE"
}

wipe_dev_data() {
    # Realm import skips a realm that already exists, so drop the dev H2
    # database (and everything else under data/) but keep data/import.
    local data="$KC_HOME/data"
    mkdir -p "$data/import"
    find "$data" -mindepth 1 -maxdepth 1 ! -name import -exec rm -rf {} +
    rm -f "$data/import/"*.json
    # The self-service pages of a gateway on another port (make test, parallel stacks) must be
    # an allowed redirect target of the UI client too: KOTOPOLKU_UI_ORIGIN adds one.
    python3 - "$REALM_FILE" "$data/import/$KC_REALM-realm.json" "${KOTOPOLKU_UI_ORIGIN:-}" <<'PY'
import json
import sys

source, target, origin = sys.argv[1:4]
realm = json.load(open(source, encoding="utf-8"))
if origin:
    for client in realm["clients"]:
        if client["clientId"] == "kotopolku-ui":
            if f"{origin}/*" not in client["redirectUris"]:
                client["redirectUris"].append(f"{origin}/*")
                client["webOrigins"].append(origin)
                logout = client["attributes"]["post.logout.redirect.uris"]
                client["attributes"]["post.logout.redirect.uris"] = f"{logout}##{origin}/*"
json.dump(realm, open(target, "w", encoding="utf-8"), ensure_ascii=False, indent=2)
PY
}

cmd_start() {
    [[ -f "$REALM_FILE" ]] || die "missing $REALM_FILE"
    if [[ "${KC_REUSE:-0}" == "1" ]] && healthy; then
        log "KC_REUSE=1: reusing the healthy Keycloak at $BASE_URL"
        return 0
    fi
    cmd_stop
    local port
    for port in "$KC_PORT" "$KC_MANAGEMENT_PORT"; do
        port_busy "$port" && die "127.0.0.1:$port is in use by a process this script did not start"
    done

    local others
    others="$(cache_users | paste -sd ' ')"
    # Wiping data/ under a running server would corrupt it (e.g. a Keycloak
    # started with another KOTOPOLKU_VAR from the same cache).
    [[ -z "$others" ]] ||
        die "a Keycloak from $KC_HOME is still running (pid $others); stop it or use another KOTOPOLKU_CACHE"

    cmd_fetch
    local java_home
    java_home="$(select_java_home)"
    wipe_dev_data
    mkdir -p "$(dirname "$LOG_FILE")" "$(dirname "$PID_FILE")"
    : >"$LOG_FILE"
    log "starting Keycloak $KC_VERSION (Java $(java_major "$java_home/bin/java") at $java_home), log $LOG_FILE"

    local started=$SECONDS
    # --hostname pins the issuer to $BASE_URL even when a client calls
    # http://localhost:...; otherwise "iss" follows the request's Host header.
    # setsid: own session, so the server survives the caller's shell/job control
    # and a terminal Ctrl-C does not reach it.
    JAVA_HOME="$java_home" \
        KC_BOOTSTRAP_ADMIN_USERNAME=admin \
        KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
        setsid "$KC_HOME/bin/kc.sh" start-dev \
        --import-realm \
        --http-host=127.0.0.1 \
        --http-port="$KC_PORT" \
        --health-enabled=true \
        --http-management-port="$KC_MANAGEMENT_PORT" \
        --hostname="$BASE_URL" \
        </dev/null >>"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    local pid=$!

    while ((SECONDS - started < KC_START_TIMEOUT)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 60 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            die "Keycloak exited during startup (log above, full log $LOG_FILE)"
        fi
        if healthy; then
            log "Keycloak ready at $BASE_URL (realm $KC_REALM) after $((SECONDS - started)) s"
            return 0
        fi
        sleep 1
    done
    tail -n 60 "$LOG_FILE" >&2 || true
    cmd_stop
    die "Keycloak not ready within ${KC_START_TIMEOUT} s (log above, full log $LOG_FILE)"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        echo "keycloak: running (pid $pid)"
    else
        echo "keycloak: not running (no live pid in $PID_FILE)"
    fi
    if healthy; then
        echo "keycloak: healthy at $BASE_URL (realm $KC_REALM)"
        return 0
    fi
    echo "keycloak: not healthy ($READY_URL / $DISCOVERY_URL)"
    return 1
}

case "${1:-}" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
esac
