"""Turns API messages into validated column values, reporting every offending field at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any, TypeVar

from kotopolku.clients.domain import (
    ClientDomainError,
    ClientSegment,
    ClientStatus,
    ResidencePermitType,
    parse_henkilotunnus,
    validate_email,
    validate_language_code,
    validate_phone,
)
from kotopolku.clients.v1 import clients_pb2
from kotopolku.common.errors import FieldViolation, InvalidArgument

T = TypeVar("T")

MAX_NAME_LENGTH = 200
MAX_LANGUAGES = 10
CONTACT_FIELDS = ("email", "phone", "street_address", "postal_code", "post_office")
PERSON_FIELDS = (
    "first_names",
    "last_name",
    "date_of_birth",
    "henkilotunnus",
    "languages",
    "contact",
)
UPDATABLE_FIELDS = frozenset(
    {
        *PERSON_FIELDS,
        *(f"contact.{name}" for name in CONTACT_FIELDS),
        "segment",
        "residence_permit_type",
        "first_permit_date",
        "status",
    }
)

_SEGMENTS = {
    clients_pb2.CLIENT_SEGMENT_SELF_MOVED: ClientSegment.SELF_MOVED,
    clients_pb2.CLIENT_SEGMENT_PLACED: ClientSegment.PLACED,
    clients_pb2.CLIENT_SEGMENT_QUOTA_REFUGEE: ClientSegment.QUOTA_REFUGEE,
}
_STATUSES = {
    clients_pb2.CLIENT_STATUS_ACTIVE: ClientStatus.ACTIVE,
    clients_pb2.CLIENT_STATUS_INACTIVE: ClientStatus.INACTIVE,
    clients_pb2.CLIENT_STATUS_ARCHIVED: ClientStatus.ARCHIVED,
}
_PERMITS = {
    clients_pb2.RESIDENCE_PERMIT_TYPE_CONTINUOUS: ResidencePermitType.CONTINUOUS,
    clients_pb2.RESIDENCE_PERMIT_TYPE_TEMPORARY: ResidencePermitType.TEMPORARY,
    clients_pb2.RESIDENCE_PERMIT_TYPE_PERMANENT: ResidencePermitType.PERMANENT,
    clients_pb2.RESIDENCE_PERMIT_TYPE_EU_REGISTRATION: ResidencePermitType.EU_REGISTRATION,
    clients_pb2.RESIDENCE_PERMIT_TYPE_TEMPORARY_PROTECTION: (
        ResidencePermitType.TEMPORARY_PROTECTION
    ),
    clients_pb2.RESIDENCE_PERMIT_TYPE_INTERNATIONAL_PROTECTION: (
        ResidencePermitType.INTERNATIONAL_PROTECTION
    ),
    clients_pb2.RESIDENCE_PERMIT_TYPE_OTHER: ResidencePermitType.OTHER,
}
SEGMENT_FROM_PROTO = _SEGMENTS
STATUS_FROM_PROTO = _STATUSES
SEGMENT_TO_PROTO = {value: key for key, value in _SEGMENTS.items()}
STATUS_TO_PROTO = {value: key for key, value in _STATUSES.items()}
PERMIT_TO_PROTO = {value: key for key, value in _PERMITS.items()}


class _Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except ClientDomainError as error:
            self.violations.append(FieldViolation(error.field or field, error.message))
        except ValueError as error:
            self.violations.append(FieldViolation(field, str(error)))
        return None

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


def free_text(value: str, field: str, max_length: int) -> str:
    """Required free text with whitespace normalised and no control characters."""
    text = " ".join(value.split())
    if not text:
        raise ClientDomainError(field, "is required")
    if len(text) > max_length:
        raise ClientDomainError(field, f"must be at most {max_length} characters")
    if not text.isprintable():
        raise ClientDomainError(field, "must not contain control characters")
    return text


def _name(value: str, field: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise ValueError("is required")
    if len(text) > MAX_NAME_LENGTH or not text.isprintable():
        raise ValueError(f"must be printable text of at most {MAX_NAME_LENGTH} characters")
    return text


def parse_date(value: str, field: str, *, required: bool, today: date) -> date | None:
    if not value:
        if required:
            raise ClientDomainError(field, "is required (YYYY-MM-DD)")
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ClientDomainError(field, "must be a date in the form YYYY-MM-DD") from None
    if parsed > today:
        raise ClientDomainError(field, "must not be in the future")
    if parsed.year < 1880:
        raise ClientDomainError(field, "is too far in the past")
    return parsed


def _languages(codes: Iterable[str]) -> list[str]:
    checked: list[str] = []
    for index, code in enumerate(codes):
        canonical = validate_language_code(code, field=f"languages[{index}]")
        if canonical not in checked:
            checked.append(canonical)
    if len(checked) > MAX_LANGUAGES:
        raise ClientDomainError("languages", f"at most {MAX_LANGUAGES} languages")
    return checked


def _contact_field(contact: clients_pb2.ContactDetails, name: str) -> str:
    value = str(getattr(contact, name)).strip()
    if not value:
        return ""
    if name == "email":
        return validate_email(value)
    if name == "phone":
        return validate_phone(value)
    if len(value) > 200 or not value.isprintable():
        raise ClientDomainError(
            f"contact.{name}", "must be printable text of at most 200 characters"
        )
    return value


def person_values(
    message: clients_pb2.Client | clients_pb2.Referral,
    *,
    today: date,
    paths: Iterable[str] = PERSON_FIELDS,
    collector: _Collector | None = None,
) -> dict[str, Any]:
    """Validated values of the personal fields named in ``paths``."""
    own = collector or _Collector()
    wanted = set(paths)
    values: dict[str, Any] = {}
    if "first_names" in wanted:
        values["first_names"] = own.check(
            "first_names", lambda: _name(message.first_names, "first_names")
        )
    if "last_name" in wanted:
        values["last_name"] = own.check("last_name", lambda: _name(message.last_name, "last_name"))
    if "date_of_birth" in wanted:
        values["date_of_birth"] = own.check(
            "date_of_birth",
            lambda: parse_date(message.date_of_birth, "date_of_birth", required=True, today=today),
        )
    if "henkilotunnus" in wanted:
        hetu = own.check(
            "henkilotunnus",
            lambda: (
                parse_henkilotunnus(message.henkilotunnus, today=today)
                if message.henkilotunnus.strip()
                else None
            ),
        )
        values["henkilotunnus"] = hetu.value if hetu is not None else None
        birth = values.get("date_of_birth")
        if hetu is not None and birth is not None and hetu.birth_date != birth:
            own.violations.append(
                FieldViolation("date_of_birth", "does not match the date in the henkilötunnus")
            )
    if "languages" in wanted:
        values["languages"] = own.check("languages", lambda: _languages(message.languages))
    contact_paths = {p.split(".", 1)[1] for p in wanted if p.startswith("contact.")}
    if "contact" in wanted:
        contact_paths = set(CONTACT_FIELDS)
    if contact_paths:
        contact: dict[str, str] = {}
        for name in sorted(contact_paths):
            checked = own.check(f"contact.{name}", partial(_contact_field, message.contact, name))
            contact[name] = checked or ""
        values["contact"] = contact
    if collector is None:
        own.raise_if_any()
    return values


def client_values(
    message: clients_pb2.Client, *, today: date, paths: Iterable[str] | None = None
) -> dict[str, Any]:
    """Validated column values for a create (all fields) or an update (the masked ones)."""
    collector = _Collector()
    wanted = set(UPDATABLE_FIELDS if paths is None else paths)
    unknown = wanted - UPDATABLE_FIELDS
    for path in sorted(unknown):
        collector.violations.append(FieldViolation(f"update_mask.{path}", "cannot be updated"))
    values = person_values(
        message,
        today=today,
        paths=[p for p in wanted if p in PERSON_FIELDS or p.startswith("contact.")],
        collector=collector,
    )
    if "segment" in wanted:
        values["segment"] = _SEGMENTS.get(message.segment)
    if "residence_permit_type" in wanted:
        values["residence_permit_type"] = _PERMITS.get(message.residence_permit_type)
    if "first_permit_date" in wanted:
        values["first_permit_date"] = collector.check(
            "first_permit_date",
            lambda: parse_date(
                message.first_permit_date, "first_permit_date", required=False, today=today
            ),
        )
    if "status" in wanted:
        values["status"] = _STATUSES.get(
            message.status, ClientStatus.ACTIVE if paths is None else None
        )
        if values["status"] is None:
            collector.violations.append(FieldViolation("status", "is required"))
    collector.raise_if_any()
    return values


def new_collector() -> _Collector:
    return _Collector()
