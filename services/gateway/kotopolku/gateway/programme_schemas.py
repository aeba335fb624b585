"""JSON shapes of the integration programme API (IS service 7) and their conversion to and from
the programme service's messages.

Types and sizes are checked here; the domain rules (Y-tunnus check digit, language codes, dates
within validity, capacity, the language test of integration training) are checked once, in the
programme service, and come back as field violations named like the JSON fields
(``contacts[0].email``, ``intake_dates[2]``, ``language_test.reading``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.enums import enum_map, from_proto
from kotopolku.gateway.schemas import Model
from kotopolku.programme.v1 import programme_pb2 as pb

DATE = "YYYY-MM-DD"


class ServiceKind(StrEnum):
    civic_orientation = "civic-orientation"
    integration_training = "integration-training"
    language_training = "language-training"
    literacy_training = "literacy-training"
    basic_education_for_adults = "basic-education-for-adults"
    guidance = "guidance"
    municipality_defined = "municipality-defined"


class EnrolmentState(StrEnum):
    enrolled = "enrolled"
    interrupted = "interrupted"
    completed = "completed"


class CefrLevel(StrEnum):
    below_a1 = "below-A1"
    a1 = "A1"
    a2 = "A2"
    b1 = "B1"
    b2 = "B2"
    c1 = "C1"
    c2 = "C2"


class InterruptionReason(StrEnum):
    employment = "employment"
    other_studies = "other-studies"
    moved_away = "moved-away"
    family_leave = "family-leave"
    health = "health"
    absences = "absences"
    other = "other"


class AttendanceMark(StrEnum):
    present = "present"
    absent = "absent"


SERVICE_KINDS = enum_map("SERVICE_TYPE_", ServiceKind, pb.ServiceType)
ENROLMENT_STATES = enum_map("ENROLMENT_STATUS_", EnrolmentState, pb.EnrolmentStatus)
CEFR_LEVELS = enum_map("CEFR_LEVEL_", CefrLevel, pb.CefrLevel)
REASONS = enum_map("INTERRUPTION_REASON_", InterruptionReason, pb.InterruptionReason)
MARKS = enum_map("ATTENDANCE_MARK_", AttendanceMark, pb.AttendanceMark)


def _mask(model: Model) -> list[str]:
    return [name for name in type(model).model_fields if name in model.model_fields_set]


# --- providers ---------------------------------------------------------------------------------


class ProviderContact(Model):
    name: str = Field(max_length=200, examples=["Outi Opettaja"])
    email: str = Field("", max_length=320, examples=["outi.opettaja@opisto.example.fi"])
    phone: str = Field("", max_length=40, examples=["040 123 4567"])

    @classmethod
    def of(cls, m: pb.ProviderContact) -> ProviderContact:
        return cls(name=m.name, email=m.email, phone=m.phone)

    def message(self) -> pb.ProviderContact:
        return pb.ProviderContact(name=self.name, email=self.email, phone=self.phone)


class ProviderCreate(Model):
    id: str = Field(
        max_length=36,
        description="Organisation id of the provider's user accounts",
        examples=["opisto"],
    )
    name: str = Field(max_length=200, examples=["Helsingin aikuisopisto"])
    business_id: str = Field(max_length=20, description="Y-tunnus", examples=["0112038-9"])
    contacts: list[ProviderContact] = Field(default_factory=list, max_length=50)

    def message(self) -> pb.Provider:
        return pb.Provider(
            id=self.id,
            name=self.name,
            business_id=self.business_id,
            contacts=[c.message() for c in self.contacts],
        )


class ProviderPatch(Model):
    """Only the fields present are changed; ``contacts`` replaces the whole list."""

    name: str | None = Field(None, max_length=200)
    business_id: str | None = Field(None, max_length=20)
    contacts: list[ProviderContact] | None = Field(None, max_length=50)

    def message_and_mask(self) -> tuple[pb.Provider, list[str]]:
        message = pb.Provider(
            name=self.name or "",
            business_id=self.business_id or "",
            contacts=[c.message() for c in self.contacts or []],
        )
        return message, _mask(self)


class Provider(Model):
    id: str
    version: int
    municipality_code: str
    name: str
    business_id: str
    contacts: list[ProviderContact]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Provider) -> Provider:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            name=m.name,
            business_id=m.business_id,
            contacts=[ProviderContact.of(c) for c in m.contacts],
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class ProviderPage(Model):
    items: list[Provider]
    next_page_token: str | None


# --- programme services ------------------------------------------------------------------------


class ServiceFields(Model):
    name: str = Field(
        "",
        max_length=200,
        description="Required for municipality-defined services",
        examples=["Kotoutumiskoulutus, aamuryhmä"],
    )
    description: str = Field("", max_length=4000)
    provider_id: str = Field(max_length=36, examples=["opisto"])
    languages: list[str] = Field(
        max_length=50, description="ISO 639 codes", examples=[["fi", "ar"]]
    )
    location: str = Field("", max_length=300, examples=["Opistotie 1, 00100 Helsinki"])
    remote: bool = False
    capacity: int = Field(ge=0, le=1_000_000, examples=[20])
    schedule: str = Field("", max_length=500, examples=["Mon–Thu 9–13"])
    intake_dates: list[str] = Field(
        default_factory=list,
        max_length=200,
        description=f"Days new participants start, {DATE}",
        examples=[["2026-08-10", "2027-01-11"]],
    )
    valid_from: str = Field(description=DATE, examples=["2026-08-01"])
    valid_until: str | None = Field(None, description=f"{DATE}; empty: open-ended")


class ServiceCreate(ServiceFields):
    type: ServiceKind

    def message(self) -> pb.CatalogueService:
        return pb.CatalogueService(
            type=SERVICE_KINDS[self.type],
            name=self.name,
            description=self.description,
            provider_id=self.provider_id,
            languages=self.languages,
            location=self.location,
            remote=self.remote,
            capacity=self.capacity,
            schedule=self.schedule,
            intake_dates=self.intake_dates,
            valid_from=self.valid_from,
            valid_until=self.valid_until or "",
        )


class ServicePatch(Model):
    """Only the fields present are changed; lists replace the whole list. The type cannot change."""

    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    provider_id: str | None = Field(None, max_length=36)
    languages: list[str] | None = Field(None, max_length=50)
    location: str | None = Field(None, max_length=300)
    remote: bool | None = None
    capacity: int | None = Field(None, ge=0, le=1_000_000)
    schedule: str | None = Field(None, max_length=500)
    intake_dates: list[str] | None = Field(None, max_length=200)
    valid_from: str | None = None
    valid_until: str | None = Field(None, description="null or empty: open-ended")

    def message_and_mask(self) -> tuple[pb.CatalogueService, list[str]]:
        message = pb.CatalogueService(
            name=self.name or "",
            description=self.description or "",
            provider_id=self.provider_id or "",
            languages=self.languages or [],
            location=self.location or "",
            remote=bool(self.remote),
            capacity=self.capacity or 0,
            schedule=self.schedule or "",
            intake_dates=self.intake_dates or [],
            valid_from=self.valid_from or "",
            valid_until=self.valid_until or "",
        )
        return message, _mask(self)


class ProgrammeService(Model):
    id: str
    version: int
    municipality_code: str
    type: ServiceKind
    name: str
    description: str
    provider_id: str
    languages: list[str]
    location: str
    remote: bool
    capacity: int
    free_places: int
    schedule: str
    intake_dates: list[str]
    valid_from: str
    valid_until: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.CatalogueService) -> ProgrammeService:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            type=from_proto(SERVICE_KINDS, m.type),
            name=m.name,
            description=m.description,
            provider_id=m.provider_id,
            languages=list(m.languages),
            location=m.location,
            remote=m.remote,
            capacity=m.capacity,
            free_places=m.free_places,
            schedule=m.schedule,
            intake_dates=list(m.intake_dates),
            valid_from=m.valid_from,
            valid_until=m.valid_until or None,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class ServiceSearch(Model):
    """Every criterion given must hold; a provider finds only its own services."""

    type: ServiceKind | None = None
    language: str = Field("", max_length=3, description="ISO 639 code", examples=["ar"])
    intake_on_or_after: str = Field("", description=f"An intake on or after this day, {DATE}")
    has_free_places: bool = False
    provider_id: str = Field("", max_length=36)
    valid_on: str = Field("", description=f"Valid on this day, {DATE}")
    page_size: int = Field(50, ge=1, le=200)
    page_token: str = Field("", max_length=1000)

    def message(self) -> pb.SearchCatalogueServicesRequest:
        return pb.SearchCatalogueServicesRequest(
            type=SERVICE_KINDS.get(self.type, 0),
            language=self.language,
            intake_on_or_after=self.intake_on_or_after,
            has_free_places=self.has_free_places,
            provider_id=self.provider_id,
            valid_on=self.valid_on,
            page_size=self.page_size,
            page_token=self.page_token,
        )


class ServicePage(Model):
    items: list[ProgrammeService]
    next_page_token: str | None


# --- enrolments --------------------------------------------------------------------------------


class EnrolmentCreate(Model):
    plan_id: str = Field(max_length=64, description="The client's integration plan")
    plan_service_id: str = Field(max_length=64, description="The agreed service of the plan")
    programme_service_id: str = Field(max_length=64)
    client_id: str = Field(max_length=64)
    participant_display_name: str = Field(
        max_length=200,
        description="The name the provider sees, to run the course",
        examples=["Amina Hassan"],
    )
    start_date: str | None = Field(
        None,
        description=(
            f"{DATE}: one of the service's intake dates when it has them; otherwise optional"
        ),
        examples=["2026-08-10"],
    )

    def message(self, idempotency_key: str) -> pb.CreateEnrolmentRequest:
        return pb.CreateEnrolmentRequest(
            plan_id=self.plan_id,
            plan_service_id=self.plan_service_id,
            programme_service_id=self.programme_service_id,
            client_id=self.client_id,
            participant_display_name=self.participant_display_name,
            start_date=self.start_date or "",
            idempotency_key=idempotency_key,
        )


class LanguageTest(Model):
    """Final language test (kielitaidon päättötestaus): a CEFR level per skill."""

    reading: CefrLevel
    writing: CefrLevel
    listening: CefrLevel
    speaking: CefrLevel

    @classmethod
    def of(cls, m: pb.LanguageTestResult) -> LanguageTest:
        return cls(
            reading=from_proto(CEFR_LEVELS, m.reading),
            writing=from_proto(CEFR_LEVELS, m.writing),
            listening=from_proto(CEFR_LEVELS, m.listening),
            speaking=from_proto(CEFR_LEVELS, m.speaking),
        )

    def message(self) -> pb.LanguageTestResult:
        return pb.LanguageTestResult(
            reading=CEFR_LEVELS[self.reading],
            writing=CEFR_LEVELS[self.writing],
            listening=CEFR_LEVELS[self.listening],
            speaking=CEFR_LEVELS[self.speaking],
        )


class InterruptionIn(Model):
    date: str = Field(description=DATE, examples=["2026-10-15"])
    reason: InterruptionReason
    details: str = Field(
        "", max_length=1000, description="Required when the reason is 'other'; keep it minimal"
    )

    def message(self) -> pb.Interruption:
        return pb.Interruption(date=self.date, reason=REASONS[self.reason], details=self.details)


class Interruption(InterruptionIn):
    @classmethod
    def of(cls, m: pb.Interruption) -> Interruption:
        return cls(date=m.date, reason=from_proto(REASONS, m.reason), details=m.details)


class CompletionIn(Model):
    completion_date: str = Field(description=DATE, examples=["2027-05-28"])
    language_test: LanguageTest | None = Field(
        None, description="Required for integration training; none for orientation or guidance"
    )

    def message(self) -> pb.Completion:
        message = pb.Completion(completion_date=self.completion_date)
        if self.language_test is not None:
            message.language_test.CopyFrom(self.language_test.message())
        return message


class Completion(CompletionIn):
    @classmethod
    def of(cls, m: pb.Completion) -> Completion:
        return cls(
            completion_date=m.completion_date,
            language_test=LanguageTest.of(m.language_test) if m.HasField("language_test") else None,
        )


class Enrolment(Model):
    id: str
    version: int
    municipality_code: str
    programme_service_id: str
    plan_id: str | None = Field(description="Not shown to providers")
    plan_service_id: str | None = Field(description="Not shown to providers")
    client_id: str
    participant_display_name: str
    start_date: str
    status: EnrolmentState
    interruption: Interruption | None
    completion: Completion | None
    days_present: int
    days_absent: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: pb.Enrolment) -> Enrolment:
        return cls(
            id=m.id,
            version=m.version,
            municipality_code=m.municipality_code,
            programme_service_id=m.programme_service_id,
            plan_id=m.plan_id or None,
            plan_service_id=m.plan_service_id or None,
            client_id=m.client_id,
            participant_display_name=m.participant_display_name,
            start_date=m.start_date,
            status=from_proto(ENROLMENT_STATES, m.status),
            interruption=Interruption.of(m.interruption) if m.HasField("interruption") else None,
            completion=Completion.of(m.completion) if m.HasField("completion") else None,
            days_present=m.days_present,
            days_absent=m.days_absent,
            created_at=from_timestamp(m.created_at),
            updated_at=from_timestamp(m.updated_at),
        )


class EnrolmentPage(Model):
    items: list[Enrolment]
    next_page_token: str | None


class AttendanceIn(Model):
    date: str = Field(description=DATE, examples=["2026-08-11"])
    mark: AttendanceMark

    def message(self, enrolment_id: str) -> pb.RecordAttendanceRequest:
        return pb.RecordAttendanceRequest(
            enrolment_id=enrolment_id, date=self.date, mark=MARKS[self.mark]
        )


class AttendanceRecord(AttendanceIn):
    enrolment_id: str
    recorded_at: datetime

    @classmethod
    def of(cls, m: pb.AttendanceRecord) -> AttendanceRecord:
        return cls(
            enrolment_id=m.enrolment_id,
            date=m.date,
            mark=from_proto(MARKS, m.mark),
            recorded_at=from_timestamp(m.recorded_at),
        )
