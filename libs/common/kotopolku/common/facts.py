"""Reporting facts: what a service tells the reporting service about its records.

A service that owns records management reports count (assessments, plans, enrolments) writes a
minimal, pseudonymous :class:`~kotopolku.reporting.v1.reporting_pb2.Fact` to its own
``reporting_outbox`` table in the transaction that changes the record, so a fact exists exactly
when the change does. :class:`FactRelay` delivers the rows in order to
``ReportingService.RecordFacts`` as the service itself, and deletes them only once the reporting
service has kept them: at least once, and the reporting service ignores event ids it already
has. While it is down, rows wait and the relay backs off.

Facts never carry names, identity codes, free text or record ids: the client and the record are
keyed hashes with the municipality's reporting key (:mod:`kotopolku.common.pseudonyms`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import grpc
import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.clock import Clock, to_timestamp, utcnow
from kotopolku.common.db import Database
from kotopolku.common.localtime import finnish_date
from kotopolku.common.outbox import BatchRelay, RelayMetrics
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.common.settings import ServiceSettings
from kotopolku.common.tables import UtcDateTime
from kotopolku.reporting.v1 import reporting_pb2, reporting_pb2_grpc

OUTBOX_TABLE: Final = "reporting_outbox"
# HKDF purpose of the municipal reporting key; the national extract uses another secret.
MUNICIPAL_PURPOSE: Final = "kotopolku-reporting-municipal"
MAX_BACKOFF_SECONDS: Final = 60.0
PSEUDONYM_KEY_FILENAME: Final = "reporting-pseudonym.key"

BACKLOG = Gauge(
    "kotopolku_reporting_outbox_backlog", "Reporting facts waiting for delivery", ["service"]
)
DELIVERED = Counter(
    "kotopolku_reporting_outbox_delivered_total", "Reporting facts delivered", ["service"]
)
FAILURES = Counter(
    "kotopolku_reporting_outbox_failures_total", "Failed reporting fact deliveries", ["service"]
)


finnish_day = finnish_date


class FactSourceSettings(ServiceSettings):
    """Settings of a service that emits reporting facts."""

    reporting_address: str = "127.0.0.1:50064"
    # The municipal reporting secret (64 hex characters), the same for every fact source.
    # Default: reporting-pseudonym.key beside the service key.
    reporting_pseudonym_key_file: Path | None = None
    fact_poll_seconds: float = Field(2.0, gt=0)
    fact_batch_size: int = Field(200, ge=1, le=5000)

    @property
    def pseudonym_key_path(self) -> Path:
        return self.reporting_pseudonym_key_file or self.service_key_file.with_name(
            PSEUDONYM_KEY_FILENAME
        )


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    ]


def reporting_outbox_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(OUTBOX_TABLE, metadata, *_columns())


def create_reporting_outbox(op: Any) -> None:
    """For a service's Alembic migration: ``create_reporting_outbox(op)``."""
    op.create_table(OUTBOX_TABLE, *_columns())


def drop_reporting_outbox(op: Any) -> None:
    op.drop_table(OUTBOX_TABLE)


class FactRecorder:
    """Pseudonymises and writes facts in the caller's transaction."""

    def __init__(
        self,
        outbox: sa.Table,
        key: PseudonymKey,
        clock: Clock = utcnow,
        on_recorded: Callable[[], None] = lambda: None,
    ) -> None:
        self._outbox = outbox
        self._key = key
        self._clock = clock
        self._on_recorded = on_recorded

    def subject(self, municipality: str, client_id: str) -> str:
        return self._key.pseudonym(municipality, "client", client_id)

    def record_ref(self, municipality: str, kind: str, record_id: str) -> str:
        return self._key.pseudonym(municipality, kind, record_id)

    def fact(
        self, municipality: str, client_id: str, record_kind: str, record_id: str
    ) -> reporting_pb2.Fact:
        """A fact with its header filled in; the caller sets one body."""
        return reporting_pb2.Fact(
            event_id=str(uuid.uuid4()),
            occurred_at=to_timestamp(self._clock()),
            municipality_code=municipality,
            subject=self.subject(municipality, client_id) if client_id else "",
            record=self.record_ref(municipality, record_kind, record_id),
        )

    async def record(
        self, connection: AsyncConnection, facts: Iterable[reporting_pb2.Fact]
    ) -> None:
        rows = []
        for fact in facts:
            if fact.WhichOneof("body") is None:
                raise ValueError("a reporting fact needs a body")
            rows.append(
                {
                    "event_id": fact.event_id,
                    "payload": fact.SerializeToString(),
                    "created_at": self._clock(),
                }
            )
        if rows:
            await connection.execute(sa.insert(self._outbox), rows)
            self._on_recorded()


FACT_METRICS = RelayMetrics(BACKLOG, DELIVERED, FAILURES)


class FactDeliveryFailed(Exception):
    pass


class FactRelay(BatchRelay):
    """Delivers the outbox to the reporting service, oldest first, in batches."""

    def __init__(
        self,
        service: str,
        database: Database,
        outbox: sa.Table,
        reporting: reporting_pb2_grpc.ReportingServiceAsyncStub,
        *,
        batch_size: int = 200,
        poll_seconds: float = 2.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        async def record(payloads: Sequence[bytes]) -> None:
            facts = [reporting_pb2.Fact.FromString(payload) for payload in payloads]
            try:
                await reporting.RecordFacts(
                    reporting_pb2.RecordFactsRequest(facts=facts), timeout=timeout_seconds
                )
            except grpc.aio.AioRpcError as error:
                raise FactDeliveryFailed(error.code().name) from error

        super().__init__(
            service,
            database,
            outbox,
            record,
            FACT_METRICS,
            batch_size=batch_size,
            poll_seconds=poll_seconds,
            max_backoff_seconds=MAX_BACKOFF_SECONDS,
        )


def install(runtime: Any, outbox: sa.Table) -> FactRecorder:
    """Sets up fact recording for a service: the recorder its RPCs write with, and the relay
    that runs beside the server (``runtime`` is the service's
    :class:`~kotopolku.common.server.Runtime`; its settings are :class:`FactSourceSettings`)."""
    settings = runtime.settings
    assert isinstance(settings, FactSourceSettings)
    key = PseudonymKey.from_file(settings.pseudonym_key_path, MUNICIPAL_PURPOSE)
    relay = FactRelay(
        runtime.name,
        runtime.database,
        outbox,
        reporting_pb2_grpc.ReportingServiceStub(  # type: ignore[arg-type]
            runtime.service_channel(settings.reporting_address)
        ),
        batch_size=settings.fact_batch_size,
        poll_seconds=settings.fact_poll_seconds,
    )
    runtime.extras[OUTBOX_TABLE] = relay
    runtime.background.append(relay.run)
    return FactRecorder(outbox, key, runtime.clock, on_recorded=relay.wake)
