"""The guidance service's part of the client-records contract (archiving, docs/archiving.md):
the client's counselling visits and initial-phase guidance series with their tasks go into the
archival package and are then removed. Anonymous visits hold nothing about a person (a visit
linked to the client with consent is a visit of the client's own) and stay, as does the
knowledge base."""

from __future__ import annotations

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    owned_by_client,
    rows_of,
)
from kotopolku.guidance.tables import guidance_series, series_tasks, visits

_series = owned_by_client(guidance_series)

CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("guidance.visit", visits, owned_by_client(visits)),
        RecordSource("guidance.series", guidance_series, _series),
        RecordSource(
            "guidance.series-task",
            series_tasks,
            rows_of(series_tasks, "series_id", guidance_series, _series),
            created_column=None,
            updated_column=None,
            parent=("guidance.series", "series_id"),
        ),
    )
)
