"""Unit tests for ISO 639 language code validation."""

from __future__ import annotations

import pytest

from kotopolku.clients.domain.errors import ClientDomainError, InvalidLanguageCode
from kotopolku.clients.domain.languages import validate_language_code


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("fi", "fi"),
        ("sv", "sv"),
        ("en", "en"),
        ("ar", "ar"),
        ("uk", "uk"),
        ("ru", "ru"),
        ("so", "so"),
        ("fa", "fa"),
        ("prs", "prs"),  # Dari
        ("ckb", "ckb"),  # Central Kurdish (Sorani)
        ("kmr", "kmr"),  # Northern Kurdish (Kurmanji)
        ("ti", "ti"),
        ("arb", "arb"),  # Standard Arabic, an individual language of the "ar" macrolanguage
        ("se", "se"),  # Northern Sami
        ("eo", "eo"),
    ],
)
def test_valid_codes(code: str, canonical: str) -> None:
    assert validate_language_code(code) == canonical


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("fin", "fi"),
        ("swe", "sv"),
        ("eng", "en"),
        ("ara", "ar"),
        ("fas", "fa"),
        ("som", "so"),
        ("FI", "fi"),
        (" Sv ", "sv"),
        ("PRS", "prs"),
        ("\tckb\n", "ckb"),
    ],
)
def test_codes_are_canonicalised(code: str, canonical: str) -> None:
    assert validate_language_code(code) == canonical


@pytest.mark.parametrize(
    "code",
    [
        "xx",
        "english",
        "",
        "   ",
        "e",
        "engl",
        "f1",
        "f-i",
        "fi-FI",
        "zzz",
        "ger",  # ISO 639-2/B only
        "fre",
        "per",
        "mis",  # special codes
        "mul",
        "und",
        "zxx",
        "qaa",  # local use
        "fï",
        "ｆｉ",
    ],
)
def test_invalid_codes(code: str) -> None:
    with pytest.raises(InvalidLanguageCode) as info:
        validate_language_code(code)
    assert isinstance(info.value, ClientDomainError)
    assert isinstance(info.value, ValueError)
    assert info.value.field == "language"
    assert "language code" in str(info.value)


def test_empty_code_message() -> None:
    with pytest.raises(InvalidLanguageCode, match="empty"):
        validate_language_code(" ")


def test_shape_message() -> None:
    with pytest.raises(InvalidLanguageCode, match="two-letter ISO 639-1 or three-letter ISO 639-3"):
        validate_language_code("english")


def test_unknown_code_messages_name_the_standard() -> None:
    with pytest.raises(InvalidLanguageCode, match=r"'xx' is not an ISO 639-1 language code"):
        validate_language_code("xx")
    with pytest.raises(InvalidLanguageCode, match=r"'zzz' is not an ISO 639-3 language code"):
        validate_language_code("zzz")


def test_long_input_is_truncated_in_message() -> None:
    with pytest.raises(InvalidLanguageCode) as info:
        validate_language_code("x" * 1000)
    assert len(str(info.value)) < 200


def test_field_override() -> None:
    with pytest.raises(InvalidLanguageCode) as info:
        validate_language_code("xx", field="languages[1]")
    assert info.value.field == "languages[1]"
