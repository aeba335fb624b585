"""JSON shapes of the archive API (IS service 17) and their conversion from the archive
service's messages. Types and sizes are checked here; the rules (dates, states, who may do
what) are checked in the archive service and come back as problems naming the fields."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import Field

from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common.clock import from_timestamp
from kotopolku.gateway.schemas import Model

DATE = "YYYY-MM-DD"


def _time(ts: Timestamp) -> datetime | None:
    return from_timestamp(ts) if ts.seconds or ts.nanos else None


class RetentionRule(Model):
    record_type: str
    title: str
    task_class: str
    retention_years: int | None = Field(description="None when preserved permanently")
    permanent: bool
    trigger: str | None = Field(
        description="active-use-end, last-plan-end, end-of-record-year or archived"
    )
    publicity: str = Field(description="public, partly-secret or secret")
    secrecy_basis: str
    personal_data: bool

    @classmethod
    def of(cls, m: pb.RetentionRule) -> RetentionRule:
        return cls(
            record_type=m.record_type,
            title=m.title,
            task_class=m.task_class,
            retention_years=m.retention_years or None,
            permanent=m.permanent,
            trigger=m.trigger or None,
            publicity=m.publicity,
            secrecy_basis=m.secrecy_basis,
            personal_data=m.personal_data,
        )


class RetentionRules(Model):
    name: str
    version: str
    rules: list[RetentionRule]


class DueClient(Model):
    client_id: str
    last_plan_end_date: str
    archive_job_id: str | None


class DueClientPage(Model):
    items: list[DueClient]
    next_page_token: str | None


class ArchiveJobCreate(Model):
    client_id: str = Field(max_length=64, examples=["3f0c5b7e-2c1a-4e53-9d3f-1b2a3c4d5e6f"])
    reason: str = Field(
        max_length=1000, examples=["Kotoutumissuunnitelma päättyi, uutta ei laadittu"]
    )
    active_use_ended_on: str | None = Field(
        None, description=f"{DATE}; default today", examples=["2026-11-30"]
    )

    def message(self, idempotency_key: str) -> pb.StartArchiveJobRequest:
        return pb.StartArchiveJobRequest(
            client_id=self.client_id,
            reason=self.reason,
            active_use_ended_on=self.active_use_ended_on or "",
            idempotency_key=idempotency_key,
        )


class ArchiveStep(Model):
    kind: str = Field(description="check, export, audit-extract, package, verify or minimise")
    service: str
    state: str = Field(description="pending, done or failed")
    attempts: int
    detail: str
    completed_at: datetime | None


class ArchiveJob(Model):
    id: str
    version: int
    client_id: str
    municipality_code: str
    state: str = Field(description="running, held, failed or completed")
    reason: str
    active_use_ended_on: str
    requested_by: str
    package_id: str
    steps: list[ArchiveStep]
    last_error: str
    created_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, m: pb.ArchiveJob) -> ArchiveJob:
        return cls(
            id=m.id,
            version=m.version,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            state=m.state,
            reason=m.reason,
            active_use_ended_on=m.active_use_ended_on,
            requested_by=m.requested_by,
            package_id=m.package_id,
            steps=[
                ArchiveStep(
                    kind=s.kind,
                    service=s.service,
                    state=s.state,
                    attempts=s.attempts,
                    detail=s.detail,
                    completed_at=_time(s.completed_at),
                )
                for s in m.steps
            ],
            last_error=m.last_error,
            created_at=_time(m.created_at),
            updated_at=_time(m.updated_at),
            completed_at=_time(m.completed_at),
        )


class ArchiveJobPage(Model):
    items: list[ArchiveJob]
    next_page_token: str | None


class LegalHoldCreate(Model):
    reason: str = Field(
        max_length=2000, examples=["Oikaisuvaatimus vireillä hallinto-oikeudessa (dnro 123/2026)"]
    )


class LegalHoldLift(Model):
    reason: str = Field(max_length=2000, examples=["Hallinto-oikeuden päätös lainvoimainen"])


class LegalHold(Model):
    id: str
    version: int
    client_id: str
    municipality_code: str
    reason: str
    state: str = Field(description="active or lifted")
    set_by: str
    set_at: datetime | None
    lift_reason: str
    lifted_by: str | None
    lifted_at: datetime | None

    @classmethod
    def of(cls, m: pb.LegalHold) -> LegalHold:
        return cls(
            id=m.id,
            version=m.version,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            reason=m.reason,
            state=m.state,
            set_by=m.set_by,
            set_at=_time(m.set_at),
            lift_reason=m.lift_reason,
            lifted_by=m.lifted_by or None,
            lifted_at=_time(m.lifted_at),
        )


class LegalHoldPage(Model):
    items: list[LegalHold]
    next_page_token: str | None


class PackageRecordType(Model):
    record_type: str
    count: int
    retention_ends_on: str | None
    rule: RetentionRule


class ArchivalPackage(Model):
    id: str
    version: int
    job_id: str
    client_id: str
    municipality_code: str
    state: str = Field(description="stored, verified or disposed")
    size_bytes: int
    sha256: str
    file_count: int
    record_types: list[PackageRecordType]
    preservation: str = Field(description="dispose or permanent")
    disposal_due_on: str | None
    tos_version: str
    created_at: datetime | None
    verified_at: datetime | None
    disposed_at: datetime | None

    @classmethod
    def of(cls, m: pb.ArchivalPackage) -> ArchivalPackage:
        return cls(
            id=m.id,
            version=m.version,
            job_id=m.job_id,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            state=m.state,
            size_bytes=m.size_bytes,
            sha256=m.sha256,
            file_count=m.file_count,
            record_types=[
                PackageRecordType(
                    record_type=t.record_type,
                    count=t.count,
                    retention_ends_on=t.retention_ends_on or None,
                    rule=RetentionRule.of(t.rule),
                )
                for t in m.record_types
            ],
            preservation=m.preservation,
            disposal_due_on=m.disposal_due_on or None,
            tos_version=m.tos_version,
            created_at=_time(m.created_at),
            verified_at=_time(m.verified_at),
            disposed_at=_time(m.disposed_at),
        )


class ArchivalPackagePage(Model):
    items: list[ArchivalPackage]
    next_page_token: str | None


class PackageFile(Model):
    path: str
    size_bytes: int
    sha256: str


class PackageVerification(Model):
    package_id: str
    valid: bool
    problem: str | None
    bag_info: dict[str, str]
    files: list[PackageFile]
    verified_at: datetime | None

    @classmethod
    def of(cls, m: pb.PackageVerification) -> PackageVerification:
        return cls(
            package_id=m.package_id,
            valid=m.valid,
            problem=m.problem or None,
            bag_info=dict(m.bag_info),
            files=[
                PackageFile(path=f.path, size_bytes=f.size_bytes, sha256=f.sha256) for f in m.files
            ],
            verified_at=_time(m.verified_at),
        )


class DisposalRecord(Model):
    id: str
    package_id: str
    client_id: str
    municipality_code: str
    record_types: list[str]
    rule: str
    package_sha256: str
    disposed_by: str
    disposed_at: datetime | None

    @classmethod
    def of(cls, m: pb.DisposalRecord) -> DisposalRecord:
        return cls(
            id=m.id,
            package_id=m.package_id,
            client_id=m.client_id,
            municipality_code=m.municipality_code,
            record_types=list(m.record_types),
            rule=m.rule,
            package_sha256=m.package_sha256,
            disposed_by=m.disposed_by,
            disposed_at=_time(m.disposed_at),
        )


class DisposalRun(Model):
    disposed: list[DisposalRecord]
    held: int = Field(description="Due packages a legal hold kept")


class DisposalPage(Model):
    items: list[DisposalRecord]
    next_page_token: str | None
