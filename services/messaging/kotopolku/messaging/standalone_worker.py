"""``kotopolku-messaging worker``: the delivery worker as a process of its own, beside (or
instead of) the one inside the service. It writes its audit records to the service's outbox;
the service delivers them to the audit service."""

from __future__ import annotations

import asyncio
import logging
import signal

from kotopolku.common.audit import AuditRecorder
from kotopolku.common.channels import open_channel
from kotopolku.common.clock import utcnow
from kotopolku.common.db import Database
from kotopolku.common.identity import AssertionSigner, ServiceAssertion
from kotopolku.common.logging import configure_logging
from kotopolku.messaging.contacts import ContactDirectory
from kotopolku.messaging.service import MessagingSettings, make_worker
from kotopolku.messaging.tables import audit_outbox

log = logging.getLogger(__name__)


async def run(settings: MessagingSettings) -> None:
    signer = AssertionSigner.from_file(settings.service_key_file, "kotopolku-service:messaging")
    channel = open_channel(settings.clients_address, ServiceAssertion(signer, "messaging"))
    database = Database(settings.database_url, pool_size=2, max_overflow=2)
    worker = make_worker(
        settings,
        database,
        ContactDirectory(channel, settings.clients_timeout_seconds),
        AuditRecorder("messaging", audit_outbox),
        utcnow,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("delivery worker started")
    try:
        await worker.run(stop)
    finally:
        await worker.close()
        await channel.close()
        await database.dispose()
        log.info("delivery worker stopped")


def main() -> int:
    settings = MessagingSettings()
    configure_logging("messaging-worker", settings.log_level)
    asyncio.run(run(settings))
    return 0
