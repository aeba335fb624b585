"""values.schema.json and template guards: bad values are rejected by helm itself."""

from __future__ import annotations

from pathlib import Path

import helmchart
import pytest
import yaml

REJECTED = {
    # typos are rejected everywhere, in particular inside a service entry
    "typo in a service entry": ({"services": {"clients": {"replicsa": 2}}}, "replicsa"),
    "typo at the top level": ({"servics": {}}, "servics"),
    "typo in the defaults": ({"default": {"resorces": {}}}, "resorces"),
    "typo in a nested block": (
        {"services": {"audit": {"lifecycle": {"drainSecond": 5}}}},
        "drainSecond",
    ),
    "unknown service kind": ({"services": {"clients": {"kind": "soap"}}}, "kind"),
    "port out of range": ({"services": {"clients": {"port": 70000}}}, "port"),
    "image tag latest": ({"image": {"tag": "latest"}}, "tag"),
    "image tag missing": ({"image": {"tag": None}}, "tag"),
    "image tag empty": ({"image": {"tag": ""}}, "tag"),
    "per-service tag latest": ({"services": {"gateway": {"image": {"tag": "latest"}}}}, "tag"),
    "malformed digest": ({"image": {"digest": "sha256:abc"}}, "digest"),
    "password in env": (
        {"services": {"clients": {"env": {"KOTOPOLKU_DB_PASSWORD": "hunter2"}}}},
        "KOTOPOLKU_DB_PASSWORD",
    ),
    "database url in plain env": (
        {"sharedEnv": {"KOTOPOLKU_DATABASE_URL": "postgresql+psycopg://db/x"}},
        "KOTOPOLKU_DATABASE_URL",
    ),
    "credentials in a URL value": (
        {"services": {"gateway": {"env": {"KOTOPOLKU_OIDC_JWKS_URL": "https://u:p@kc/certs"}}}},
        "KOTOPOLKU_OIDC_JWKS_URL",
    ),
    "bad service name": ({"services": {"Bad_Name": {"port": 50060}}}, "Bad_Name"),
    "unknown ingress key": ({"ingress": {"enable": True}}, "enable"),
    "typo in the keycloak block": ({"keycloak": {"enable": True}}, "enable"),
    "keycloak url with credentials": ({"keycloak": {"url": "https://a:b@kc"}}, "keycloak/url"),
    "unknown keycloak database vendor": (
        {"keycloak": {"database": {"vendor": "mysql"}}},
        "vendor",
    ),
    "a service named like a platform component": (
        {"services": {"keycloak": {"port": 50070}}},
        "keycloak",
    ),
    "egress rule without ports": (
        {"networkPolicy": {"egress": {"database": {"to": [], "ports": []}}}},
        "ports",
    ),
    "external secret key without {service}": (
        {"externalSecrets": {"database": {"remoteKey": "kotopolku/db", "property": "url"}}},
        "remoteKey",
    ),
    "unpinned keycloak image": ({"keycloak": {"image": {"tag": "latest"}}}, "tag"),
    "missing monitoring thresholds": (
        {"monitoring": {"prometheusRule": {"thresholds": None}}},
        "thresholds",
    ),
    # guards in the templates (cross-field rules)
    "drain time overridden in env": (
        {"services": {"audit": {"env": {"KOTOPOLKU_SHUTDOWN_GRACE_SECONDS": "60"}}}},
        "lifecycle.drainSeconds",
    ),
    "in-chart postgresql in production": (
        {"environment": "production", "postgresql": {"enabled": True}},
        "dev profile only",
    ),
    "keycloak on postgres without a database secret": (
        {"keycloak": {"enabled": True, "database": {"vendor": "postgres", "host": "db:5432"}}},
        "keycloak.database.existingSecret",
    ),
    "grace period not above drain + preStop": (
        {
            "default": {
                "lifecycle": {
                    "drainSeconds": 30,
                    "preStopSleepSeconds": 5,
                    "terminationGracePeriodSeconds": 35,
                }
            }
        },
        "terminationGracePeriodSeconds",
    ),
    "allowFrom names an unknown service": (
        {"services": {"clients": {"allowFrom": ["billing"]}}},
        "billing",
    ),
    "ingress to an internal service": (
        {"ingress": {"enabled": True, "service": "clients"}},
        "exposure: public",
    ),
}


def _values_file(tmp_path: Path, values: dict) -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_bad_values_are_rejected(case: str, tmp_path: Path) -> None:
    values, needle = REJECTED[case]
    result = helmchart.helm_template_raw((_values_file(tmp_path, values),))
    assert result.returncode != 0, f"{case}: accepted"
    assert needle in result.stderr, result.stderr


def test_typo_rejection_comes_from_the_schema(tmp_path: Path) -> None:
    result = helmchart.helm_template_raw(
        (_values_file(tmp_path, {"services": {"clients": {"replicsa": 2}}}),)
    )
    assert "values don't meet the specifications of the schema" in result.stderr
    assert "additional properties 'replicsa' not allowed" in result.stderr


@pytest.mark.parametrize(
    "sets",
    [
        # what skaffold passes: per-service repository/tag/digest, possibly an empty digest
        (
            "services.clients.image.repository=localhost:5000/kotopolku-clients",
            "services.clients.image.tag=abc1234-dirty",
            "services.clients.image.digest=",
        ),
        # `--set` turns an all-digit git sha into an integer
        ("image.tag=1234567",),
        ("image.digest=sha256:" + "a" * 64,),
    ],
)
def test_good_image_overrides_are_accepted(sets: tuple[str, ...]) -> None:
    docs = helmchart.render((), sets)
    images = {
        name: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for name, d in helmchart.service_objects(docs, "Deployment").items()
    }
    if "image.tag=1234567" in sets:
        assert all(i.endswith(":1234567") for i in images.values())
    elif sets[0].startswith("image.digest"):
        assert all(i.endswith("@sha256:" + "a" * 64) for i in images.values())
    else:
        assert images["clients"] == "localhost:5000/kotopolku-clients:abc1234-dirty"
        assert images["audit"].startswith("registry.example.fi/kotopolku/kotopolku-audit:")


def test_service_tag_does_not_inherit_global_digest() -> None:
    docs = helmchart.render(
        (), ("image.digest=sha256:" + "b" * 64, "services.audit.image.tag=other")
    )
    images = {
        name: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for name, d in helmchart.service_objects(docs, "Deployment").items()
    }
    assert images["audit"].endswith(":other")
    assert images["clients"].endswith("@sha256:" + "b" * 64)


def test_false_and_zero_override_true_defaults(tmp_path: Path) -> None:
    """The chart's deep merge lets a service turn a default off (sprig's merge would not)."""
    values = {
        "default": {"database": {"enabled": True}},
        "services": {"gateway": {"database": {"enabled": False}}, "audit": {"replicas": 0}},
    }
    docs = helmchart.render((_values_file(tmp_path, values),))
    assert "gateway-migrate" not in helmchart.by_component(docs, "Job")
    assert helmchart.by_component(docs, "Deployment")["audit"]["spec"]["replicas"] == 0


def test_disabled_service_renders_nothing(tmp_path: Path) -> None:
    docs = helmchart.render((), ("services.audit.enabled=false",))
    components = [
        d["metadata"].get("labels", {}).get("app.kubernetes.io/component", "") for d in docs
    ]
    assert not [c for c in components if c.startswith("audit")]
    cm = helmchart.env_configmap(docs)
    assert "KOTOPOLKU_AUDIT_ADDRESS" not in cm["data"]
