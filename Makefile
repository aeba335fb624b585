# Kotopolku — the two commands: `make up` runs the system, `make test` proves it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_VAR := $(CURDIR)/var/test
# make test runs its own stack on other ports, so it can run beside `make up`; override TEST_PORTS
# to run several beside each other. The e2e suite finds the gateway and Keycloak from it.
TEST_PORTS := GATEWAY_PORT=18000 GRPC_PORT_BASE=15050 KC_PORT=18080 KC_MANAGEMENT_PORT=19000
port_of = $(patsubst $(1)=%,%,$(filter $(1)=%,$(TEST_PORTS)))
# ...and its own unpacked Keycloak: a dev-mode Keycloak keeps its database inside its directory.
TEST_KEYCLOAK_CACHE := $(HOME)/.cache/kotopolku/test-stack

.PHONY: help install web proto check-proto lint up down demo-data test test-python e2e security chart-check bench bench-scale faults clean

help:
	@echo "make up | down | test | security | chart-check | bench | bench-scale | faults | proto | lint"

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# Browser libraries of the self-service pages, from the npm registry (lock file pinned).
WEB := services/gateway/web
WEB_VENDOR := services/gateway/kotopolku/gateway/selfservice/static/vendor
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_VENDOR)/oidc-client-ts.min.js: $(WEB)/node_modules/.installed
	@mkdir -p $(WEB_VENDOR)
	cp $(WEB)/node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js $@

web: $(WEB_VENDOR)/oidc-client-ts.min.js

install: $(VENV)/.installed web

proto: install
	PYTHON=$(PY) bash scripts/gen-proto.sh

# Regenerating the stubs must leave the committed ones unchanged.
check-proto: install
	@rm -rf var/proto-check && mkdir -p var/proto-check
	@OUT_ROOT=var/proto-check PYTHON=$(PY) bash scripts/gen-proto.sh >/dev/null
	@for f in $$(cd var/proto-check && find . -name '*_pb2*' -o -name '__init__.py' | sort); do \
	  cmp -s "var/proto-check/$$f" "$$f" || { echo "stale generated stub: $$f (run make proto)"; exit 1; }; \
	done
	@echo "generated stubs are up to date"

