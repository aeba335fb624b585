"""Text direction, official languages and the fallback chain."""

from __future__ import annotations

import pytest

from kotopolku.messaging.domain.languages import (
    DEFAULT_TEMPLATE_LANGUAGES,
    TextDirection,
    choose_language,
    direction,
    fallback_chain,
    official_languages,
    template_language,
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", "rtl"),
        ("fa", "rtl"),
        ("prs", "rtl"),
        ("ckb", "rtl"),
        ("fi", "ltr"),
        ("uk", "ltr"),
        ("so", "ltr"),
        ("AR", "rtl"),
    ],
)
def test_direction(language: str, expected: str) -> None:
    assert direction(language) is TextDirection(expected)


@pytest.mark.parametrize(
    ("municipality", "expected"),
    [("837", ("fi",)), ("091", ("fi", "sv")), ("710", ("sv", "fi")), ("478", ("sv",))],
)
def test_official_languages(municipality: str, expected: tuple[str, ...]) -> None:
    assert official_languages(municipality) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ara", "ar"),
        ("prs", "fa"),
        ("fas", "fa"),
        ("so", "so"),
        ("ti", "ti"),
        ("tir", "ti"),
        (" FI ", "fi"),
    ],
)
def test_template_language(code: str, expected: str) -> None:
    assert template_language(code) == expected


def test_chain_is_requested_then_clients_then_official_then_english() -> None:
    assert fallback_chain("uk", ["ar", "fi"], "710") == ("uk", "ar", "fi", "sv", "en")
    assert fallback_chain("", ["prs"], "837") == ("fa", "fi", "en")
    assert fallback_chain("", [], "478") == ("sv", "en")


def test_the_first_language_with_a_template_wins() -> None:
    everything = set(DEFAULT_TEMPLATE_LANGUAGES)
    assert choose_language("", ["ti", "ar"], "091", everything) == "ar"
    assert choose_language("", ["ti"], "091", everything) == "fi"
    assert choose_language("", ["ti"], "710", everything) == "sv"
    assert choose_language("", ["ti"], "091", {"en", "so"}) == "en"
    assert choose_language("ru", ["ar"], "091", everything) == "ru"
    assert choose_language("", ["ti"], "091", {"so"}) is None
