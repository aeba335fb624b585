"""The anonymised profile: age bands, its shape, and the checks of a reviewed note."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from kotopolku.welfare.domain.anonymise import (
    AnonymisedPerson,
    AnonymisedProfile,
    ProposedPerson,
    age_band,
    age_on,
    anonymised_profile,
    identifier_findings,
    reviewed_note,
)
from kotopolku.welfare.domain.codes import AgeBand, FamilyRole, PlacementBasis, ServiceNeed
from kotopolku.welfare.domain.errors import WelfareDomainError

ON = date(2026, 3, 2)


def person(
    role: FamilyRole = FamilyRole.PRINCIPAL,
    born: date = date(1986, 4, 17),
    first: str = "Hodan Abdi",
    last: str = "Warsame",
    languages: tuple[str, ...] = ("so",),
    needs: tuple[ServiceNeed, ...] = (),
) -> ProposedPerson:
    return ProposedPerson(role, first, last, born, "170486-931R", languages, needs)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2026, 3, 2), AgeBand.AGE_0_2),
        (date(2023, 3, 3), AgeBand.AGE_0_2),
        (date(2023, 3, 2), AgeBand.AGE_3_6),
        (date(2019, 3, 3), AgeBand.AGE_3_6),
        (date(2019, 3, 2), AgeBand.AGE_7_12),
        (date(2013, 3, 3), AgeBand.AGE_7_12),
        (date(2013, 3, 2), AgeBand.AGE_13_17),
        (date(2008, 3, 3), AgeBand.AGE_13_17),
        (date(2008, 3, 2), AgeBand.AGE_18_29),
        (date(1996, 3, 3), AgeBand.AGE_18_29),
        (date(1996, 3, 2), AgeBand.AGE_30_49),
        (date(1976, 3, 2), AgeBand.AGE_50_64),
        (date(1961, 3, 2), AgeBand.AGE_65_74),
        (date(1951, 3, 3), AgeBand.AGE_65_74),
        (date(1951, 3, 2), AgeBand.AGE_75_PLUS),
        (date(1920, 1, 1), AgeBand.AGE_75_PLUS),
    ],
)
def test_age_bands_change_on_the_birthday(born: date, band: AgeBand) -> None:
    assert age_band(born, ON) is band


def test_a_leap_day_birthday_ages_on_the_first_of_march() -> None:
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_a_birth_after_the_day_is_refused() -> None:
    with pytest.raises(WelfareDomainError) as caught:
        age_band(date(2026, 3, 3), ON)
    assert caught.value.field == "date_of_birth"


def test_the_profile_counts_orders_and_merges_but_names_nobody() -> None:
    persons = [
        person(FamilyRole.CHILD, date(2024, 1, 28), "Idil", languages=("so",)),
        person(FamilyRole.PRINCIPAL, needs=(ServiceNeed.TRAUMA_SUPPORT, ServiceNeed.MENTAL_HEALTH)),
        person(FamilyRole.CHILD, date(2014, 6, 9), "Ayaan", languages=("fi", "so")),
        person(FamilyRole.SPOUSE, date(1983, 11, 2), "Faisal", "Nuur", ("ar", "so")),
    ]
    profile = anonymised_profile(PlacementBasis.QUOTA_REFUGEE, persons, ON, "Esteetön asunto")
    assert (profile.adults, profile.children) == (2, 2)
    assert profile.languages == ("ar", "fi", "so")
    assert [(p.role, p.age_band) for p in profile.persons] == [
        (FamilyRole.PRINCIPAL, AgeBand.AGE_30_49),
        (FamilyRole.SPOUSE, AgeBand.AGE_30_49),
        (FamilyRole.CHILD, AgeBand.AGE_0_2),
        (FamilyRole.CHILD, AgeBand.AGE_7_12),
    ]
    assert profile.persons[0].service_needs == (
        ServiceNeed.MENTAL_HEALTH,
        ServiceNeed.TRAUMA_SUPPORT,
    )
    stored = profile.as_dict()
    assert AnonymisedProfile.from_dict(stored) == profile
    text = str(stored)
    for identifier in ("Hodan", "Warsame", "Nuur", "170486", "1986", "2014-06-09"):
        assert identifier not in text


def test_the_profile_has_no_place_for_an_identifier() -> None:
    assert {f.name for f in dataclasses.fields(AnonymisedProfile)} == {
        "basis",
        "persons",
        "languages",
        "adults",
        "children",
        "note",
    }
    assert {f.name for f in dataclasses.fields(AnonymisedPerson)} == {
        "role",
        "age_band",
        "service_needs",
        "unaccompanied_minor",
    }


def test_an_empty_proposal_has_no_profile() -> None:
    with pytest.raises(WelfareDomainError):
        anonymised_profile(PlacementBasis.ASYLUM, [], ON)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Tunnus 170486-931R", "an identity code"),
        ("tunnus 010120A902d", "an identity code"),
        ("posti: hodan.w@example.org", "an e-mail address"),
        ("Syntynyt 17.4.1986", "a date"),
        ("syntynyt 1986-04-17", "a date"),
        ("saapui 3/11/25", "a date"),
        ("numero +358 40 123 4567", "a phone number"),
        ("numero 040-1234567", "a phone number"),
        ("asiakasnumero 123456", "a number of five or more digits"),
        ("Hodanilla on kipuja", None),
        ("hodan tarvitsee tulkin", "a name of a person in the proposal"),
        ("Rouva WARSAME toivoo", "a name of a person in the proposal"),
    ],
)
def test_identifier_findings(text: str, kind: str | None) -> None:
    found = identifier_findings(text, [person()])
    if kind is None:
        assert found == []
    else:
        assert kind in found


def test_ordinary_text_passes() -> None:
    for text in (
        "Perhe tarvitsee esteettömän asunnon ja neuvolan.",
        "Kaksi aikuista ja kaksi lasta, 18-29 ja 7-12.",
        "Vuonna 2025 aloitettu hoito jatkuu.",
    ):
        assert identifier_findings(text, [person()]) == [], text


def test_a_note_is_sent_only_reviewed_short_and_clean() -> None:
    persons = [person()]
    assert reviewed_note("   ", False, persons) == ""
    assert reviewed_note(" Esteetön asunto ", True, persons) == "Esteetön asunto"
    with pytest.raises(WelfareDomainError) as unreviewed:
        reviewed_note("Esteetön asunto", False, persons)
    assert unreviewed.value.field == "note_reviewed"
    with pytest.raises(WelfareDomainError) as named:
        reviewed_note("Hodan tarvitsee tulkin", True, persons)
    assert named.value.field == "note"
    assert "Hodan" not in named.value.message
    with pytest.raises(WelfareDomainError):
        reviewed_note("x" * 2001, True, persons)
