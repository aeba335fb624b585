"""JSON shapes of the interpretation API (IS service 15) and their conversion to and from the
interpretation service's messages. Rules (language codes, durations, states, the variables of a
template translation) are checked in the service and come back as field violations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.interpretation.v1 import interpretation_pb2 as pb


class Mode(StrEnum):
    on_site = "on-site"
    phone = "phone"
    video = "video"


class BookingState(StrEnum):
    requested = "requested"
    confirmed = "confirmed"
    completed = "completed"
    cancelled = "cancelled"


class ReferenceKind(StrEnum):
    visit = "visit"
    assessment = "assessment"
    appointment = "appointment"


class TextKind(StrEnum):
    message_template = "message-template"
    short_text = "short-text"


class SpeechRate(StrEnum):
    normal = "normal"
    slow = "slow"


MODES = enum_map("INTERPRETATION_MODE_", Mode, pb.InterpretationMode)
BOOKING_STATES = enum_map("BOOKING_STATUS_", BookingState, pb.BookingStatus)
REFERENCE_KINDS = enum_map("REFERENCE_KIND_", ReferenceKind, pb.ReferenceKind)
TEXT_KINDS = enum_map("TEXT_KIND_", TextKind, pb.TextKind)
RATES = enum_map("SPEECH_RATE_", SpeechRate, pb.SpeechRate)


def _time(ts: object, present: bool) -> datetime | None:
    return from_timestamp(ts) if present else None  # type: ignore[arg-type]


class BookingCreate(Model):
    appointment_id: str = Field(max_length=64, description="The appointment to interpret at")
    language: str = Field(max_length=3, description="ISO 639 code", examples=["ar"])
    dialect: str = Field("", max_length=60, examples=["Iraqi"])
    mode: Mode = Field(examples=["on-site"])
    start: str | None = Field(
        None,
        max_length=40,
        description="Default: the appointment's start. With an offset or Helsinki local time",
    )
    duration_minutes: int | None = Field(
        None, ge=1, le=1440, description="Default: the appointment's length"
    )
    provider_organisation: str = Field(
        max_length=64, description="The interpreting service", examples=["tulkkaus"]
    )
    interpreter_subject: str = Field(
        "", max_length=64, description="Ask for a named interpreter (their account's subject)"
    )
    interpreter_name: str = Field("", max_length=200)
    location: str = Field("", max_length=300, description="Default: the appointment's place")
    notes: str = Field("", max_length=1000, description="What the interpreter needs to know")

    def message(self) -> pb.Booking:
        return pb.Booking(
            appointment_id=self.appointment_id,
            language=self.language,
            dialect=self.dialect,
            mode=MODES[self.mode],
            start=self.start or "",
            duration_minutes=self.duration_minutes or 0,
            provider_organisation=self.provider_organisation,
            interpreter_subject=self.interpreter_subject,
            interpreter_name=self.interpreter_name,
            location=self.location,
            notes=self.notes,
        )


class Booking(Model):
    id: str
    version: int
    municipality_code: str
    appointment_id: str
    client_id: str | None = Field(description="Not shown to interpreters")
    language: str
    dialect: str
    mode: Mode
    start: str = Field(description="Europe/Helsinki local time with its offset")
    starts_at: datetime
    duration_minutes: int
    provider_organisation: str
    interpreter_subject: str | None
    interpreter_name: str
    location: str
    notes: str
    status: BookingState
    cancellation_reason: str | None
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, m: pb.Booking) -> Booking:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            appointment_id=m.appointment_id,
            client_id=m.client_id or None,
            language=m.language,
            dialect=m.dialect,
            mode=from_proto(MODES, m.mode),
            start=m.starts_at_local,
            starts_at=from_timestamp(m.starts_at),
            duration_minutes=m.duration_minutes,
            provider_organisation=m.provider_organisation,
            interpreter_subject=m.interpreter_subject or None,
            interpreter_name=m.interpreter_name,
            location=m.location,
            notes=m.notes,
            status=from_proto(BOOKING_STATES, m.status),
            cancellation_reason=m.cancellation_reason or None,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
            confirmed_at=_time(m.confirmed_at, m.HasField("confirmed_at")),
            completed_at=_time(m.completed_at, m.HasField("completed_at")),
        )


class BookingPage(Model):
    items: list[Booking]
    next_page_token: str | None


class Confirmation(Model):
    interpreter_subject: str = Field(
        "", max_length=64, description="An officer confirming names the interpreter"
    )
    interpreter_name: str = Field("", max_length=200, examples=["Tulkki T."])


class Cancellation(Model):
    reason: str = Field(max_length=1000, examples=["Asiakas perui tapaamisen"])


class RecordCreate(Model):
    client_id: str = Field(max_length=64)
    reference_kind: ReferenceKind = Field(examples=["assessment"])
    reference_id: str = Field(max_length=64)
    language: str = Field(max_length=3, examples=["ar"])
    dialect: str = Field("", max_length=60)
    mode: Mode
    booking_id: str = Field("", max_length=64)
    provider_organisation: str = Field("", max_length=64)
    interpreter_name: str = Field("", max_length=200)
    used_on: str = Field("", description="YYYY-MM-DD; default today", examples=["2026-10-22"])

    def message(self) -> pb.InterpretationRecord:
        return pb.InterpretationRecord(
            client_id=self.client_id,
            reference_kind=REFERENCE_KINDS[self.reference_kind],
            reference_id=self.reference_id,
            language=self.language,
            dialect=self.dialect,
            mode=MODES[self.mode],
            booking_id=self.booking_id,
            provider_organisation=self.provider_organisation,
            interpreter_name=self.interpreter_name,
            used_on=self.used_on,
        )


class InterpretationRecord(RecordCreate):
    id: str
    municipality_code: str
    booking_id: str | None  # type: ignore[assignment]
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, m: pb.InterpretationRecord) -> InterpretationRecord:
        return cls(
            id=m.id,
            municipality_code=m.municipality_code,
            client_id=m.client_id,
            reference_kind=from_proto(REFERENCE_KINDS, m.reference_kind),
            reference_id=m.reference_id,
            language=m.language,
            dialect=m.dialect,
            mode=from_proto(MODES, m.mode),
            booking_id=m.booking_id or None,
            provider_organisation=m.provider_organisation,
            interpreter_name=m.interpreter_name,
            used_on=m.used_on,
            recorded_by=m.recorded_by,
            recorded_at=from_timestamp(m.recorded_at),
        )


class RecordPage(Model):
    items: list[InterpretationRecord]
    next_page_token: str | None


class TranslationSave(Model):
    kind: TextKind | None = Field(None, description="Required for a new text")
    text: str = Field(max_length=4000, examples=["Muistutus: tapaaminen {{ date }} klo {{ time }}"])
    source_language: str = Field(
        "", max_length=3, description="The language it was translated from", examples=["fi"]
    )


class Translation(Model):
    key: str
    language: str
    revision: int
    kind: TextKind
    text: str
    source_language: str | None
    translated_by: str
    translated_at: datetime

    @classmethod
    def of(cls, m: pb.Translation) -> Translation:
        return cls(
            key=m.key,
            language=m.language,
            revision=m.revision,
            kind=from_proto(TEXT_KINDS, m.kind),
            text=m.text,
            source_language=m.source_language or None,
            translated_by=m.translated_by,
            translated_at=from_timestamp(m.translated_at),
        )


class TranslationPage(Model):
    items: list[Translation]
    next_page_token: str | None


class ReadAloud(Model):
    """Either a text or the key of a saved translation, and the language to speak."""

    text: str | None = Field(None, max_length=1000, examples=["Tervetuloa kotoutumispalveluihin."])
    translation_key: str | None = Field(None, max_length=100)
    language: str = Field(max_length=3, description="ISO 639 code", examples=["fi"])
    rate: SpeechRate = SpeechRate.normal

    @model_validator(mode="after")
    def _one_source(self) -> ReadAloud:
        if (self.text is None) == (self.translation_key is None):
            raise ValueError("give either text or translation_key")
        return self

    def message(self) -> pb.SynthesizeSpeechRequest:
        request = pb.SynthesizeSpeechRequest(language=self.language, rate=RATES[self.rate])
        if self.text is not None:
            request.text = self.text
        else:
            request.translation_key = self.translation_key or ""
        return request
