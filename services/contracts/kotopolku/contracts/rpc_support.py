"""What the RPC handlers of the contracts service share: dependencies, today's date, ids,
idempotent-create bookkeeping, page tokens and audit entries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy.exc import IntegrityError

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry, AuditRecorder, Outcome
from kotopolku.common.client_directory import ClientDirectory
from kotopolku.common.clock import Clock, as_utc
from kotopolku.common.db import Database
from kotopolku.common.errors import AlreadyExists, DomainError, FieldViolation, InvalidArgument
from kotopolku.common.idempotency import IdempotencyStore, request_hash, validate_key
from kotopolku.common.identity import Caller
from kotopolku.common.objectstore import ObjectStore
from kotopolku.contracts.domain.claim import ClaimProblems
from kotopolku.contracts.domain.deadline import finnish_day
from kotopolku.contracts.domain.errors import ContractsDomainError

Context = grpc.aio.ServicerContext[Any, Any]


class StoredFileDamaged(DomainError):
    """A stored file is missing or does not match its recorded checksum."""

    status = grpc.StatusCode.DATA_LOSS
    type = "integrity-error"
    title = "A stored file is damaged"


def invalid(error: ContractsDomainError) -> InvalidArgument:
    return InvalidArgument.field(error.field, error.message)


def refused(problems: ClaimProblems) -> InvalidArgument:
    violations = [FieldViolation(p.field, p.message) for p in problems.problems]
    first = violations[0].description if violations else "The claim is refused"
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return InvalidArgument(first + more, violations=violations)


@contextmanager
def concurrent_duplicates() -> Iterator[None]:
    """A create racing another with the same Idempotency-Key loses on the key's primary key."""
    try:
        yield
    except IntegrityError as error:
        raise AlreadyExists(
            "A request with the same Idempotency-Key was being processed; retry it"
        ) from error


def idempotency_key(key: str) -> str:
    return validate_key(key) if key else ""


def fingerprint(request: Message) -> str:
    """The request's hash without its idempotency key."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("idempotency_key")  # type: ignore[arg-type]
    return request_hash(copy)


def page_position(token: str) -> tuple[datetime, str] | None:
    position = pagination.decode_token(token)
    if position is None:
        return None
    try:
        return datetime.fromisoformat(str(position["c"])), str(position["i"])
    except (KeyError, ValueError):
        raise InvalidArgument.field("page_token", "is not a token this API issued") from None


def next_token(rows: list[Any], size: int) -> str:
    if len(rows) <= size:
        return ""
    last = rows[size - 1]
    return pagination.encode_token({"c": as_utc(last.created_at).isoformat(), "i": last.id})


def contract_entry(row: Any, action: str, fields: Iterable[str]) -> AuditEntry:
    # Parties may be private persons (a lessor), and a contract may name a client.
    return AuditEntry(
        action=action,
        resource=f"contracts/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=tuple(fields),
    )


def cost_entry_entry(row: Any, action: str, fields: Iterable[str]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"cost-entries/{row.id}",
        subject_client_id=row.client_id,
        municipality=row.municipality_code,
        fields=tuple(fields),
    )


def claim_entries(
    row: Any, clients: Iterable[str], action: str, fields: Iterable[str]
) -> list[AuditEntry]:
    """One record per client whose data the claim carries (one without a client if none)."""
    names = tuple(fields)
    subjects = sorted(set(clients)) or [""]
    return [
        AuditEntry(
            action=action,
            resource=f"compensation-claims/{row.id}",
            subject_client_id=client,
            municipality=row.municipality_code,
            fields=names,
        )
        for client in subjects
    ]


@dataclass(frozen=True, slots=True)
class Dependencies:
    database: Database
    audit: AuditRecorder
    idempotency: IdempotencyStore
    clock: Clock
    store: ObjectStore
    clients: ClientDirectory
    max_attachment_bytes: int


class RpcBase:
    def __init__(self, dependencies: Dependencies) -> None:
        self._deps = dependencies
        self._db = dependencies.database
        self._audit = dependencies.audit
        self._idempotency = dependencies.idempotency
        self._clock = dependencies.clock
        self._store = dependencies.store
        self._clients = dependencies.clients

    def _now(self) -> datetime:
        return self._clock()

    def _today(self) -> date:
        """The Finnish calendar day: deadlines and validity are Finnish dates."""
        return finnish_day(self._clock())

    async def _audit_missing(self, caller: Caller, action: str, resource: str) -> None:
        """A read of a record that does not exist for the caller (perhaps another
        municipality's): recorded in a transaction of its own, as the answer is an error."""
        entry = AuditEntry(action=action, resource=resource, outcome=Outcome.NOT_FOUND)
        async with self._db.transaction() as connection:
            await self._audit.record(connection, caller, [entry])
