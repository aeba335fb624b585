# syntax=docker/dockerfile:1
#
# One Dockerfile for every Kotopolku service; the service is a build argument:
#
#   docker build --build-arg SERVICE=clients -t kotopolku-clients:<tag> .
#   docker run --rm kotopolku-clients:<tag>            # serves (kotopolku-clients)
#   docker run --rm kotopolku-clients:<tag> migrate    # arguments go to the console script
#
# SERVICE selects the console script `kotopolku-<SERVICE>` from pyproject.toml [project.scripts]
# (gateway, clients, audit, ...). A new service needs no change here. The build resolves the
# script and links it to /opt/kotopolku/bin/kotopolku-service, so the exec-form ENTRYPOINT needs no
# shell at runtime (ENTRYPOINT cannot expand build arguments). The process runs as uid/gid 10001
# and works with a read-only root filesystem (bytecode is compiled at build time; HOME and
# KOTOPOLKU_VAR_DIR point to /tmp, which the Helm chart mounts as an emptyDir).
#
# Pin the base image by digest in CI: --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest>
ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# --------------------------------------------------------------------------------------------
# Browser libraries of the self-service pages (the gateway serves them), from the lock file.
FROM ${NODE_IMAGE} AS web
WORKDIR /web
COPY services/gateway/web/package.json services/gateway/web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/kotopolku
WORKDIR /src

# Third-party dependencies first, from pyproject.toml alone: this layer is reused until the
# dependency list changes, and it is the same for every service.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/kotopolku/bin/pip install --requirement /tmp/requirements.txt

# The project itself (hatchling builds the wheel with the `kotopolku` namespace package).
COPY libs ./libs
COPY services ./services
COPY --from=web /web/node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js \
     ./services/gateway/kotopolku/gateway/selfservice/static/vendor/
RUN /opt/kotopolku/bin/pip install --no-deps . \
    && /opt/kotopolku/bin/python -m compileall -q /opt/kotopolku/lib

ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<service>" >&2; exit 1; } \
    && test -x "/opt/kotopolku/bin/kotopolku-${SERVICE}" \
       || { echo "no console script kotopolku-${SERVICE} in pyproject.toml" >&2; exit 1; } \
    && ln -s "kotopolku-${SERVICE}" /opt/kotopolku/bin/kotopolku-service

# --------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG SERVICE
LABEL org.opencontainers.image.title="kotopolku-${SERVICE}" \
      org.opencontainers.image.description="Kotopolku ${SERVICE} service" \
      org.opencontainers.image.licenses="EUPL-1.2" \
      fi.kotopolku.service="${SERVICE}"

# Debian packages a service runs (e.g. APT_PACKAGES=espeak-ng for interpretation's read-aloud).
ARG APT_PACKAGES=""
RUN if [ -n "${APT_PACKAGES}" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ${APT_PACKAGES} \
      && rm -rf /var/lib/apt/lists/*; \
    fi

RUN groupadd --system --gid 10001 kotopolku \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin kotopolku

COPY --from=build /opt/kotopolku /opt/kotopolku

ENV PATH=/opt/kotopolku/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    KOTOPOLKU_VAR_DIR=/tmp

WORKDIR /tmp
USER 10001:10001

ENTRYPOINT ["/opt/kotopolku/bin/kotopolku-service"]
CMD []
