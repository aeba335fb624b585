"""What the RPC handlers of the welfare service share: dependencies, the Finnish calendar day,
request parsing with every bad field reported at once, idempotent-create bookkeeping, refusals
that answer like a missing record, the disclosure log and the feed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Final, TypeVar

import grpc
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain.model import finnish_time
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import FieldViolation, InvalidArgument, NotFound
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller
from kotopolku.welfare import feed, repository
from kotopolku.welfare.directory import ClientDirectory, RecordSource
from kotopolku.welfare.domain.basis import Basis
from kotopolku.welfare.domain.codes import DataCategory
from kotopolku.welfare.domain.errors import InvalidTransition, WelfareDomainError
from kotopolku.welfare.domain.feed import FeedEventDraft
from kotopolku.welfare.feed import FeedNotifier
from kotopolku.welfare.settings import WelfareSettings

Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")

# Where a disclosure went through (the disclosure log's channel).
CHANNEL_TRANSFER: Final = "data-transfer"
CHANNEL_COOPERATION: Final = "cooperation-request"
_CHANNEL_BY_RESOURCE: Final = {"assessments": "assessment-service", "plans": "plans-service"}


class Violations:
    """Runs validators and keeps every problem, so one answer names all bad fields."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def check(self, validator: Callable[[], T]) -> T | None:
        try:
            return validator()
        except WelfareDomainError as error:
            self.items.append(FieldViolation(error.field, error.message))
            return None

    def raise_if_any(self) -> None:
        if self.items:
            fields = ", ".join(v.field for v in self.items)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.items)


def parse_date(value: str, field: str, *, required: bool = False) -> date | None:
    if not value:
        if required:
            raise WelfareDomainError(field, "is required")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WelfareDomainError(field, "must be a date YYYY-MM-DD") from None


def invalid(error: WelfareDomainError) -> InvalidArgument:
    return InvalidArgument.field(error.field, error.message)


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    """The request's hash without its idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def position(token: str) -> tuple[datetime, str] | None:
    decoded = pagination.decode_token(token)
    if decoded is None:
        return None
    try:
        return datetime.fromisoformat(str(decoded["t"])), str(decoded["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def next_token(rows: Sequence[Any], size: int, column: str = "created_at") -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return pagination.encode_token({"t": as_utc(getattr(last, column)).isoformat(), "i": last.id})


def channel_of(resource: str) -> str:
    return _CHANNEL_BY_RESOURCE.get(resource.split("/", 1)[0], CHANNEL_TRANSFER)


class RpcBase:
    def __init__(
        self,
        database: Database,
        audit: AuditRecorder,
        idempotency: IdempotencyStore,
        clock: Clock,
        settings: WelfareSettings,
        notifier: FeedNotifier,
        clients: ClientDirectory,
        records: RecordSource,
    ) -> None:
        self._db = database
        self._audit = audit
        self._idempotency = idempotency
        self._clock = clock
        self._settings = settings
        self._notifier = notifier
        self._clients = clients
        self._records = records

    @property
    def _allow_list(self) -> dict[str, str]:
        return self._settings.xroad_clients

    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        """The Finnish calendar day: deadlines and validity are Finnish dates."""
        return self._clock().astimezone(finnish_time()).date()

    def _area_of(self, municipality: str) -> str:
        area = self._settings.welfare_areas.get(municipality)
        if area is None:
            raise InvalidTransition(
                f"No welfare area is configured for municipality {municipality}",
                "municipality_code",
            )
        return area

    async def _refuse(self, caller: Caller, action: str, resource: str, row: Any) -> NotFound:
        """Records the refusal in a transaction of its own (the caller's rolls back) and returns
        the answer a missing record gets."""
        entry = AuditEntry(
            action=action,
            resource=resource,
            subject_client_id=getattr(row, "client_id", "") if row is not None else "",
            municipality=row.municipality_code if row is not None else "",
            outcome=Outcome.DENIED if row is not None else Outcome.NOT_FOUND,
        )
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
        return NotFound("No such " + resource.split("/", 1)[0].rstrip("s").replace("-", " "))

    async def _created_before(
        self, caller: Caller, key: str, operation: str, digest: str
    ) -> str | None:
        """The id an earlier request with this idempotency key created, if any."""
        if not key:
            return None
        async with self._db.transaction() as connection:
            return await self._idempotency.find(connection, caller.subject, key, operation, digest)

    async def _remember(
        self,
        connection: AsyncConnection,
        caller: Caller,
        key: str,
        operation: str,
        digest: str,
        resource_id: str,
    ) -> None:
        if key:
            await self._idempotency.remember(
                connection, caller.subject, key, operation, digest, resource_id
            )

    async def _publish(
        self, connection: AsyncConnection, welfare_area: str, drafts: Sequence[FeedEventDraft]
    ) -> None:
        """Appends to the area's feed: the last write of a transaction (see feed.append)."""
        await feed.append(connection, welfare_area, drafts, self._now())

    def _published(self, welfare_area: str) -> None:
        """After the commit: wake this process's long-polling readers of the area."""
        self._notifier.notify(welfare_area)

    async def _log_disclosure(
        self,
        connection: AsyncConnection,
        caller: Caller,
        *,
        client_id: str,
        municipality: str,
        welfare_area: str,
        category: DataCategory,
        resource: str,
        fields: Sequence[str],
        basis: Basis,
        channel: str,
    ) -> None:
        """A disclosure in the log the client sees, and in the audit record with its recipient
        and basis: exactly which fields went to which welfare area, when and why."""
        now = self._now()
        await repository.insert_log(
            connection,
            [
                {
                    "id": new_id(),
                    "client_id": client_id,
                    "municipality_code": municipality,
                    "welfare_area": welfare_area,
                    "category": str(category),
                    "resource": resource,
                    "fields": list(fields),
                    "basis_id": basis.id,
                    "basis_kind": str(basis.kind),
                    "legal_reference": basis.legal_reference,
                    "purpose": caller.purpose,
                    "channel": channel,
                    "actor_subject": caller.subject,
                    "disclosed_at": now,
                }
            ],
        )
        await self._audit.record(
            connection,
            caller,
            [
                AuditEntry(
                    action="disclosure.deliver",
                    resource=resource,
                    subject_client_id=client_id,
                    municipality=municipality,
                    fields=tuple(fields),
                    context=(
                        ("recipient", welfare_area),
                        ("basis", basis.id),
                        ("basis-kind", str(basis.kind)),
                        ("category", str(category)),
                        ("channel", channel),
                    ),
                )
            ],
        )


def new_id() -> str:
    return str(uuid.uuid4())
