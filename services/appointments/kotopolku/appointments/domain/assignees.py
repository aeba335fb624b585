"""Who takes part (osallistujat): staff of the municipality, a welfare area or a provider, the
client, interpreters.

Each assignee is one *person*: a user account (its Keycloak subject) or the appointment's client.
Calendars and conflict detection work on person keys: the subject, or ``client:<client id>``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from kotopolku.appointments.domain.errors import AppointmentDomainError

MAX_ASSIGNEES: Final = 20
MAX_SUBJECT_LENGTH: Final = 64
MAX_NAME_LENGTH: Final = 200
MAX_ORGANISATION_LENGTH: Final = 64
CLIENT_KEY_PREFIX: Final = "client:"


class AssigneeKind(enum.StrEnum):
    MUNICIPAL_STAFF = "MUNICIPAL_STAFF"
    WELFARE_AREA_STAFF = "WELFARE_AREA_STAFF"
    PROVIDER_STAFF = "PROVIDER_STAFF"
    CLIENT = "CLIENT"
    INTERPRETER = "INTERPRETER"

    @property
    def needs_organisation(self) -> bool:
        return self in (
            AssigneeKind.WELFARE_AREA_STAFF,
            AssigneeKind.PROVIDER_STAFF,
            AssigneeKind.INTERPRETER,
        )


@dataclass(frozen=True, slots=True)
class Assignee:
    kind: AssigneeKind
    subject: str = ""
    display_name: str = ""
    organisation: str = ""

    def person_key(self, client_id: str) -> str:
        return client_person_key(client_id) if self.kind is AssigneeKind.CLIENT else self.subject


def client_person_key(client_id: str) -> str:
    return f"{CLIENT_KEY_PREFIX}{client_id}"


def _identifier(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if len(text) > limit or not text.isprintable() or " " in text:
        raise AppointmentDomainError(field, f"must be an identifier of at most {limit} characters")
    return text


def _name(value: str, field: str) -> str:
    text = " ".join(value.split())
    if len(text) > MAX_NAME_LENGTH:
        raise AppointmentDomainError(field, f"must be at most {MAX_NAME_LENGTH} characters")
    return text


def validate_assignee(assignee: Assignee, *, field: str) -> Assignee:
    subject = _identifier(assignee.subject, f"{field}.subject", MAX_SUBJECT_LENGTH)
    organisation = _identifier(
        assignee.organisation, f"{field}.organisation", MAX_ORGANISATION_LENGTH
    )
    name = _name(assignee.display_name, f"{field}.display_name")
    if assignee.kind is AssigneeKind.CLIENT:
        if subject:
            raise AppointmentDomainError(
                f"{field}.subject", "must be empty: the client is the appointment's client"
            )
        if organisation:
            raise AppointmentDomainError(f"{field}.organisation", "must be empty for the client")
    else:
        if not subject:
            raise AppointmentDomainError(f"{field}.subject", "is required")
        if subject.startswith(CLIENT_KEY_PREFIX):
            raise AppointmentDomainError(f"{field}.subject", "is not a user account's subject")
        if assignee.kind.needs_organisation and not organisation:
            raise AppointmentDomainError(f"{field}.organisation", "is required for this kind")
        if assignee.kind is AssigneeKind.MUNICIPAL_STAFF and organisation:
            raise AppointmentDomainError(
                f"{field}.organisation", "must be empty: municipal staff belong to the municipality"
            )
    return Assignee(assignee.kind, subject, name, organisation)


def validate_assignees(
    assignees: Sequence[Assignee], client_id: str, *, field: str = "assignees"
) -> list[Assignee]:
    """At least one and at most twenty people, each once; the client at most once."""
    if not assignees:
        raise AppointmentDomainError(field, "must name at least one person")
    if len(assignees) > MAX_ASSIGNEES:
        raise AppointmentDomainError(field, f"must name at most {MAX_ASSIGNEES} people")
    checked: list[Assignee] = []
    seen: set[str] = set()
    for index, assignee in enumerate(assignees):
        path = f"{field}[{index}]"
        valid = validate_assignee(assignee, field=path)
        key = valid.person_key(client_id)
        if key in seen:
            raise AppointmentDomainError(path, "names a person already assigned")
        seen.add(key)
        checked.append(valid)
    return checked


def includes_client(assignees: Sequence[Assignee]) -> bool:
    return any(a.kind is AssigneeKind.CLIENT for a in assignees)
