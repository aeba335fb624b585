"""What the RPC handlers of the reporting service share: dependencies, today's date, paging
and the translation of domain errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import grpc

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.client_directory import ClientDirectory
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import InvalidArgument
from kotopolku.common.facts import finnish_day
from kotopolku.common.idempotency import IdempotencyStore
from kotopolku.common.identity import Caller
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.reporting.domain.errors import ReportingDomainError

Context = grpc.aio.ServicerContext[Any, Any]


def invalid(error: ReportingDomainError) -> InvalidArgument:
    return InvalidArgument.field(error.field, error.message)


def after(token: str) -> tuple[datetime, str] | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return datetime.fromisoformat(str(position["t"])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def next_token(rows: list[Any], size: int) -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return pagination.encode_token({"t": as_utc(last.created_at).isoformat(), "i": last.id})


@dataclass(frozen=True, slots=True)
class FeedbackSettings:
    min_group_size: int
    feedback_url: str
    organiser: str
    extract_threshold: int


class RpcBase:
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        clients: ClientDirectory,
        national_key: PseudonymKey,
        settings: FeedbackSettings,
        on_invitation: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._clients = clients
        self._national_key = national_key
        self._settings = settings
        self._on_invitation = on_invitation

    def _today(self) -> date:
        return finnish_day(self._clock())

    async def _audit_refusal(self, caller: Caller, action: str, resource: str, row: Any) -> None:
        """In a transaction of its own: the caller's is about to roll back."""
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=(row.client_id or "") if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
