"""The interpretation service's part of the client-records contract (archiving,
docs/archiving.md): interpreter bookings and interpretation records of the client go into the
archival package and are then removed. Translations are the municipality's and stay."""

from __future__ import annotations

from kotopolku.common.client_records import ClientRecordsConfig, RecordSource, owned_by_client
from kotopolku.interpretation.tables import bookings, records

CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("interpretation.booking", bookings, owned_by_client(bookings)),
        RecordSource(
            "interpretation.record",
            records,
            owned_by_client(records),
            created_column="recorded_at",
            updated_column=None,
        ),
    )
)
