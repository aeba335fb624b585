"""Reading target-group lists: CSV and JSON, every row validated, problems named by line."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from kotopolku.clients.domain import ClientDomainError
from kotopolku.clients.domain import outreach_import as module
from kotopolku.clients.domain.outreach import TargetGroup, TargetListSource
from kotopolku.clients.domain.outreach_import import (
    InvalidTargetList,
    ParsedTargetList,
    media_type_of,
    parse_target_list,
)
from kotopolku.common.testing import temporary_henkilotunnus

TODAY = date(2026, 3, 2)
AMINA = temporary_henkilotunnus(date(1990, 1, 15), 901)
OMAR = temporary_henkilotunnus(date(1985, 6, 30), 902)
OLENA = temporary_henkilotunnus(date(2001, 11, 2), 903)
HEADER = "henkilotunnus,first_names,last_name,date_of_birth,target_group,first_permit_date"
GOOD = f"{AMINA},Amina,Hassan,1990-01-15,social-assistance,2024-03-01"


def parse(
    text: str | bytes,
    media_type: str = "text/csv",
    source: TargetListSource = TargetListSource.KELA,
    municipality: str = "091",
) -> ParsedTargetList:
    content = text.encode() if isinstance(text, str) else text
    return parse_target_list(
        content, media_type, source=source, municipality=municipality, today=TODAY
    )


def problems(text: str | bytes, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(InvalidTargetList) as info:
        parse(text, **kwargs)
    return {p.field: p.message for p in info.value.problems}


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def row(hetu: str = AMINA, **overrides: str) -> str:
    values = {
        "henkilotunnus": hetu,
        "first_names": "Amina",
        "last_name": "Hassan",
        "date_of_birth": "1990-01-15",
        "target_group": "social-assistance",
        "first_permit_date": "2024-03-01",
        **overrides,
    }
    return ",".join(values.values())


# --- good lists ----------------------------------------------------------------------------------


def test_a_good_csv_list_gives_its_people() -> None:
    parsed = parse(
        csv(
            GOOD,
            f"{OMAR},Omar,Ali,1985-06-30,social-assistance,2025-09-01",
        )
    )
    assert parsed.rows == 2
    [amina, omar] = parsed.persons
    assert amina.henkilotunnus == AMINA
    assert amina.key == f"hetu:{AMINA}"
    assert amina.groups == {TargetGroup.SOCIAL_ASSISTANCE: date(2024, 3, 1)}
    assert amina.first_permit_date == date(2024, 3, 1)
    assert (omar.first_names, omar.last_name, omar.date_of_birth) == (
        "Omar",
        "Ali",
        date(1985, 6, 30),
    )


def test_semicolons_finnish_dates_crlf_and_a_byte_order_mark() -> None:
    text = (
        "\ufeffHenkilotunnus;FIRST_NAMES;last_name;date_of_birth;target_group;first_permit_date;"
        "languages;phone;email;street_address;postal_code;post_office;municipality_code\r\n"
        f"{AMINA};Amina;Hassan;15.1.1990;social-assistance;1.3.2024;so ar;040 123 4567;"
        "amina@example.fi;Kotikatu 1 A 2;00100;Helsinki;091\r\n"
    )
    [amina] = parse(text).persons
    assert amina.date_of_birth == date(1990, 1, 15)
    assert amina.groups == {TargetGroup.SOCIAL_ASSISTANCE: date(2024, 3, 1)}
    assert amina.languages == ["so", "ar"]
    assert amina.contact == {
        "phone": "+358401234567",
        "email": "amina@example.fi",
        "street_address": "Kotikatu 1 A 2",
        "postal_code": "00100",
        "post_office": "Helsinki",
    }


def test_a_person_in_several_groups_is_one_person_with_the_earliest_date() -> None:
    parsed = parse(
        csv(
            row(first_permit_date="2024-03-01"),
            row(target_group="child-home-care-allowance", first_permit_date="2024-02-01"),
            # The same group again (a repeated row) is the same membership.
            row(first_permit_date="2024-01-15"),
            # Case and spacing of names do not make another person.
            row(first_names="AMINA", last_name=" hassan "),
        )
    )
    assert parsed.rows == 4
    [amina] = parsed.persons
    assert amina.groups == {
        TargetGroup.SOCIAL_ASSISTANCE: date(2024, 1, 15),
        TargetGroup.CHILD_HOME_CARE_ALLOWANCE: date(2024, 2, 1),
    }
    assert amina.first_permit_date == date(2024, 1, 15)
    assert amina.rows == [2, 3, 4, 5]


def test_a_person_without_an_identity_code_is_known_by_the_sources_id() -> None:
    header = "source_person_id,first_names,last_name,date_of_birth,target_group,first_permit_date"
    parsed = parse(
        csv("MIG-4471902,Mary,Okafor,1979-03-08,trafficking-victim,2024-10-01", header=header),
        source=TargetListSource.MIGRI,
    )
    [mary] = parsed.persons
    assert mary.henkilotunnus is None
    assert mary.key == "migri:MIG-4471902"


def test_blank_lines_and_empty_rows_are_skipped_but_lines_still_count() -> None:
    text = csv("", GOOD, ",,,,,", "", row(OMAR, date_of_birth="1985-06-31"))
    found = problems(text)
    assert list(found) == ["rows[6].date_of_birth"]
    assert parse(csv("", GOOD, ",,,,,")).rows == 1


def test_a_quoted_field_over_two_lines_keeps_the_line_numbers_physical() -> None:
    header = HEADER + ",street_address"
    text = csv(
        f'{GOOD},"Kotikatu 1\nA 2"',
        row(OMAR, first_names="Omar", date_of_birth="1985-06-30") + ",x",
        row(OLENA, date_of_birth="1999-01-01") + ",",
        header=header,
    )
    # Line 2-3: the two-line record (a newline is not printable in an address);
    # line 4: good; line 5: the birth date does not match the code.
    assert problems(text) == {
        "rows[2].street_address": "must be printable text of at most 200 characters",
        "rows[5].date_of_birth": "does not match the date in the henkilötunnus",
    }


# --- the 17th line -------------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_is_named_by_its_line() -> None:
    people = [temporary_henkilotunnus(date(1980, 1, day), 900 + day) for day in range(1, 17)]
    rows = [
        f"{code},Testi,Henkilö,1980-01-{day:02d},social-assistance,2024-01-{day:02d}"
        for day, code in enumerate(people, start=1)
    ]
    rows[15] = rows[15].replace("2024-01-16", "2022-01-16")  # line 17: window ended
    found = problems(csv(*rows))
    assert list(found) == ["rows[17].first_permit_date"]
    assert "2025-01-16" in found["rows[17].first_permit_date"]


def test_every_bad_row_and_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidTargetList) as info:
        parse(
            csv(
                GOOD,
                row(OMAR[:-1] + ("A" if OMAR[-1] != "A" else "B"), date_of_birth="1985-06-30"),
                row(OLENA, first_names="", date_of_birth="2001-11-02", target_group="nobody"),
                row("", first_permit_date="2030-01-01"),
            )
        )
    error = info.value
    assert [p.field for p in error.problems] == [
        "rows[3].henkilotunnus",
        "rows[4].first_names",
        "rows[4].target_group",
        "rows[5].henkilotunnus",
        "rows[5].first_permit_date",
    ]
    assert error.bad_rows == 3
    for problem in error.problems:
        assert OMAR[:6] not in problem.message
        assert OLENA[:6] not in problem.message


# --- each field ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_names": ""}, "first_names", "is required"),
        ({"last_name": "x" * 201}, "last_name", "at most 200"),
        ({"last_name": "Has\x07san"}, "last_name", "printable"),
        ({"date_of_birth": ""}, "date_of_birth", "is required"),
        ({"date_of_birth": "15/01/1990"}, "date_of_birth", "YYYY-MM-DD or D.M.YYYY"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth", "real calendar date"),
        ({"date_of_birth": "1990-01-16"}, "date_of_birth", "does not match"),
        ({"henkilotunnus": "150190-9010"}, "henkilotunnus", "check character"),
        ({"henkilotunnus": "1501909010"}, "henkilotunnus", "11 characters"),
        ({"target_group": ""}, "target_group", "is required"),
        ({"target_group": "refugee"}, "target_group", "must be one of"),
        ({"target_group": "international-protection"}, "target_group", "kela list"),
        ({"first_permit_date": ""}, "first_permit_date", "is required"),
        ({"first_permit_date": "2026-03-03"}, "first_permit_date", "future"),
        ({"first_permit_date": "1989-12-31"}, "first_permit_date", "before the date of birth"),
        ({"first_permit_date": "2023-03-01"}, "first_permit_date", "ended on 2026-03-01"),
    ],
)
def test_a_bad_value_is_named(overrides: dict[str, str], field: str, message: str | None) -> None:
    found = problems(csv(row(**overrides)))
    assert f"rows[2].{field}" in found, found
    if message:
        assert message in found[f"rows[2].{field}"]


def test_the_window_is_checked_against_the_day_of_the_import() -> None:
    # Three years ago today is the last day inside the window.
    assert parse(csv(row(first_permit_date="2023-03-02"))).rows == 1
    assert "rows[2].first_permit_date" in problems(csv(row(first_permit_date="2023-03-01")))
    # The same row a day later is out: the clock decides, not the file.
    with pytest.raises(InvalidTargetList):
        parse_target_list(
            csv(row(first_permit_date="2023-03-02")).encode(),
            "text/csv",
            source=TargetListSource.KELA,
            municipality="091",
            today=date(2026, 3, 3),
        )


def test_identity_code_or_source_id_is_required() -> None:
    header = HEADER + ",source_person_id"
    found = problems(csv(row("") + ",", header=header))
    assert found == {"rows[2].henkilotunnus": "is required when source_person_id is empty"}
    assert parse(csv(row("") + ",KELA-1", header=header)).persons[0].key == "kela:KELA-1"
    found = problems(csv(row("") + ",bad id!", header=header))
    assert "rows[2].source_person_id" in found


def test_optional_columns_are_checked() -> None:
    header = HEADER + ",languages,phone,email,postal_code,municipality_code"
    found = problems(csv(row() + ",xx,12,not-an-address,1234,837", header=header))
    assert set(found) == {
        "rows[2].languages",
        "rows[2].phone",
        "rows[2].email",
        "rows[2].postal_code",
        "rows[2].municipality_code",
    }
    assert "091" in found["rows[2].municipality_code"]
    assert "837" not in found["rows[2].municipality_code"]


def test_the_same_person_with_another_name_is_refused() -> None:
    found = problems(csv(GOOD, row(last_name="Hussein")))
    assert found == {
        "rows[3].henkilotunnus": "the same person is on line 2 with another name or date of birth"
    }


# --- the file ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (f"{AMINA},Amina,Hassan,1990-01-15,social-assistance,2024-03-01", "must name the columns"),
        (HEADER + ",nickname", "column 7 has an unknown name"),
        (HEADER + ",last_name", "the column last_name appears twice"),
        ("henkilotunnus,first_names,last_name,date_of_birth,target_group", "first_permit_date"),
        (
            "first_names,last_name,date_of_birth,target_group,first_permit_date",
            "a henkilotunnus or a source_person_id column is required",
        ),
    ],
)
def test_a_bad_header_is_named(header: str, message: str) -> None:
    found = problems(csv(GOOD, header=header))
    assert list(found) == ["header"]
    assert message in found["header"]
    assert AMINA not in found["header"]


def test_a_row_with_too_few_or_many_fields() -> None:
    found = problems(csv(GOOD, GOOD + ",extra", "x,y"))
    assert found == {
        "rows[3]": "has 7 fields, the header names 6",
        "rows[4]": "has 2 fields, the header names 6",
    }


def test_broken_csv_quoting_names_the_line() -> None:
    found = problems(csv(GOOD, f'{OMAR},"Omar"x,Ali,1985-06-30,social-assistance,2025-01-01'))
    assert list(found) == ["rows[3]"]
    assert "not valid CSV" in found["rows[3]"]


@pytest.mark.parametrize(
    ("content", "media_type", "field", "message"),
    [
        (b"", "text/csv", "content", "is empty"),
        (b"  \n", "text/csv", "content", "is empty"),
        (HEADER.encode() + b"\n", "text/csv", "content", "has no rows"),
        (HEADER.encode() + b"\n\xff\xfe\n", "text/csv", "content", "not UTF-8 text (line 2)"),
        (b"{}", "application/xml", "media_type", "text/csv or application/json"),
        (b"{}", "text/csv; charset=latin-1", "media_type", "UTF-8"),
        (b'{"rows": [}', "application/json", "content", "not valid JSON (line 1, column 11"),
        (b"[]", "application/json", "content", '"rows" array'),
        (b'{"rows": {}}', "application/json", "rows", "must be an array"),
        (b'{"rows": [], "source": "kela"}', "application/json", "content", "unknown properties"),
        (b'{"rows": []}', "application/json", "content", "has no rows"),
    ],
)
def test_a_bad_file_is_named(content: bytes, media_type: str, field: str, message: str) -> None:
    with pytest.raises(InvalidTargetList) as info:
        parse(content, media_type)
    [problem] = info.value.problems
    assert problem.field == field
    assert message in problem.message
    assert info.value.bad_rows == 0


def test_media_types() -> None:
    assert media_type_of("text/csv") == "text/csv"
    assert media_type_of("Text/CSV; charset=UTF-8") == "text/csv"
    assert media_type_of('application/json; charset="utf-8"') == "application/json"
    with pytest.raises(ClientDomainError):
        media_type_of("text/plain")


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "MAX_ROWS", 2)
    assert parse(csv(GOOD, GOOD)).rows == 2
    assert "more than 2 rows" in problems(csv(GOOD, GOOD, GOOD))["content"]
    document = {"rows": [json_row()] * 3}
    assert (
        "more than 2 rows"
        in problems(json.dumps(document), media_type="application/json")["content"]
    )


# --- JSON ----------------------------------------------------------------------------------------


def json_row(**overrides: Any) -> dict[str, Any]:
    return {
        "henkilotunnus": OLENA,
        "first_names": "Olena",
        "last_name": "Kovalenko",
        "date_of_birth": "2001-11-02",
        "target_group": "international-protection",
        "first_permit_date": "2025-05-20",
        "languages": ["uk", "ru"],
        **overrides,
    }


def test_a_good_json_list() -> None:
    document = {
        "$schema": "urn:kotopolku:outreach-list:1",
        "rows": [
            json_row(email=None, phone="+358501234567"),
            {
                "source_person_id": "MIG-4471902",
                "first_names": "Mary",
                "last_name": "Okafor",
                "date_of_birth": "1979-03-08",
                "target_group": "trafficking-victim",
                "first_permit_date": "2024-10-01",
            },
        ],
    }
    parsed = parse(json.dumps(document), "application/json", source=TargetListSource.MIGRI)
    [olena, mary] = parsed.persons
    assert olena.languages == ["uk", "ru"]
    assert olena.contact == {"phone": "+358501234567"}
    assert mary.key == "migri:MIG-4471902"


def test_json_rows_are_named_by_their_index() -> None:
    document = {
        "rows": [
            json_row(),
            "not a row",
            json_row(first_names=3, nickname="x"),
            json_row(languages="uk"),
            json_row(target_group="social-assistance", last_name="Other"),
        ]
    }
    found = problems(
        json.dumps(document), media_type="application/json", source=TargetListSource.MIGRI
    )
    assert found == {
        "rows[1]": "must be an object",
        "rows[2].first_names": "must be a string",
        "rows[2].nickname": "is not a property of a row",
        "rows[3].languages": "must be an array of language codes",
        "rows[4].target_group": (
            "a migri list does not report social-assistance "
            "(only international-protection, trafficking-victim)"
        ),
    }
    document = {"rows": [json_row(), json_row(last_name="Other")]}
    found = problems(
        json.dumps(document), media_type="application/json", source=TargetListSource.MIGRI
    )
    assert found == {
        "rows[1].henkilotunnus": "the same person is on rows[0] with another name or date of birth"
    }
