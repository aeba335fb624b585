"""The messaging service's part of the client-records contract (archiving, docs/archiving.md):
the client's message threads (participants, messages), notifications with their delivery status,
and opt-outs go into the archival package and are then removed. A delivery not yet sent is
dropped with its notification. Campaigns are the municipality's and stay."""

from __future__ import annotations

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    owned_by_client,
    rows_of,
)
from kotopolku.messaging.tables import (
    deliveries,
    notifications,
    opt_outs,
    thread_messages,
    thread_participants,
    threads,
)

_thread = owned_by_client(threads)
_notification = owned_by_client(notifications)

CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("messaging.thread", threads, _thread, updated_column="last_message_at"),
        RecordSource(
            "messaging.thread-participant",
            thread_participants,
            rows_of(thread_participants, "thread_id", threads, _thread),
            id_columns=("thread_id", "subject"),
            created_column=None,
            updated_column="last_read_at",
            parent=("messaging.thread", "thread_id"),
        ),
        RecordSource(
            "messaging.message",
            thread_messages,
            rows_of(thread_messages, "thread_id", threads, _thread),
            updated_column=None,
            parent=("messaging.thread", "thread_id"),
        ),
        RecordSource("messaging.notification", notifications, _notification),
        RecordSource(
            "messaging.delivery",
            deliveries,
            rows_of(deliveries, "notification_id", notifications, _notification),
            created_column=None,
            parent=("messaging.notification", "notification_id"),
        ),
        RecordSource(
            "messaging.opt-out",
            opt_outs,
            owned_by_client(opt_outs),
            id_columns=("client_id", "scope"),
            created_column=None,
        ),
    )
)
