"""Measures appending to the audit chain and verifying it, through the repository directly.

    .venv/bin/python services/audit/bench_append.py \
        --database-url postgresql+psycopg://user@host/db --events 100000 --batch 1000

Migrates the database first. Each batch is one transaction, as one AppendEvents call is. Use an
empty database: verification covers every entry already there.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from kotopolku.audit.chain import EventData
from kotopolku.audit.repository import VERIFY_CHUNK_SIZE, AuditRepository
from kotopolku.audit.service import MIGRATIONS
from kotopolku.common import migrations
from kotopolku.common.db import Database


def _events(count: int, offset: int) -> list[EventData]:
    now = datetime.now(UTC)
    return [
        EventData(
            event_id=str(uuid.uuid4()),
            occurred_at=now,
            actor_subject=f"officer-{(offset + i) % 50}",
            actor_roles=("municipal-officer",),
            municipality_code=("091", "837", "179")[(offset + i) % 3],
            welfare_area_code="",
            subject_client_id=str(uuid.UUID(int=(offset + i) % 5000)),
            action="client.read",
            resource=f"clients/{(offset + i) % 5000}",
            fields=("names", "contact", "languages"),
            purpose="integration-service",
            trace_id=uuid.uuid4().hex,
            service="clients",
            outcome="success",
        )
        for i in range(count)
    ]


async def _run(url: str, total: int, batch: int, chunk: int) -> None:
    await asyncio.to_thread(migrations.upgrade, url, "audit", MIGRATIONS)
    database = Database(url)
    repository = AuditRepository(database, verify_chunk_size=chunk)
    try:
        batches: Sequence[list[EventData]] = [
            _events(min(batch, total - start), start) for start in range(0, total, batch)
        ]
        started, cpu = time.perf_counter(), time.process_time()
        appended = 0
        for events in batches:
            async with database.transaction() as connection:
                appended += (await repository.append(connection, events)).appended
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"appended {appended} events in batches of {batch}: {elapsed:.2f} s"
            f" (this process used {cpu:.2f} s of CPU)"
        )
        print(f"append rate: {appended / elapsed:,.0f} events/s")

        started, cpu = time.perf_counter(), time.process_time()
        result = await repository.verify()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"verified {result.entries_checked} entries (intact={result.intact}) in "
            f"{elapsed:.2f} s: {result.entries_checked / max(elapsed, 1e-9):,.0f} entries/s"
            f" (this process used {cpu:.2f} s of CPU)"
        )
    finally:
        await database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--verify-chunk", type=int, default=VERIFY_CHUNK_SIZE)
    args = parser.parse_args(argv)
    if args.events < 1 or args.batch < 1:
        parser.error("--events and --batch must be positive")
    asyncio.run(_run(args.database_url, args.events, args.batch, args.verify_chunk))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
