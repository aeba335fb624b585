"""docs/outreach-import.md and the reader agree: the JSON Schema names the reader's fields, its
example and the CSV example are read without a problem, and documents the schema refuses for
their shape the reader refuses too."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kotopolku.clients.domain.outreach import TargetGroup, TargetListSource
from kotopolku.clients.domain.outreach_import import (
    COLUMNS,
    IDENTIFYING_COLUMNS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    InvalidTargetList,
    parse_target_list,
)

DOC = Path(__file__).resolve().parents[4] / "docs" / "outreach-import.md"
TODAY = date(2026, 3, 2)


def _block(marker: str | None, language: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    if marker is not None:
        text = text.split(f"<!-- {marker} -->", 1)[1]
    match = re.search(rf"```{language}\n(.*?)```", text, re.DOTALL)
    assert match, f"no {language} block after {marker}"
    return match.group(1)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_block("outreach-list-schema", "json"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def test_the_schema_names_exactly_the_readers_fields(schema: dict[str, Any]) -> None:
    rows = schema["properties"]["rows"]
    assert rows["maxItems"] == MAX_ROWS
    item = rows["items"]
    assert set(item["properties"]) == set(COLUMNS)
    assert tuple(item["required"]) == REQUIRED_COLUMNS
    assert {branch["required"][0] for branch in item["anyOf"]} == set(IDENTIFYING_COLUMNS)
    assert item["properties"]["target_group"]["enum"] == [g.value for g in TargetGroup]


def test_the_csv_table_lists_every_column_in_order() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE)
    assert tuple(documented) == COLUMNS


def test_the_examples_are_read_without_problems(schema: dict[str, Any]) -> None:
    example = _block("outreach-list-example", "json")
    jsonschema.validate(json.loads(example), schema)
    parsed = parse_target_list(
        example.encode(),
        "application/json",
        source=TargetListSource.MIGRI,
        municipality="091",
        today=TODAY,
    )
    assert len(parsed.persons) == 2
    csv_example = _block(None, "csv")
    parsed = parse_target_list(
        csv_example.encode(),
        "text/csv",
        source=TargetListSource.KELA,
        municipality="091",
        today=TODAY,
    )
    assert parsed.rows == 3
    assert len(parsed.persons) == 2


GOOD_ROW = {
    "henkilotunnus": "021101A903J",
    "first_names": "Olena",
    "last_name": "Kovalenko",
    "date_of_birth": "2001-11-02",
    "target_group": "international-protection",
    "first_permit_date": "2025-05-20",
}


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"rows": {}},
        {"rows": [], "source": "migri"},
        {"rows": ["row"]},
        {"rows": [{**GOOD_ROW, "nickname": "x"}]},
        {"rows": [{**GOOD_ROW, "first_names": 3}]},
        {"rows": [{**GOOD_ROW, "languages": "uk"}]},
        {"rows": [{k: v for k, v in GOOD_ROW.items() if k != "last_name"}]},
        {"rows": [{**GOOD_ROW, "henkilotunnus": None}]},
        {"rows": [{**GOOD_ROW, "target_group": "refugee"}]},
        {"rows": [{**GOOD_ROW, "first_permit_date": "20.5.25"}]},
    ],
)
def test_what_the_schema_refuses_the_reader_refuses(schema: dict[str, Any], document: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
    with pytest.raises(InvalidTargetList):
        parse_target_list(
            json.dumps(document).encode(),
            "application/json",
            source=TargetListSource.MIGRI,
            municipality="091",
            today=TODAY,
        )
