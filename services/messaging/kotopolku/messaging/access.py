"""Who may do what in the messaging service (defence in depth behind the gateway's checks).

Deny by default. Everything belongs to one municipality:

* threads: staff of the client's municipality read them, officers start them and write in them;
  stakeholders (welfare-area workers, service providers, interpreters) see and write only in
  threads they were added to; a client user sees and writes only in threads about themselves;
* templates: staff read them; officers and managers write the municipality's own;
* notifications: other services (role internal-service) send and cancel their own; officers
  send, cancel and read those of their municipality's clients, managers read them;
* campaigns: officers and managers of the municipality;
* opt-outs: the client for themselves, officers for their municipality's clients.

A record of another municipality, or a thread the caller does not take part in, answers as if
it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kotopolku.common.errors import PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.messaging.domain.threads import ParticipantKind

STAFF = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER})
OFFICERS = frozenset({Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER})
TEMPLATE_WRITERS = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})
CAMPAIGN_STAFF = frozenset({Role.MUNICIPAL_OFFICER, Role.MANAGER})
STAKEHOLDERS = frozenset({Role.WELFARE_AREA_WORKER, Role.SERVICE_PROVIDER, Role.INTERPRETER})


def _municipality(caller: Caller) -> str:
    if not caller.municipality:
        raise PermissionDenied("The caller has no municipality")
    return caller.municipality


@dataclass(frozen=True, slots=True)
class ThreadViewer:
    """Who reads threads: staff of a municipality, a stakeholder, or a client user."""

    subject: str
    kind: ParticipantKind
    municipality: str | None
    # The client record of a client user (resolved by the gateway).
    client_id: str | None
    may_write: bool

    def sees(self, thread: Any, participant_subjects: set[str]) -> bool:
        if self.kind is ParticipantKind.STAFF:
            return bool(thread.municipality_code == self.municipality)
        if self.kind is ParticipantKind.CLIENT:
            return bool(thread.client_id == self.client_id)
        return self.subject in participant_subjects

    @property
    def participant_subject(self) -> str:
        """The client takes part as their client record; everyone else as their subject."""
        if self.kind is ParticipantKind.CLIENT:
            assert self.client_id is not None
            return self.client_id
        return self.subject


def thread_viewer(caller: Caller) -> ThreadViewer:
    if caller.has_any(*STAFF):
        return ThreadViewer(
            caller.subject,
            ParticipantKind.STAFF,
            _municipality(caller),
            None,
            may_write=caller.has_any(*OFFICERS),
        )
    if caller.has_any(Role.CLIENT):
        if not caller.client_id:
            raise PermissionDenied("The client user's own record is not resolved")
        return ThreadViewer(
            caller.subject, ParticipantKind.CLIENT, None, caller.client_id, may_write=True
        )
    if caller.has_any(*STAKEHOLDERS):
        return ThreadViewer(
            caller.subject, ParticipantKind.STAKEHOLDER, caller.municipality, None, may_write=True
        )
    raise PermissionDenied("This role may not use message threads")


def thread_creator(caller: Caller) -> str:
    if not caller.has_any(*OFFICERS):
        raise PermissionDenied("Only officers start message threads")
    return _municipality(caller)


def template_reader(caller: Caller) -> str:
    if not caller.has_any(*STAFF):
        raise PermissionDenied("Only staff read message templates")
    return _municipality(caller)


def template_writer(caller: Caller) -> str:
    if not caller.has_any(*TEMPLATE_WRITERS):
        raise PermissionDenied("Only municipal officers and managers change message templates")
    return _municipality(caller)


@dataclass(frozen=True, slots=True)
class NotificationActor:
    """A service (any municipality it names, only its own notifications) or staff."""

    subject: str
    municipality: str | None
    is_service: bool
    may_send: bool

    def sees(self, row: Any) -> bool:
        if self.is_service:
            return bool(row.requested_by == self.subject)
        return bool(row.municipality_code == self.municipality)


def notification_actor(caller: Caller) -> NotificationActor:
    if caller.is_internal_service:
        return NotificationActor(caller.subject, None, is_service=True, may_send=True)
    if caller.has_any(*STAFF):
        return NotificationActor(
            caller.subject,
            _municipality(caller),
            is_service=False,
            may_send=caller.has_any(*OFFICERS),
        )
    raise PermissionDenied("This role may not send or read notifications")


def campaign_staff(caller: Caller) -> str:
    if not caller.has_any(*CAMPAIGN_STAFF):
        raise PermissionDenied("Only municipal officers and managers run campaigns")
    return _municipality(caller)


@dataclass(frozen=True, slots=True)
class OptOutActor:
    subject: str
    municipality: str | None
    own_client_id: str | None


def opt_out_actor(caller: Caller, *, write: bool) -> OptOutActor:
    if caller.has_any(Role.CLIENT):
        if not caller.client_id:
            raise PermissionDenied("The client user's own record is not resolved")
        return OptOutActor(caller.subject, None, caller.client_id)
    allowed = OFFICERS if write else STAFF
    if caller.has_any(*allowed):
        return OptOutActor(caller.subject, _municipality(caller), None)
    raise PermissionDenied("This role may not " + ("record" if write else "read") + " opt-outs")
