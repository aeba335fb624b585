"""Rows of the archive's tables as protobuf messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from kotopolku.archive.domain.tos import RetentionRule
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common.clock import to_timestamp


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def rule(value: RetentionRule) -> pb.RetentionRule:
    return pb.RetentionRule(
        record_type=value.record_type,
        title=value.title,
        task_class=value.task_class,
        retention_years=value.retention_years or 0,
        permanent=value.permanent,
        trigger=value.trigger.value if value.trigger else "",
        publicity=value.publicity.value,
        secrecy_basis=value.secrecy_basis,
        personal_data=value.personal_data,
    )


def job(row: Any, steps: list[Any]) -> pb.ArchiveJob:
    return pb.ArchiveJob(
        id=row.id,
        version=row.version,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        state=row.state,
        reason=row.reason,
        active_use_ended_on=_day(row.active_use_ended_on),
        requested_by=row.requested_by,
        package_id=row.package_id,
        last_error=row.last_error,
        created_at=to_timestamp(row.created_at),
        updated_at=to_timestamp(row.updated_at),
        completed_at=to_timestamp(row.completed_at),
        steps=[
            pb.ArchiveStep(
                kind=s.kind,
                service=s.service,
                state=s.state,
                attempts=s.attempts,
                detail=s.detail,
                completed_at=to_timestamp(s.completed_at),
            )
            for s in steps
        ],
    )


def hold(row: Any) -> pb.LegalHold:
    return pb.LegalHold(
        id=row.id,
        version=row.version,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        reason=row.reason,
        set_by=row.set_by,
        set_at=to_timestamp(row.set_at),
        state=row.state,
        lift_reason=row.lift_reason,
        lifted_by=row.lifted_by or "",
        lifted_at=to_timestamp(row.lifted_at),
    )


def package(row: Any) -> pb.ArchivalPackage:
    types = [
        pb.PackageRecordType(
            record_type=item["record_type"],
            count=item["count"],
            retention_ends_on=item.get("ends_on") or "",
            rule=pb.RetentionRule(**item["rule"]),
        )
        for item in row.record_types
    ]
    return pb.ArchivalPackage(
        id=row.id,
        version=row.version,
        job_id=row.job_id,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        state=row.state,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        file_count=row.file_count,
        record_types=types,
        preservation=row.preservation,
        disposal_due_on=_day(row.disposal_due_on),
        tos_version=row.tos_version,
        created_at=to_timestamp(row.created_at),
        verified_at=to_timestamp(row.verified_at),
        disposed_at=to_timestamp(row.disposed_at),
    )


def disposal(row: Any) -> pb.DisposalRecord:
    return pb.DisposalRecord(
        id=row.id,
        package_id=row.package_id,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        record_types=list(row.record_types),
        rule=row.rule,
        disposed_by=row.disposed_by,
        disposed_at=to_timestamp(row.disposed_at),
        package_sha256=row.package_sha256,
    )
