"""The programme service's part of the client-records contract (archiving, docs/archiving.md):
the client's enrolments and their attendance go into the archival package and are then removed;
the catalogue and the providers are the municipality's, not the client's, and stay. A place still
held by an enrolment is given back to the service first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    owned_by_client,
    rows_of,
)
from kotopolku.programme.domain.enrolment import EnrolmentStatus
from kotopolku.programme.tables import (
    attendance,
    enrolments,
    plan_outcome_outbox,
    programme_services,
)

_enrolment = owned_by_client(enrolments)


async def _free_places(connection: AsyncConnection, client_id: str, municipality: str) -> None:
    held = (
        sa.select(sa.func.count())
        .where(
            _enrolment(client_id, municipality),
            enrolments.c.status == EnrolmentStatus.ENROLLED.value,
            enrolments.c.programme_service_id == programme_services.c.id,
        )
        .scalar_subquery()
    )
    await connection.execute(
        sa.update(programme_services)
        .where(
            programme_services.c.id.in_(
                sa.select(enrolments.c.programme_service_id).where(
                    _enrolment(client_id, municipality),
                    enrolments.c.status == EnrolmentStatus.ENROLLED.value,
                )
            )
        )
        .values(active_enrolments=programme_services.c.active_enrolments - held)
    )


CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("programme.enrolment", enrolments, _enrolment),
        RecordSource(
            "programme.attendance",
            attendance,
            rows_of(attendance, "enrolment_id", enrolments, _enrolment),
            id_columns=("enrolment_id", "day"),
            created_column="recorded_at",
            updated_column=None,
            parent=("programme.enrolment", "enrolment_id"),
        ),
        RecordSource(
            "programme.plan-outcome-delivery",
            plan_outcome_outbox,
            rows_of(plan_outcome_outbox, "enrolment_id", enrolments, _enrolment),
            id_columns=("seq",),
            updated_column=None,
            exported=False,
        ),
    ),
    before_minimise=_free_places,
)
