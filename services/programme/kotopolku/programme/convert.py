"""Rows of the programme service's tables as API messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from kotopolku.common.clock import to_timestamp
from kotopolku.programme.domain import (
    SKILLS,
    AttendanceMark,
    CefrLevel,
    EnrolmentStatus,
    InterruptionReason,
    ServiceType,
    free_places,
)
from kotopolku.programme.enums import to_proto
from kotopolku.programme.v1 import programme_pb2

# Field names reported to the audit log when a whole record is read.
ENROLMENT_FIELDS = tuple(programme_pb2.Enrolment.DESCRIPTOR.fields_by_name)
# What a provider sees of an enrolment: the plan it comes from is none of its business.
PROVIDER_HIDDEN_FIELDS = ("plan_id", "plan_service_id")
PROVIDER_ENROLMENT_FIELDS = tuple(f for f in ENROLMENT_FIELDS if f not in PROVIDER_HIDDEN_FIELDS)
PROVIDER_FIELDS = ("name", "business_id", "contacts")


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def provider_message(row: Any) -> programme_pb2.Provider:
    return programme_pb2.Provider(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        name=row.name,
        business_id=row.business_id,
        contacts=[programme_pb2.ProviderContact(**contact) for contact in row.contacts or []],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def service_message(row: Any) -> programme_pb2.CatalogueService:
    return programme_pb2.CatalogueService(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        type=to_proto(ServiceType(row.type)),
        name=row.name,
        description=row.description,
        provider_id=row.provider_id,
        languages=list(row.languages or []),
        location=row.location,
        remote=row.remote,
        capacity=row.capacity,
        free_places=free_places(row.capacity, row.active_enrolments),
        schedule=row.schedule,
        intake_dates=list(row.intake_dates or []),
        valid_from=_iso(row.valid_from),
        valid_until=_iso(row.valid_until),
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )


def _language_test(stored: dict[str, str] | None) -> programme_pb2.LanguageTestResult | None:
    if not stored:
        return None
    return programme_pb2.LanguageTestResult(
        **{skill: to_proto(CefrLevel(stored[skill])) for skill in SKILLS}
    )


def enrolment_message(
    row: Any, attendance: tuple[int, int] = (0, 0), *, for_provider: bool = False
) -> programme_pb2.Enrolment:
    """``attendance`` is (days present, days absent)."""
    message = programme_pb2.Enrolment(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        programme_service_id=row.programme_service_id,
        plan_id="" if for_provider else row.plan_id,
        plan_service_id="" if for_provider else row.plan_service_id,
        client_id=row.client_id,
        participant_display_name=row.participant_display_name,
        start_date=_iso(row.start_date),
        status=to_proto(EnrolmentStatus(row.status)),
        days_present=attendance[0],
        days_absent=attendance[1],
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
    )
    if row.interruption_date is not None:
        message.interruption.CopyFrom(
            programme_pb2.Interruption(
                date=_iso(row.interruption_date),
                reason=to_proto(InterruptionReason(row.interruption_reason)),
                details=row.interruption_details or "",
            )
        )
    if row.completion_date is not None:
        message.completion.CopyFrom(
            programme_pb2.Completion(
                completion_date=_iso(row.completion_date),
                language_test=_language_test(row.language_test),
            )
        )
    return message


def attendance_message(row: Any) -> programme_pb2.AttendanceRecord:
    return programme_pb2.AttendanceRecord(
        enrolment_id=row.enrolment_id,
        date=_iso(row.day),
        mark=to_proto(AttendanceMark(row.mark)),
        recorded_at=to_timestamp(row.recorded_at),
    )
