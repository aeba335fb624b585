"""The TOS: the shipped file is valid and covers every record type the services export; a bad
file is refused with every problem named by its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from kotopolku.archive.domain.tos import (
    SHIPPED_TOS,
    Preservation,
    Publicity,
    TosError,
    Trigger,
    load_tos,
    parse_tos,
)
from kotopolku.archive.package_contents import AUDIT_EXTRACT_TYPE
from kotopolku.archive.service import ArchiveSettings
from kotopolku.common.client_records import ClientRecordsConfig
from kotopolku.common.facts import MUNICIPAL_PURPOSE
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.reporting.client_records import client_records as reporting_records

SERVICES = [
    "clients",
    "assessment",
    "plans",
    "programme",
    "messaging",
    "appointments",
    "interpretation",
    "esign",
    "contracts",
    "guidance",
    "welfare",
    "reporting",
]


def _declared(service: str) -> ClientRecordsConfig:
    if service == "reporting":
        # Its declaration needs the municipal reporting key (any key names the same types).
        return reporting_records(PseudonymKey(bytes(32), MUNICIPAL_PURPOSE))
    module = __import__(f"kotopolku.{service}.client_records", fromlist=["CLIENT_RECORDS"])
    config: ClientRecordsConfig = module.CLIENT_RECORDS
    return config


def rule(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "record_type": "plans.plan",
        "title": "Kotoutumissuunnitelma",
        "preservation": "dispose",
        "retention_years": 10,
        "trigger": "last-plan-end",
        "publicity": "secret",
        "secrecy_basis": "JulkL 621/1999 24.1 § 25 k.",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def document(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Testi", "version": "1", "record_types": list(rules) or [rule()]}


def problems(value: Any) -> str:
    with pytest.raises(TosError) as info:
        parse_tos(value, source="tos.yaml")
    return str(info.value)


def test_the_shipped_tos_covers_every_exported_record_type() -> None:
    tos = load_tos(SHIPPED_TOS)
    declared = {
        source.record_type
        for service in SERVICES
        for source in _declared(service).sources
        if source.exported
    }
    assert tos.missing([*declared, AUDIT_EXTRACT_TYPE]) == []
    # Nothing in the TOS that no service makes.
    assert set(tos.rules) - declared == {AUDIT_EXTRACT_TYPE}


def test_record_types_are_named_after_their_service() -> None:
    for service in SERVICES:
        for source in _declared(service).sources:
            assert source.record_type.startswith(f"{service}."), source.record_type


def test_a_valid_rule_is_read() -> None:
    tos = parse_tos(
        document(
            rule(),
            rule(
                record_type="clients.client",
                publicity="public",
                secrecy_basis=None,
                preservation="permanent",
                retention_years=None,
                trigger=None,
            ),
        )
    )
    plan = tos.rules["plans.plan"]
    assert plan.preservation is Preservation.DISPOSE
    assert plan.trigger is Trigger.LAST_PLAN_END
    assert plan.publicity is Publicity.SECRET
    assert tos.rules["clients.client"].permanent
    assert tos.missing(["plans.plan", "x.y"]) == ["x.y"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (rule(retention_years=None), "record_types[0]: retention_years is required"),
        (rule(trigger=None), "record_types[0]: trigger is required"),
        (
            rule(preservation="permanent"),
            "retention_years must be left out when preservation is 'permanent'",
        ),
        (rule(secrecy_basis=None), "secrecy_basis is required unless publicity is 'public'"),
        (rule(record_type="Plans"), "record_types[0].record_type: must be '<service>.<record>'"),
        (rule(retention_years=0), "record_types[0].retention_years:"),
        (rule(trigger="whenever"), "record_types[0].trigger:"),
        (rule(publicity="open"), "record_types[0].publicity:"),
        (rule(colour="blue"), "record_types[0].colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_rule_is_named(value: dict[str, Any], expected: str) -> None:
    message = problems(document(value))
    assert message.startswith("tos.yaml is not valid:")
    assert expected in message


def test_every_problem_is_listed_at_once() -> None:
    message = problems(document(rule(trigger=None), rule(record_type="x", publicity="?")))
    assert "record_types[0]" in message
    assert "record_types[1].record_type" in message
    assert "record_types[1].publicity" in message


def test_duplicates_and_empty_files_are_refused() -> None:
    assert "record_types[1].record_type: plans.plan is repeated" in problems(
        document(rule(), rule())
    )
    assert "record_types:" in problems({"name": "x", "version": "1", "record_types": []})
    assert "(file)" in problems(None)


def test_files_are_read_and_their_errors_named(tmp_path: Path) -> None:
    good = tmp_path / "tos.yaml"
    good.write_text(yaml.safe_dump(document()), encoding="utf-8")
    assert load_tos(good).version == "1"
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [", encoding="utf-8")
    with pytest.raises(TosError, match=r"broken\.yaml is not valid YAML"):
        load_tos(broken)
    with pytest.raises(TosError, match="cannot be read"):
        load_tos(tmp_path / "missing.yaml")


def test_the_service_does_not_start_with_a_bad_tos(tmp_path: Path) -> None:
    bad = tmp_path / "tos.yaml"
    bad.write_text(yaml.safe_dump(document(rule(trigger=None))), encoding="utf-8")
    with pytest.raises(pydantic.ValidationError, match="trigger is required"):
        ArchiveSettings(tos_file=bad)
    assert ArchiveSettings().tos().version == load_tos(SHIPPED_TOS).version
