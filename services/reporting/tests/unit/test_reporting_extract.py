"""The national extract: valid against its JSON Schema, small cells suppressed, follow-up rows
pseudonymised with the national key and k-anonymous, nothing identifying."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from importlib import resources

import jsonschema
from reporting_facts_kit import fact, pseudonym

from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.reporting import export
from kotopolku.reporting.domain.extract import (
    NATIONAL_PURPOSE,
    MunicipalityFacts,
    k_anonymise,
    lead_time_band,
    national_extract,
)
from kotopolku.reporting.domain.periods import period

TODAY = date(2026, 6, 15)
NATIONAL = PseudonymKey(bytes.fromhex("42" * 32), NATIONAL_PURPOSE)


def schema() -> dict:
    text = resources.files("kotopolku.reporting.schemas").joinpath(
        "national-extract-v1.schema.json"
    )
    return json.loads(text.read_text())


def _client(name: str, started: str, kind: str = "BASIC", moved_in: str = "2025-12-01") -> list:
    return [
        fact("assessment_started", name, f"A-{name}", started, kind=kind, moved_in_on=moved_in),
        fact(
            "plan_status_changed",
            name,
            f"P-{name}",
            started,
            kind="INDIVIDUAL",
            from_status="AWAITING_APPROVAL",
            to_status="ACTIVE",
        ),
    ]


def document(facts: list, threshold: int = 5) -> dict:
    return national_extract(
        [MunicipalityFacts("091", facts)],
        period("2026-01", "2026-03", "month", today=TODAY),
        threshold,
        lambda municipality, subject: NATIONAL.pseudonym(
            "national", "subject", f"{municipality}:{subject}"
        ),
        datetime(2026, 6, 15, 9, tzinfo=UTC),
    )


def _clients(prefix: str, count: int, day: str, kind: str) -> list:
    return [f for i in range(count) for f in _client(f"{prefix}{i}", day, kind=kind)]


def test_the_extract_matches_its_schema_and_suppresses_small_cells() -> None:
    facts = [
        *_clients("jan-b", 7, "2026-01-15", "BASIC"),
        *_clients("jan-m", 6, "2026-01-16", "MULTI_SECTOR"),
        *_clients("feb-b", 8, "2026-02-10", "BASIC"),
        *_clients("feb-m", 2, "2026-02-11", "MULTI_SECTOR"),
        *_clients("mar-b", 6, "2026-03-10", "BASIC"),
        *_clients("mar-m", 5, "2026-03-11", "MULTI_SECTOR"),
    ]
    extracted = document(facts)
    jsonschema.validate(extracted, schema())
    started = next(t for t in extracted["tables"] if t["name"] == "assessments_started")
    assert started["rows"] == ["2026-01", "2026-02", "2026-03"]
    assert started["columns"] == ["BASIC", "MULTI_SECTOR"]
    assert started["cells"][0] == [
        {"count": 7, "status": "published"},
        {"count": 6, "status": "published"},
    ]
    assert started["cells"][1][1] == {"count": None, "status": "primary"}
    assert started["grand_total"] == {"count": 34, "status": "published"}
    # No row or column (with its total) has exactly one withheld number.
    cells = started["cells"]
    lines = [[*row, started["row_totals"][r]] for r, row in enumerate(cells)]
    lines += [
        [*(row[c] for row in cells), started["column_totals"][c]]
        for c in range(len(started["columns"]))
    ]
    for line in lines:
        assert sum(entry["count"] is None for entry in line) != 1


def test_follow_up_rows_are_national_pseudonyms_with_k_anonymous_attributes() -> None:
    facts = [
        *[f for i in range(6) for f in _client(f"jan{i}", "2026-01-15")],
        *_client("lonely", "2026-02-10", kind="MULTI_SECTOR", moved_in="2019-01-01"),
    ]
    extracted = document(facts)
    jsonschema.validate(extracted, schema())
    rows = extracted["follow_up"]["rows"]
    assert len(rows) == 6
    assert {r["assessment_kind"] for r in rows} == {"BASIC"}
    assert {r["lead_time_band"] for r in rows} == {"under-6-months"}
    assert {r["plan_kind"] for r in rows} == {"INDIVIDUAL"}
    # The one client with a rare combination is left out; the count of such rows is small too.
    assert extracted["follow_up"]["withheld_rows"] == [
        {"municipality": "091", "count": None, "status": "primary"}
    ]
    municipal = {pseudonym(f"jan{i}") for i in range(6)}
    national = {r["pseudonym"] for r in rows}
    assert not national & municipal
    assert national == {NATIONAL.pseudonym("national", "subject", f"091:{p}") for p in municipal}
    text = json.dumps(extracted)
    for p in municipal:
        assert p not in text


def test_rare_combinations_are_generalised_before_rows_are_dropped() -> None:
    rows = [
        {
            "subject": str(i),
            "municipality": "091",
            "assessment_kind": "BASIC",
            "lead_time_band": band,
            "plan_kind": "none",
            "services_completed": "0",
            "language_level": "none",
        }
        for i, band in enumerate(["unknown"] * 5 + ["1-2-years", "2-3-years"] * 3)
    ]
    kept, withheld = k_anonymise(rows, 5)
    assert withheld == {}
    assert sum(1 for r in kept if r["lead_time_band"] == "unknown") == 5
    assert sum(1 for r in kept if r["lead_time_band"] is None) == 6


def test_lead_time_bands() -> None:
    assert lead_time_band(None, date(2026, 1, 1)) == "unknown"
    assert lead_time_band(date(2026, 1, 2), date(2026, 1, 1)) == "unknown"
    assert lead_time_band(date(2025, 12, 1), date(2026, 1, 1)) == "under-6-months"
    assert lead_time_band(date(2025, 3, 1), date(2026, 1, 1)) == "6-12-months"
    assert lead_time_band(date(2022, 1, 1), date(2026, 1, 1)) == "over-3-years"


def test_csv_forms_hold_the_same_numbers() -> None:
    extracted = document([f for i in range(6) for f in _client(f"c{i}", "2026-01-15")])
    cells = list(csv.DictReader(io.StringIO(export.extract_cells_csv(extracted).decode())))
    january = next(
        r
        for r in cells
        if r["table"] == "assessments_started" and r["row"] == "2026-01" and r["column"] == "BASIC"
    )
    assert (january["count"], january["status"]) == ("6", "published")
    follow_up = list(csv.DictReader(io.StringIO(export.extract_follow_up_csv(extracted).decode())))
    assert len(follow_up) == 6
    assert set(follow_up[0]) == {"pseudonym", "municipality", *extracted["follow_up"]["attributes"]}
