"""Search terms: words, stop words, Snowball stems and Finnish base forms, applied the same way
to what is indexed and to what is asked. Runs the real PyStemmer and Voikko."""

from __future__ import annotations

import os

import pytest

from kotopolku.guidance.search.finnish import load_finnish_base_forms, load_stemmers
from kotopolku.guidance.search.stopwords import STOP_WORDS
from kotopolku.guidance.search.terms import (
    TermAnalyser,
    compound_parts,
    configuration,
    query_words,
    words,
)


@pytest.fixture(scope="module")
def stems_only() -> TermAnalyser:
    return TermAnalyser(load_stemmers())


@pytest.fixture(scope="module")
def analyser() -> TermAnalyser:
    base_forms = load_finnish_base_forms()
    if base_forms is None:
        # make test and CI install libvoikko1 and voikko-fi; elsewhere say what is missing.
        if os.environ.get("KOTOPOLKU_REQUIRE_POSTGRES") == "1":
            pytest.fail("Voikko is not installed: apt-get install libvoikko1 voikko-fi")
        pytest.skip("Voikko is not installed: apt-get install libvoikko1 voikko-fi")
    return TermAnalyser(load_stemmers(), base_forms)


def test_words_are_case_folded_nfc_letters_and_digits_with_inner_hyphens() -> None:
    assert words("Miten haen VUOKRA-asuntoa? 112, e-mail_osoite") == [
        "miten",
        "haen",
        "vuokra-asuntoa",
        "112",
        "e-mail",
        "osoite",
    ]
    # "ä" typed as "a" + combining diaeresis is the same word.
    assert words("ta\u0308ma\u0308") == ["tämä"]


def test_query_words_drop_only_the_websearch_operator() -> None:
    assert sorted(query_words('asunto OR "kela" -tuki or')) == ["asunto", "kela", "tuki"]


def test_configurations_follow_the_language() -> None:
    assert [configuration(c) for c in ("fi", "sv", "en", "ar", "uk", "")] == [
        "finnish",
        "swedish",
        "english",
        "arabic",
        "simple",
        "simple",
    ]


def test_snowball_alone_does_not_undo_consonant_gradation(stems_only: TermAnalyser) -> None:
    """Why base forms are needed: the Finnish Snowball stemmer (as in PostgreSQL's ``finnish``
    configuration) gives "asunnon" and "asunto" different stems."""
    assert stems_only.query_terms("asunnon", ["fi"]) == {"asuno"}
    assert stems_only.query_terms("asuntoa", ["fi"]) == {"asunto"}
    assert stems_only.query_terms("kielikurssille", ["fi"]) == {"kielikurs"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("asunnon", "asunto"),
        ("asuntoa", "asunto"),
        ("asunnoissa", "asunto"),
        ("kielikurssille", "kielikurssi"),
        ("tulkin", "tulkki"),
        ("luvan", "lupa"),
        ("Helsingissä", "helsinki"),
    ],
)
def test_finnish_words_meet_their_base_form(
    analyser: TermAnalyser, word: str, expected: str
) -> None:
    assert expected in analyser.query_terms(word, ["fi"])
    assert expected in analyser.document_terms(expected, "fi")


def test_compounds_are_found_by_their_parts(analyser: TermAnalyser) -> None:
    terms = analyser.document_terms("Kielikurssille ilmoittautuminen", "fi")
    assert {"kielikurssi", "kieli", "kurssi"} <= set(terms)
    hyphenated = analyser.document_terms("TE-toimistoon", "fi")
    assert {"te", "toimisto"} <= set(hyphenated)
    assert compound_parts("+kieli(kieli)+kurssi(kurssi)") == ["kieli", "kurssi"]
    assert compound_parts("+tulkka(tulkata)+us(+us)") == []
    assert compound_parts("+asunto(asunto)") == []


def test_stop_words_are_dropped_before_anything_else(analyser: TermAnalyser) -> None:
    assert analyser.query_terms("ja on se", ["fi"]) == set()
    assert analyser.document_terms("the and of", "en") == []
    assert {"ja", "on", "olla"} <= STOP_WORDS["fi"] | {"olla"}
    assert "och" in STOP_WORDS["sv"]


def test_other_languages_stem_with_their_own_snowball(analyser: TermAnalyser) -> None:
    assert analyser.query_terms("tolkar", ["sv"]) == analyser.query_terms("tolken", ["sv"])
    assert analyser.query_terms("houses", ["en"]) == analyser.query_terms("housing", ["en"])
    assert analyser.query_terms("Житло", ["uk"]) == {"житло"}


def test_postgresql_gets_only_what_its_own_stemmer_lacks(analyser: TermAnalyser) -> None:
    assert analyser.base_form_terms("asunnon", "fi") == ["asunto"]
    assert analyser.base_form_terms("housing", "en") == []
