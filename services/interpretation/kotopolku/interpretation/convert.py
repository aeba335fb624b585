"""Rows of the interpretation service's tables as API messages."""

from __future__ import annotations

from typing import Any, Final

from kotopolku.common.clock import to_timestamp
from kotopolku.common.localtime import local_iso
from kotopolku.interpretation.domain import BookingStatus, InterpretationMode, TextKind
from kotopolku.interpretation.enums import ReferenceKind, to_proto
from kotopolku.interpretation.v1 import interpretation_pb2 as pb

BOOKING_FIELDS: Final = tuple(pb.Booking.DESCRIPTOR.fields_by_name)
# An interpreter needs when, where, which language and how; not whose record it is.
INTERPRETER_HIDDEN: Final = ("client_id", "created_by")
INTERPRETER_FIELDS: Final = tuple(f for f in BOOKING_FIELDS if f not in INTERPRETER_HIDDEN)
RECORD_FIELDS: Final = tuple(pb.InterpretationRecord.DESCRIPTOR.fields_by_name)


def booking_message(row: Any, *, for_interpreter: bool = False) -> pb.Booking:
    return pb.Booking(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        appointment_id=row.appointment_id,
        client_id="" if for_interpreter else row.client_id,
        language=row.language,
        dialect=row.dialect,
        mode=to_proto(InterpretationMode(row.mode)),
        starts_at=to_timestamp(row.starts_at),
        starts_at_local=local_iso(row.starts_at),
        duration_minutes=row.duration_minutes,
        provider_organisation=row.provider_organisation,
        interpreter_subject=row.interpreter_subject or "",
        interpreter_name=row.interpreter_name,
        location=row.location,
        notes=row.notes,
        status=to_proto(BookingStatus(row.status)),
        cancellation_reason=row.cancellation_reason or "",
        created_by="" if for_interpreter else row.created_by,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
        confirmed_at=to_timestamp(row.confirmed_at),
        completed_at=to_timestamp(row.completed_at),
    )


def record_message(row: Any) -> pb.InterpretationRecord:
    return pb.InterpretationRecord(
        id=row.id,
        municipality_code=row.municipality_code,
        client_id=row.client_id,
        reference_kind=to_proto(ReferenceKind(row.reference_kind)),
        reference_id=row.reference_id,
        language=row.language,
        dialect=row.dialect,
        mode=to_proto(InterpretationMode(row.mode)),
        booking_id=row.booking_id or "",
        provider_organisation=row.provider_organisation,
        interpreter_name=row.interpreter_name,
        used_on=row.used_on.isoformat(),
        recorded_by=row.recorded_by,
        recorded_at=to_timestamp(row.recorded_at),
    )


def translation_message(row: Any) -> pb.Translation:
    return pb.Translation(
        key=row.key,
        language=row.language,
        revision=row.revision,
        kind=to_proto(TextKind(row.kind)),
        text=row.text,
        source_language=row.source_language,
        translated_by=row.translated_by,
        translated_at=to_timestamp(row.translated_at),
        municipality_code=row.municipality_code,
    )
