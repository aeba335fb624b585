"""Who may do what in the reporting service (defence in depth behind the gateway's checks).

Deny by default.

* **Facts** come only from the owning services (role internal-service), each only its own kinds
  (``domain.facts.SENDERS``).
* **Reports** are for management: managers and auditors see their own municipality's figures;
  admins name the municipality. Asking for another municipality's figures is refused.
* **The national extract**: a manager for their own municipality, an admin for one or every
  municipality.
* **Surveys**: municipal officers and managers write them; staff read them.
* **Invitations** to clients and stakeholders: officers (municipal, employment) of the
  municipality; the same officers read a client's invitations and identified answers.
* **Self-service**: a client user answers only their own invitations.
* **One-time links**: the gateway's link route calls as ``feedback-link``, which may only read
  and answer the invitation whose token it carries.
"""

from __future__ import annotations

import re
from typing import Final

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.reporting.domain.facts import SENDERS, sender_of

# The role of the gateway's one-time link routes: no token can carry it.
FEEDBACK_LINK_ROLE: Final = "feedback-link"
REPORT_READERS: Final = frozenset({Role.MANAGER, Role.AUDITOR})
SURVEY_WRITERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})
SURVEY_READERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
OFFICERS: Final = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
_MUNICIPALITY = re.compile(r"^\d{3}$")


def _municipality(caller: Caller) -> str:
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


def fact_sender(caller: Caller) -> str:
    sender = sender_of(caller.subject) if caller.is_internal_service else None
    if sender is None or sender not in SENDERS:
        raise PermissionDenied("Only the services that own the records report facts")
    return sender


def report_municipality(caller: Caller, requested: str) -> str:
    """The municipality whose figures the caller reads."""
    if caller.has_any(Role.ADMIN):
        if not _MUNICIPALITY.match(requested):
            raise PermissionDenied("An admin names the municipality (municipality_code)")
        return requested
    if caller.has_any(*REPORT_READERS):
        own = _municipality(caller)
        if requested and requested != own:
            raise PermissionDenied("Figures of another municipality are not shown")
        return own
    raise PermissionDenied("Reports are for managers, auditors and admins")


def extract_municipalities(caller: Caller, requested: str) -> str | None:
    """One municipality, or None for every municipality (admins only)."""
    if caller.has_any(Role.ADMIN):
        if requested and not _MUNICIPALITY.match(requested):
            raise PermissionDenied("Not a municipality code")
        return requested or None
    if caller.has_any(Role.MANAGER):
        own = _municipality(caller)
        if requested and requested != own:
            raise PermissionDenied("Another municipality's extract is not made here")
        return own
    raise PermissionDenied("The national extract is made by managers and admins")


def survey_writer(caller: Caller) -> str:
    if not caller.has_any(*SURVEY_WRITERS):
        raise PermissionDenied("Only municipal officers and managers write surveys")
    return _municipality(caller)


def survey_reader(caller: Caller) -> str:
    if not caller.has_any(*SURVEY_READERS):
        raise PermissionDenied("Only the municipality's staff read surveys")
    return _municipality(caller)


def officer(caller: Caller) -> str:
    """Invitations and a client's identified answers."""
    if not caller.has_any(*OFFICERS):
        raise PermissionDenied("Only officers invite feedback and read a client's answers")
    return _municipality(caller)


def own_client(caller: Caller) -> str:
    if not caller.has_any(Role.CLIENT) or not caller.client_id:
        raise PermissionDenied("Only a client user has own feedback invitations")
    return caller.client_id


def link_caller(caller: Caller) -> None:
    if caller.roles != {FEEDBACK_LINK_ROLE}:
        raise PermissionDenied("Only the one-time link route answers by token")
