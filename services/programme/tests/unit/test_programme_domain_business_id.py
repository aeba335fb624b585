"""Y-tunnus: form, check digit (computed here independently), canonical form."""

from __future__ import annotations

import pytest

from kotopolku.programme.domain import (
    InvalidBusinessId,
    ProgrammeDomainError,
    business_id_check_digit,
    validate_business_id,
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def reference_check(digits: str) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=True)) % 11
    return None if remainder == 1 else (0 if remainder == 0 else 11 - remainder)


@pytest.mark.parametrize("known", ["0112038-9", "0737546-2", "2331972-7", "1572860-0", "0201256-6"])
def test_published_business_ids_are_valid(known: str) -> None:
    assert validate_business_id(known) == known


def test_check_digit_matches_the_reference_for_a_sweep_of_numbers() -> None:
    seen_invalid = seen_zero = 0
    for number in range(0, 10_000_000, 9_973):
        digits = f"{number:07d}"
        expected = reference_check(digits)
        assert business_id_check_digit(digits) == expected
        if expected is None:
            seen_invalid += 1
            for check in range(10):
                with pytest.raises(InvalidBusinessId):
                    validate_business_id(f"{digits}-{check}")
        else:
            seen_zero += expected == 0
            assert validate_business_id(f"{digits}-{expected}") == f"{digits}-{expected}"
            wrong = (expected + 1) % 10
            with pytest.raises(InvalidBusinessId, match="check digit"):
                validate_business_id(f"{digits}-{wrong}")
    assert seen_invalid
    assert seen_zero


def test_six_digit_ids_get_a_leading_zero_and_whitespace_is_ignored() -> None:
    assert validate_business_id(" 112038-9\n") == "0112038-9"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0112038",
        "01120389",
        "0112038_9",
        "0112038-",
        "a112038-9",
        "0112038-99",
        "12345-1",
        "01120388-9",
        "０１１２０３８-９",
        "0112038 - 9",
    ],
)
def test_malformed_ids_are_refused_with_the_field(text: str) -> None:
    with pytest.raises(InvalidBusinessId) as info:
        validate_business_id(text, field="provider.business_id")
    assert info.value.field == "provider.business_id"
    assert isinstance(info.value, ProgrammeDomainError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("digits", ["123456", "12345678", "abcdefg", ""])
def test_check_digit_needs_seven_digits(digits: str) -> None:
    with pytest.raises(ValueError, match="seven digits"):
        business_id_check_digit(digits)
