"""Requests to validated values: every bad field is reported at once, under its request path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypeVar

from kotopolku.clients.domain.contact import validate_email, validate_phone
from kotopolku.clients.domain.errors import ClientDomainError
from kotopolku.clients.domain.henkilotunnus import parse_henkilotunnus
from kotopolku.clients.domain.languages import validate_language_code
from kotopolku.common.errors import FieldViolation
from kotopolku.welfare import enums
from kotopolku.welfare.domain import codes
from kotopolku.welfare.domain.anonymise import ProposedPerson
from kotopolku.welfare.domain.basis import BasisInput
from kotopolku.welfare.domain.errors import WelfareDomainError
from kotopolku.welfare.rpc_support import Violations, parse_date
from kotopolku.welfare.v1 import welfare_pb2 as pb

T = TypeVar("T")
MAX_NAME: Final = 200
MAX_SHORT: Final = 100
MAX_LANGUAGES: Final = 10


def text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    stripped = value.strip()
    if required and not stripped:
        raise WelfareDomainError(field, "is required")
    if len(stripped) > limit:
        raise WelfareDomainError(field, f"must be at most {limit} characters")
    return stripped


def _client_rule(validator: Callable[[], T]) -> T:
    """A rule of the clients domain, reported as a welfare field error."""
    try:
        return validator()
    except ClientDomainError as error:
        raise WelfareDomainError(error.field, error.message) from None


def languages(values: Any, field: str) -> tuple[str, ...]:
    if len(values) > MAX_LANGUAGES:
        raise WelfareDomainError(field, f"at most {MAX_LANGUAGES} languages")
    codes_: list[str] = []
    for index, value in enumerate(values):
        try:
            code = validate_language_code(value, field=f"{field}[{index}]")
        except ClientDomainError as error:
            raise WelfareDomainError(error.field, error.message) from None
        if code not in codes_:
            codes_.append(code)
    return tuple(codes_)


def henkilotunnus(value: str, field: str, today: date) -> str | None:
    if not value.strip():
        return None
    return str(_client_rule(lambda: parse_henkilotunnus(value, today=today, field=field)).value)


def needs(values: Any, field: str) -> tuple[codes.ServiceNeed, ...]:
    chosen = enums.many(codes.ServiceNeed, values, field)
    if len(set(chosen)) != len(chosen):
        raise WelfareDomainError(field, "names a need twice")
    return chosen


# --- placement -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalValues:
    ely_centre: str
    ely_reference: str
    basis: codes.PlacementBasis
    persons: tuple[ProposedPerson, ...]
    declared_needs: bool
    response_due: date | None


def _person(message: pb.ProposedPerson, prefix: str, today: date) -> ProposedPerson | None:
    v = Violations()
    role = v.check(
        lambda: enums.from_proto(codes.FamilyRole, message.role, f"{prefix}.role", required=True)
    )
    first = v.check(
        lambda: text(message.first_names, f"{prefix}.first_names", MAX_NAME, required=True)
    )
    last = v.check(lambda: text(message.last_name, f"{prefix}.last_name", MAX_NAME, required=True))
    born = v.check(
        lambda: parse_date(message.date_of_birth, f"{prefix}.date_of_birth", required=True)
    )
    code = v.check(lambda: henkilotunnus(message.henkilotunnus, f"{prefix}.henkilotunnus", today))
    spoken = v.check(lambda: languages(message.languages, f"{prefix}.languages"))
    known = v.check(lambda: needs(message.service_needs, f"{prefix}.service_needs"))
    if v.items:
        raise _Many(v.items)
    assert role is not None
    assert first
    assert last
    assert born is not None
    return ProposedPerson(
        role=role,
        first_names=first,
        last_name=last,
        date_of_birth=born,
        henkilotunnus=code,
        languages=spoken or (),
        service_needs=known or (),
        unaccompanied_minor=message.unaccompanied_minor,
    )


class _Many(Exception):
    def __init__(self, items: list[FieldViolation]) -> None:
        super().__init__("several")
        self.items = items


def proposal_values(message: pb.PlacementProposal, today: date) -> ProposalValues:
    v = Violations()
    centre = v.check(
        lambda: text(message.ely_centre, "proposal.ely_centre", MAX_SHORT, required=True)
    )
    reference = v.check(
        lambda: text(message.ely_reference, "proposal.ely_reference", MAX_SHORT, required=True)
    )
    basis = v.check(
        lambda: enums.from_proto(
            codes.PlacementBasis, message.basis, "proposal.basis", required=True
        )
    )
    due = v.check(lambda: parse_date(message.response_due, "proposal.response_due"))
    persons: list[ProposedPerson] = []
    if not message.persons:
        v.items.append(_violation("proposal.persons", "a proposal names at least one person"))
    for index, person in enumerate(message.persons):
        try:
            parsed = _person(person, f"proposal.persons[{index}]", today)
        except _Many as many:
            v.items.extend(many.items)
            continue
        assert parsed is not None
        persons.append(parsed)
    v.raise_if_any()
    assert centre
    assert reference
    assert basis is not None
    return ProposalValues(
        ely_centre=centre,
        ely_reference=reference,
        basis=basis,
        persons=tuple(persons),
        declared_needs=message.evident_service_needs,
        response_due=due,
    )


def _violation(field: str, description: str) -> FieldViolation:
    return FieldViolation(field, description)


def person_to_stored(person: ProposedPerson) -> dict[str, Any]:
    return {
        "role": str(person.role),
        "first_names": person.first_names,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "henkilotunnus": person.henkilotunnus,
        "languages": list(person.languages),
        "service_needs": [str(n) for n in person.service_needs],
        "unaccompanied_minor": person.unaccompanied_minor,
    }


def person_from_stored(stored: dict[str, Any]) -> ProposedPerson:
    return ProposedPerson(
        role=codes.FamilyRole(stored["role"]),
        first_names=stored["first_names"],
        last_name=stored["last_name"],
        date_of_birth=date.fromisoformat(stored["date_of_birth"]),
        henkilotunnus=stored.get("henkilotunnus"),
        languages=tuple(stored["languages"]),
        service_needs=tuple(codes.ServiceNeed(n) for n in stored["service_needs"]),
        unaccompanied_minor=bool(stored.get("unaccompanied_minor")),
    )


# --- contacts ------------------------------------------------------------------------------------


def email(value: str, field: str) -> str:
    if not value.strip():
        return ""
    return str(_client_rule(lambda: validate_email(value, field=field)))


def phone(value: str, field: str) -> str:
    if not value.strip():
        return ""
    return str(_client_rule(lambda: validate_phone(value, field=field)))


def responsible_person(
    message: pb.ResponsiblePerson, prefix: str = "responsible"
) -> dict[str, str]:
    v = Violations()
    name = v.check(lambda: text(message.name, f"{prefix}.name", MAX_NAME, required=True))
    title = v.check(lambda: text(message.title, f"{prefix}.title", MAX_NAME))
    mail = v.check(lambda: email(message.email, f"{prefix}.email"))
    tel = v.check(lambda: phone(message.phone, f"{prefix}.phone"))
    if not v.items and not (mail or tel):
        v.items.append(_violation(f"{prefix}.phone", "give a phone number or an e-mail address"))
    v.raise_if_any()
    return {"name": name or "", "title": title or "", "email": mail or "", "phone": tel or ""}


def municipal_contact(message: pb.MunicipalContact) -> dict[str, str]:
    v = Violations()
    name = v.check(lambda: text(message.name, "municipal_contact.name", MAX_NAME, required=True))
    mail = v.check(lambda: email(message.email, "municipal_contact.email"))
    tel = v.check(lambda: phone(message.phone, "municipal_contact.phone"))
    if not v.items and not (mail or tel):
        v.items.append(
            _violation("municipal_contact.phone", "give a phone number or an e-mail address")
        )
    v.raise_if_any()
    return {"name": name or "", "email": mail or "", "phone": tel or ""}


def contact_details(message: pb.ContactDetails, prefix: str) -> dict[str, str]:
    v = Violations()
    values = {
        "email": v.check(lambda: email(message.email, f"{prefix}.email")),
        "phone": v.check(lambda: phone(message.phone, f"{prefix}.phone")),
        "street_address": v.check(
            lambda: text(message.street_address, f"{prefix}.street_address", MAX_NAME)
        ),
        "postal_code": v.check(lambda: text(message.postal_code, f"{prefix}.postal_code", 20)),
        "post_office": v.check(lambda: text(message.post_office, f"{prefix}.post_office", 100)),
    }
    v.raise_if_any()
    return {key: value or "" for key, value in values.items()}


# --- bases ---------------------------------------------------------------------------------------


def basis_input(message: pb.DisclosureBasis, prefix: str = "basis") -> BasisInput:
    v = Violations()
    kind = v.check(lambda: enums.from_proto(codes.BasisKind, message.kind, f"{prefix}.kind"))
    categories = v.check(
        lambda: enums.many(codes.DataCategory, message.categories, f"{prefix}.categories")
    )
    given_on = v.check(lambda: parse_date(message.consent_given_on, f"{prefix}.consent_given_on"))
    valid_from = v.check(lambda: parse_date(message.valid_from, f"{prefix}.valid_from"))
    valid_until = v.check(lambda: parse_date(message.valid_until, f"{prefix}.valid_until"))
    v.check(lambda: text(message.consent_reference, f"{prefix}.consent_reference", MAX_SHORT))
    v.raise_if_any()
    return BasisInput(
        kind=kind,
        categories=categories or (),
        legal_reference=message.legal_reference,
        consent_given_on=given_on,
        valid_from=valid_from,
        valid_until=valid_until,
    )