lint: install check-proto
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy libs/common/kotopolku services/*/kotopolku

up: install
	bash scripts/stack.sh up
	$(PY) scripts/demo_data.py
	@echo
	@echo "Kotopolku is running: http://127.0.0.1:8000  (API docs: http://127.0.0.1:8000/docs)"
	@echo "Keycloak: http://127.0.0.1:8080 (admin console: admin / admin)"
	@echo "Test logins (password kotopolku-demo): helsinki.officer, tampere.officer, helsinki.auditor,"
	@echo "  helsinki.employment, helsinki.manager, pirkanmaa.worker, provider.opisto, client.amina"
	@echo "Get a token:  scripts/token.sh helsinki.officer"
	@echo "Stop: make down"

down:
	bash scripts/stack.sh down

demo-data: install
	$(PY) scripts/demo_data.py

# Unit, integration (SQLite and a real PostgreSQL), e2e (real Keycloak, gateway, services on
# PostgreSQL) and the short fault suite on the same stack. Starts and stops what it needs.
test: lint
	@set -euo pipefail; \
	export KOTOPOLKU_VAR=$(TEST_VAR) KOTOPOLKU_CACHE=$(TEST_KEYCLOAK_CACHE) $(TEST_PORTS); \
	cleanup() { bash scripts/stack.sh down >/dev/null 2>&1 || true; bash scripts/postgres.sh stop || true; }; \
	trap cleanup EXIT; \
	pg=$$(bash scripts/postgres.sh start); \
	KOTOPOLKU_TEST_POSTGRES_URL=$$pg KOTOPOLKU_REQUIRE_POSTGRES=1 \
	  $(PY) -m pytest libs services loadtests -q -p no:cacheprovider; \
	KOTOPOLKU_DB_SERVER=$$pg KOTOPOLKU_OIDC_LEEWAY_SECONDS=2 OTEL_TRACES_EXPORTER=console \
	  bash scripts/stack.sh up; \
	KOTOPOLKU_API_URL=http://127.0.0.1:$(call port_of,GATEWAY_PORT) \
	KOTOPOLKU_KEYCLOAK_URL=http://127.0.0.1:$(call port_of,KC_PORT) \
	KOTOPOLKU_REQUIRE_KEYCLOAK=1 KOTOPOLKU_REQUIRE_BROWSER=1 KOTOPOLKU_SCREENSHOTS=$(TEST_VAR)/screenshots \
	KOTOPOLKU_REQUIRE_TRACES=1 \
	KOTOPOLKU_E2E_AUDIT_DATABASE_URL=$${pg%/postgres}/kotopolku_audit \
	KOTOPOLKU_E2E_GUIDANCE_DATABASE_URL=$${pg%/postgres}/kotopolku_guidance \
	KOTOPOLKU_E2E_REPORTING_DATABASE_URL=$${pg%/postgres}/kotopolku_reporting \
	  $(PY) -m pytest e2e -q -p no:cacheprovider; \
	KOTOPOLKU_API_URL=http://127.0.0.1:$(call port_of,GATEWAY_PORT) \
	KOTOPOLKU_KEYCLOAK_URL=http://127.0.0.1:$(call port_of,KC_PORT) \
	  $(PY) -m loadtests.faults --short --out $(TEST_VAR)/faults

# e2e only, against a running system (make up, or a cluster: set KOTOPOLKU_API_URL).
e2e: install
	KOTOPOLKU_REQUIRE_KEYCLOAK=1 $(PY) -m pytest e2e -q

# The security suite against a running system (make up, or a cluster: set KOTOPOLKU_API_URL):
# authorisation matrix, Schemathesis, token attacks, spoofed gRPC identity, leak scan. Reports
# in var/security/. make test runs it too, as part of e2e.
security: install
	KOTOPOLKU_REQUIRE_KEYCLOAK=1 $(PY) -m pytest e2e/security -q

chart-check: install
	PYTHON=$(PY) bash scripts/chart-check.sh

# Load test against the running system (make up first). BENCH_SECONDS, BENCH_USERS tune it;
# BENCH_SCALE=1 adds the scale section (search at 10k/100k/1M clients, audit at 1M entries).
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } \
	  || echo "bench: wrk is missing (sudo apt-get install wrk); saturation throughput is skipped"
	$(PY) loadtests/run_bench.py

# Fault injection under load (loadtests/faults): its own stack on PostgreSQL, as make test starts
# it; kills and restarts every backend, PostgreSQL, freezes Keycloak for a minute (about 8 min).
# FAULTS_ARGS passes options, e.g. FAULTS_ARGS="--short" or "--faults clients,postgres".
FAULTS_ARGS ?=
faults: install
	@set -euo pipefail; \
	export KOTOPOLKU_VAR=$(TEST_VAR) KOTOPOLKU_CACHE=$(TEST_KEYCLOAK_CACHE) $(TEST_PORTS); \
	cleanup() { bash scripts/stack.sh down >/dev/null 2>&1 || true; bash scripts/postgres.sh stop || true; }; \
	trap cleanup EXIT; \
	pg=$$(bash scripts/postgres.sh start); \
	KOTOPOLKU_DB_SERVER=$$pg bash scripts/stack.sh up; \
	KOTOPOLKU_API_URL=http://127.0.0.1:$(call port_of,GATEWAY_PORT) \
	KOTOPOLKU_KEYCLOAK_URL=http://127.0.0.1:$(call port_of,KC_PORT) \
	  $(PY) -m loadtests.faults $(FAULTS_ARGS)

# The scale section alone, on the PostgreSQL server BENCH_SCALE_DATABASE_SERVER (populations are
# generated on the first run and kept). See loadtests/README.md.
bench-scale: install
	BENCH_SCALE=only $(PY) loadtests/run_bench.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
