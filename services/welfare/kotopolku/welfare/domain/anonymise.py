"""The anonymised profile the welfare area is consulted with (hyvinvointialueen kuuleminen).

The profile is *built* from the placement proposal, never typed in, and its shape has no place
for a name, an identity code, a date of birth, contact details or the ELY centre's reference:
only the placement basis, each person's family role and age band, the known service needs from
the closed code list, whether a minor is unaccompanied, the languages and the family's size. The
one free text, a note, goes only when the officer confirms it was reviewed, and even then it is
refused if it looks like it holds an identifier (an identity code, an e-mail address, a phone
number, a date, a long number, or a name of a person in the proposal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from kotopolku.clients.domain.names import name_tokens
from kotopolku.welfare.domain.codes import AgeBand, FamilyRole, PlacementBasis, ServiceNeed
from kotopolku.welfare.domain.errors import WelfareDomainError

MAX_NOTE: Final = 2000
ADULT_AGE: Final = 18

_BANDS: Final = (
    (2, AgeBand.AGE_0_2),
    (6, AgeBand.AGE_3_6),
    (12, AgeBand.AGE_7_12),
    (17, AgeBand.AGE_13_17),
    (29, AgeBand.AGE_18_29),
    (49, AgeBand.AGE_30_49),
    (64, AgeBand.AGE_50_64),
    (74, AgeBand.AGE_65_74),
)
_ROLE_ORDER: Final = {role: index for index, role in enumerate(FamilyRole)}
_BAND_ORDER: Final = {band: index for index, band in enumerate(AgeBand)}

# What a reviewed note must not hold. Each pattern names what it found, never the text itself.
_FINDINGS: Final = (
    ("an identity code", re.compile(r"\b\d{6}\s*[-+A-FU-Y]\s*\d{3}[0-9A-Y]\b", re.IGNORECASE)),
    ("an e-mail address", re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")),
    (
        "a date",
        re.compile(r"\b\d{1,2}\s*[./]\s*\d{1,2}\s*[./]\s*\d{2,4}\b|\b\d{4}-\d{1,2}-\d{1,2}\b"),
    ),
    ("a phone number", re.compile(r"(?:\+|\b)\d[\d\s()-]{6,}\d\b")),
    ("a number of five or more digits", re.compile(r"\d{5,}")),
)


@dataclass(frozen=True, slots=True)
class ProposedPerson:
    """A person of a placement proposal as the ELY centre named them (municipality side)."""

    role: FamilyRole
    first_names: str
    last_name: str
    date_of_birth: date
    henkilotunnus: str | None
    languages: tuple[str, ...]
    service_needs: tuple[ServiceNeed, ...]
    unaccompanied_minor: bool = False


@dataclass(frozen=True, slots=True)
class AnonymisedPerson:
    role: FamilyRole
    age_band: AgeBand
    service_needs: tuple[ServiceNeed, ...]
    unaccompanied_minor: bool


@dataclass(frozen=True, slots=True)
class AnonymisedProfile:
    basis: PlacementBasis
    persons: tuple[AnonymisedPerson, ...]
    languages: tuple[str, ...]
    adults: int
    children: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The stored (JSON) form."""
        return {
            "basis": str(self.basis),
            "persons": [
                {
                    "role": str(p.role),
                    "age_band": str(p.age_band),
                    "service_needs": [str(n) for n in p.service_needs],
                    "unaccompanied_minor": p.unaccompanied_minor,
                }
                for p in self.persons
            ],
            "languages": list(self.languages),
            "adults": self.adults,
            "children": self.children,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> AnonymisedProfile:
        return cls(
            basis=PlacementBasis(stored["basis"]),
            persons=tuple(
                AnonymisedPerson(
                    role=FamilyRole(p["role"]),
                    age_band=AgeBand(p["age_band"]),
                    service_needs=tuple(ServiceNeed(n) for n in p["service_needs"]),
                    unaccompanied_minor=bool(p["unaccompanied_minor"]),
                )
                for p in stored["persons"]
            ),
            languages=tuple(stored["languages"]),
            adults=int(stored["adults"]),
            children=int(stored["children"]),
            note=str(stored.get("note", "")),
        )


def age_on(born: date, on: date) -> int:
    """Age in full years on a day (a person born on 29 February ages on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date, on: date) -> AgeBand:
    age = age_on(born, on)
    if age < 0:
        raise WelfareDomainError("date_of_birth", "is after the day of the profile")
    return next((band for upper, band in _BANDS if age <= upper), AgeBand.AGE_75_PLUS)


def identifier_findings(text: str, persons: Iterable[ProposedPerson] = ()) -> list[str]:
    """What in ``text`` looks like an identifier of a person (kinds only, never the values)."""
    found = [kind for kind, pattern in _FINDINGS if pattern.search(text)]
    words = set(name_tokens(text))
    names = {
        token
        for person in persons
        for token in name_tokens(person.first_names, person.last_name)
        if len(token) > 1
    }
    if words & names:
        found.append("a name of a person in the proposal")
    return found


def reviewed_note(note: str, reviewed: bool, persons: Sequence[ProposedPerson]) -> str:
    """The note as it may be sent, or a field error: unreviewed text never leaves."""
    text = note.strip()
    if not text:
        return ""
    if len(text) > MAX_NOTE:
        raise WelfareDomainError("note", f"must be at most {MAX_NOTE} characters")
    if not reviewed:
        raise WelfareDomainError(
            "note_reviewed", "a note is sent only after it was reviewed (note_reviewed: true)"
        )
    findings = identifier_findings(text, persons)
    if findings:
        raise WelfareDomainError(
            "note", "must not identify the person; it holds " + ", ".join(findings)
        )
    return text


def anonymised_profile(
    basis: PlacementBasis, persons: Sequence[ProposedPerson], on: date, note: str = ""
) -> AnonymisedProfile:
    """The profile of the proposal's persons on a day. Persons are ordered by role and age band,
    not as the proposal listed them."""
    if not persons:
        raise WelfareDomainError("persons", "a proposal names at least one person")
    anonymous = sorted(
        (
            AnonymisedPerson(
                role=person.role,
                age_band=age_band(person.date_of_birth, on),
                service_needs=tuple(sorted(set(person.service_needs))),
                unaccompanied_minor=person.unaccompanied_minor,
            )
            for person in persons
        ),
        key=lambda p: (_ROLE_ORDER[p.role], _BAND_ORDER[p.age_band]),
    )
    adults = sum(1 for person in persons if age_on(person.date_of_birth, on) >= ADULT_AGE)
    languages = tuple(sorted({code for person in persons for code in person.languages}))
    return AnonymisedProfile(
        basis=basis,
        persons=tuple(anonymous),
        languages=languages,
        adults=adults,
        children=len(persons) - adults,
        note=note,
    )
