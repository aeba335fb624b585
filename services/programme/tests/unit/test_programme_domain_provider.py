"""Provider organisation ids, free text and contact persons."""

from __future__ import annotations

import pytest

from kotopolku.programme.domain import (
    MAX_CONTACTS,
    ProgrammeDomainError,
    require_reachable,
    validate_contact_count,
    validate_contact_email,
    validate_contact_phone,
    validate_organisation_id,
    validate_text,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("opisto", "opisto"),
        (" kansalaisopisto-2 ", "kansalaisopisto-2"),
        ("a1", "a1"),
        ("x" * 36, "x" * 36),
        ("a-b-c", "a-b-c"),
    ],
)
def test_valid_organisation_ids(given: str, expected: str) -> None:
    assert validate_organisation_id(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "a",
        "x" * 37,
        "Opisto",
        "-opisto",
        "opisto-",
        "op--isto",
        "opisto oy",
        "öpisto",
        "op_isto",
        "opisto.fi",
    ],
)
def test_invalid_organisation_ids(given: str) -> None:
    with pytest.raises(ProgrammeDomainError) as info:
        validate_organisation_id(given, field="provider_id")
    assert info.value.field == "provider_id"


def test_organisation_id_is_required() -> None:
    with pytest.raises(ProgrammeDomainError, match="required"):
        validate_organisation_id("  ")


def test_text_is_folded_bounded_and_printable() -> None:
    assert validate_text("  Suomi   1 \t iltaryhmä ", field="name", max_length=20) == (
        "Suomi 1 iltaryhmä"
    )
    assert validate_text("", field="name", max_length=5, required=False) == ""
    with pytest.raises(ProgrammeDomainError, match="required"):
        validate_text(" \n", field="name", max_length=5)
    with pytest.raises(ProgrammeDomainError, match="at most 5"):
        validate_text("abcdef", field="name", max_length=5)
    with pytest.raises(ProgrammeDomainError, match="control"):
        validate_text("a\x00b", field="name", max_length=5)


def test_contact_email_and_phone_are_canonical_or_empty() -> None:
    assert validate_contact_email(" Outi@Opisto.FI ", field="c.email") == "Outi@opisto.fi"
    assert validate_contact_email("  ", field="c.email") == ""
    assert validate_contact_phone("040 123 4567", field="c.phone") == "+358401234567"
    assert validate_contact_phone("", field="c.phone") == ""


@pytest.mark.parametrize(
    ("check", "value"),
    [(validate_contact_email, "outi@"), (validate_contact_phone, "abc")],
)
def test_bad_contact_details_name_the_field_and_hide_the_value(check: object, value: str) -> None:
    with pytest.raises(ProgrammeDomainError) as info:
        check(value, field="contacts[3].x")  # type: ignore[operator]
    assert info.value.field == "contacts[3].x"
    assert value not in info.value.message


def test_a_contact_must_be_reachable() -> None:
    require_reachable("a@b.fi", "", field="contacts[0]")
    require_reachable("", "+358401234567", field="contacts[0]")
    with pytest.raises(ProgrammeDomainError) as info:
        require_reachable("", "", field="contacts[0]")
    assert info.value.field == "contacts[0]"


def test_contact_count() -> None:
    validate_contact_count(0)
    validate_contact_count(MAX_CONTACTS)
    with pytest.raises(ProgrammeDomainError, match=str(MAX_CONTACTS)):
        validate_contact_count(MAX_CONTACTS + 1)
