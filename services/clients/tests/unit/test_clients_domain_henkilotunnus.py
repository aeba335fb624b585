"""Unit tests for Finnish personal identity code (henkilötunnus) validation."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta

import pytest

from kotopolku.clients.domain.errors import ClientDomainError, InvalidHenkilotunnus
from kotopolku.clients.domain.henkilotunnus import (
    CENTURY_SIGNS,
    Henkilotunnus,
    parse_henkilotunnus,
)

TODAY = date(2025, 6, 15)
CHECKS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
SIGNS_1800 = ["+"]
SIGNS_1900 = ["-", "Y", "X", "W", "V", "U"]
SIGNS_2000 = ["A", "B", "C", "D", "E", "F"]


def make_hetu(birth: date, sign: str, individual: int) -> str:
    """Build a valid code independently of the module under test."""
    ddmmyy = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    zzz = f"{individual:03d}"
    return f"{ddmmyy}{sign}{zzz}{CHECKS[int(ddmmyy + zzz) % 31]}"


def parse(text: str) -> Henkilotunnus:
    return parse_henkilotunnus(text, today=TODAY)


def assert_invalid(text: str, kind: str, fragment: str) -> InvalidHenkilotunnus:
    with pytest.raises(InvalidHenkilotunnus) as info:
        parse(text)
    error = info.value
    assert error.kind == kind
    assert fragment in str(error)
    assert error.field == "henkilotunnus"
    return error


# --- valid codes -------------------------------------------------------------------------------


def test_well_known_example() -> None:
    hetu = parse("131052-308T")
    assert hetu.value == "131052-308T"
    assert hetu.birth_date == date(1952, 10, 13)
    assert hetu.is_temporary is False


@pytest.mark.parametrize(
    ("text", "birth_date", "temporary"),
    [
        ("131052-308T", date(1952, 10, 13), False),
        ("010101-123N", date(1901, 1, 1), False),
        ("010101A123N", date(2001, 1, 1), False),
        ("010101+123N", date(1801, 1, 1), False),
        ("010190-123M", date(1990, 1, 1), False),
        ("010190Y123M", date(1990, 1, 1), False),
        ("311299-999E", date(1999, 12, 31), True),
        ("290200A002C", date(2000, 2, 29), False),
    ],
)
def test_hand_verified_literals(text: str, birth_date: date, temporary: bool) -> None:
    hetu = parse(text)
    assert hetu.value == text
    assert hetu.birth_date == birth_date
    assert hetu.is_temporary is temporary


def test_helper_agrees_with_literal() -> None:
    assert make_hetu(date(1952, 10, 13), "-", 308) == "131052-308T"


@pytest.mark.parametrize("sign", SIGNS_1800)
def test_1800s_sign(sign: str) -> None:
    code = make_hetu(date(1899, 12, 31), sign, 123)
    assert parse(code).birth_date == date(1899, 12, 31)


@pytest.mark.parametrize("sign", SIGNS_1900)
def test_1900s_signs(sign: str) -> None:
    code = make_hetu(date(1985, 7, 4), sign, 456)
    hetu = parse(code)
    assert hetu.birth_date == date(1985, 7, 4)
    assert hetu.value[6] == sign


@pytest.mark.parametrize("sign", SIGNS_2000)
def test_2000s_signs(sign: str) -> None:
    code = make_hetu(date(2015, 3, 9), sign, 789)
    hetu = parse(code)
    assert hetu.birth_date == date(2015, 3, 9)
    assert hetu.value[6] == sign


def test_century_sign_table_is_complete() -> None:
    assert set(CENTURY_SIGNS) == set(SIGNS_1800 + SIGNS_1900 + SIGNS_2000)
    assert {CENTURY_SIGNS[s] for s in SIGNS_1800} == {1800}
    assert {CENTURY_SIGNS[s] for s in SIGNS_1900} == {1900}
    assert {CENTURY_SIGNS[s] for s in SIGNS_2000} == {2000}


def test_random_round_trip_for_every_sign() -> None:
    rng = random.Random(20250615)
    centuries = {1800: SIGNS_1800, 1900: SIGNS_1900, 2000: SIGNS_2000}
    for _ in range(500):
        century = rng.choice(list(centuries))
        birth = date(century, 1, 1) + timedelta(days=rng.randrange(36524))
        if birth > TODAY:
            continue
        sign = rng.choice(centuries[century])
        individual = rng.randrange(2, 1000)
        hetu = parse(make_hetu(birth, sign, individual))
        assert hetu.birth_date == birth
        assert hetu.is_temporary is (individual >= 900)


def test_signs_are_never_normalised() -> None:
    dash = parse("010190-123M")
    y = parse("010190Y123M")
    assert dash != y
    assert dash.value == "010190-123M"
    assert y.value == "010190Y123M"
    assert dash.birth_date == y.birth_date
    assert len({dash, y}) == 2


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse("  131052-308T\n\t").value == "131052-308T"


def test_lower_case_is_accepted_and_upper_cased() -> None:
    assert parse("131052-308t").value == "131052-308T"
    assert parse("010101a123n").value == "010101A123N"
    assert parse("010190y123m").value == "010190Y123M"


@pytest.mark.parametrize(
    ("individual", "temporary"),
    [(2, False), (3, False), (500, False), (899, False), (900, True), (950, True), (999, True)],
)
def test_individual_number_ranges(individual: int, temporary: bool) -> None:
    hetu = parse(make_hetu(date(1980, 5, 17), "-", individual))
    assert hetu.is_temporary is temporary


def test_every_issued_individual_number_is_accepted() -> None:
    for individual in range(2, 1000):
        parse(make_hetu(date(2001, 11, 30), "B", individual))


# --- leap years --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_year", "sign"),
    [(2000, "A"), (2004, "C"), (2024, "F"), (1996, "-"), (1904, "U"), (1896, "+")],
)
def test_29_february_in_leap_year(birth_year: int, sign: str) -> None:
    leap_day = date(birth_year, 2, 29)
    assert parse(make_hetu(leap_day, sign, 123)).birth_date == leap_day


@pytest.mark.parametrize(
    ("yy", "sign"),
    [("01", "A"), ("23", "E"), ("97", "-"), ("00", "-"), ("00", "X"), ("00", "+")],
)
def test_29_february_in_common_year(yy: str, sign: str) -> None:
    # 1900 and 1800 are not leap years even though 2000 is.
    ddmmyy = f"2902{yy}"
    code = f"{ddmmyy}{sign}123{CHECKS[int(ddmmyy + '123') % 31]}"
    assert_invalid(code, "date", "calendar date")


# --- invalid codes -----------------------------------------------------------------------------


def test_invalid_checksum() -> None:
    error = assert_invalid("131052-308U", "checksum", "check character")
    assert "131052" not in str(error)


def test_every_wrong_check_character_is_rejected() -> None:
    for check in CHECKS:
        if check != "T":
            assert_invalid(f"131052-308{check}", "checksum", "check character")


@pytest.mark.parametrize("check", ["G", "I", "O", "Q", "Z", "#", "ä"])
def test_character_outside_check_alphabet(check: str) -> None:
    assert_invalid(f"131052-308{check}", "format", "check character")


@pytest.mark.parametrize("ddmmyy", ["310290", "300290", "310490", "000190", "320190", "011390"])
def test_impossible_date_with_correct_checksum(ddmmyy: str) -> None:
    code = f"{ddmmyy}-123{CHECKS[int(ddmmyy + '123') % 31]}"
    assert_invalid(code, "date", "not a real calendar date")


@pytest.mark.parametrize("sign", ["*", "G", "Z", "T", "1", "/", "–", "—", " ", "_"])
def test_bad_century_sign(sign: str) -> None:
    assert_invalid(f"131052{sign}308T", "century_sign", "century sign")


def test_century_sign_message_lists_all_signs() -> None:
    error = assert_invalid("131052*308T", "century_sign", "century sign")
    for sign in CENTURY_SIGNS:
        assert sign in error.reason


@pytest.mark.parametrize("individual", [0, 1])
def test_individual_numbers_000_and_001_are_invalid(individual: int) -> None:
    code = make_hetu(date(1990, 1, 1), "-", individual)
    assert_invalid(code, "individual_number", "000 or 001")


def test_future_date_relative_to_today() -> None:
    assert parse_henkilotunnus(make_hetu(TODAY, "F", 123), today=TODAY).birth_date == TODAY
    tomorrow = make_hetu(TODAY + timedelta(days=1), "F", 123)
    with pytest.raises(InvalidHenkilotunnus) as info:
        parse_henkilotunnus(tomorrow, today=TODAY)
    assert info.value.kind == "future_date"
    assert "future" in str(info.value)
    assert parse_henkilotunnus(tomorrow, today=TODAY + timedelta(days=1)).value == tomorrow


def test_future_date_with_default_today() -> None:
    code = make_hetu(date(2099, 1, 1), "A", 123)
    with pytest.raises(InvalidHenkilotunnus) as info:
        parse_henkilotunnus(code)
    assert info.value.kind == "future_date"
    assert parse_henkilotunnus("131052-308T").birth_date == date(1952, 10, 13)


@pytest.mark.parametrize("text", ["", "   ", "131052-308", "131052-308TT", "131052308T", "1"])
def test_wrong_length(text: str) -> None:
    assert_invalid(text, "format", "11 characters")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("13105X-308T", "first six characters"),
        ("1310 2-308T", "first six characters"),
        ("١٣١٠٥٢-308T", "first six characters"),
        ("131052-3O8T", "individual number"),
        ("131052-30 T", "individual number"),
        ("131052-३08T", "individual number"),
    ],
)
def test_non_digits(text: str, fragment: str) -> None:
    assert_invalid(text, "format", fragment)


def test_lower_case_with_non_ascii_is_not_upper_cased_into_validity() -> None:
    # "ß".upper() would be "SS": only ASCII letters are upper-cased, so length stays 11.
    assert_invalid("131052-308ß", "format", "check character")


def test_errors_never_contain_the_code() -> None:
    samples = ["131052-308U", "310290-123X", "131052*308T", "010190-9876X", "13105X-308T"]
    for text in samples:
        with pytest.raises(InvalidHenkilotunnus) as info:
            parse(text)
        for fragment in (text, text[:6], text[7:10]):
            assert fragment not in str(info.value)
            assert fragment not in repr(info.value)


def test_error_types_and_field_override() -> None:
    with pytest.raises(InvalidHenkilotunnus) as info:
        parse_henkilotunnus("nonsense", today=TODAY, field="referral.henkilotunnus")
    error = info.value
    assert isinstance(error, ClientDomainError)
    assert isinstance(error, ValueError)
    assert error.field == "referral.henkilotunnus"
    assert error.message == str(error)
    assert str(error).startswith("invalid henkilötunnus: ")


def test_error_order_reports_first_problem() -> None:
    # Wrong sign and wrong checksum: the sign is reported.
    assert_invalid("310290*123A", "century_sign", "century sign")
    # Impossible date and wrong checksum: the date is reported.
    assert_invalid("310290-123A", "date", "calendar date")


# --- the value object --------------------------------------------------------------------------


def test_repr_and_str_mask_the_code() -> None:
    hetu = parse("131052-308T")
    assert repr(hetu) == "Henkilotunnus(**********T)"
    assert str(hetu) == "Henkilotunnus(**********T)"
    assert hetu.masked == "**********T"
    for rendered in (repr(hetu), str(hetu), f"{hetu}", f"{hetu!r}", repr([hetu]), repr({1: hetu})):
        assert "131052" not in rendered
        assert "308" not in rendered
        assert "1952" not in rendered


def test_repr_of_containing_dataclass_is_masked() -> None:
    @dataclasses.dataclass
    class Holder:
        hetu: Henkilotunnus

    assert "131052" not in repr(Holder(parse("131052-308T")))


def test_value_object_is_frozen_and_hashable() -> None:
    hetu = parse("131052-308T")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hetu.value = "010101-123N"  # type: ignore[misc]
    assert hetu == Henkilotunnus("131052-308T")
    assert hash(hetu) == hash(Henkilotunnus("131052-308T"))
    assert hetu != parse("010101-123N")


def test_constructor_validates_canonical_codes() -> None:
    hetu = Henkilotunnus("010101A123N")
    assert hetu.birth_date == date(2001, 1, 1)
    assert hetu.is_temporary is False
    with pytest.raises(InvalidHenkilotunnus, match="check character"):
        Henkilotunnus("010101A123M")


@pytest.mark.parametrize("text", ["131052-308t", " 131052-308T", "131052-308T\n"])
def test_constructor_requires_canonical_form(text: str) -> None:
    with pytest.raises(InvalidHenkilotunnus, match="canonical form"):
        Henkilotunnus(text)


def test_constructor_does_not_check_future_dates() -> None:
    # Stored codes are re-read with the constructor; only parsing user input checks "today".
    code = make_hetu(date(2099, 1, 1), "A", 123)
    assert Henkilotunnus(code).birth_date == date(2099, 1, 1)


def test_no_gender_is_derived() -> None:
    hetu = parse("131052-308T")
    names = {f.name for f in dataclasses.fields(hetu)} | set(dir(hetu))
    for attribute in ("gender", "sex", "is_male", "is_female", "individual_number"):
        assert attribute not in names


def test_unknown_error_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown"):
        InvalidHenkilotunnus("x", kind="nope")
