"""What goes into a client's archival package, assembled from the staged exports without I/O:
the records as files, the retention of each record type under the TOS, the descriptive metadata
(``data/metadata/description.json``) and the bag's own fields (``bag-info.txt``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from kotopolku.archive.domain.retention import (
    PackageRetention,
    TriggerDates,
    latest_by_type,
    package_retention,
)
from kotopolku.archive.domain.tos import RetentionRule, Tos
from kotopolku.archive.packaging import BagContents, PackagedRecord
from kotopolku.common.clock import as_utc, from_timestamp
from kotopolku.records.v1 import records_pb2

AUDIT_EXTRACT_TYPE: Final = "audit.event-extract"
PLAN_TYPE: Final = "plans.plan"


@dataclass(frozen=True, slots=True)
class Assembled:
    contents: BagContents
    retention: PackageRetention
    counts: dict[str, int]
    # Payload files: the records, an index per service, the description, the audit extract.
    file_count: int


def assemble(
    job: Any,
    tos: Tos,
    exports: list[records_pb2.ExportClientRecordsResponse],
    audit_extract: bytes,
    now: datetime,
    today: date,
) -> Assembled:
    """ValueError when a record does not match its checksum or a record type has no rule."""
    records = [packaged(export.service, r) for export in exports for r in export.records]
    counts: dict[str, int] = {}
    for record in records:
        counts[record.record_type] = counts.get(record.record_type, 0) + 1
    counts[AUDIT_EXTRACT_TYPE] = 1
    missing = tos.missing(list(counts))
    if missing:
        raise ValueError("no retention rule in the TOS for: " + ", ".join(missing))
    dates = TriggerDates(
        active_use_ended_on=job.active_use_ended_on,
        archived_on=today,
        last_plan_end=last_plan_end(records),
    )
    latest = latest_by_type((r.record_type, record_day(r.created_at)) for r in records)
    retention = package_retention(counts, tos.rules, dates, latest)
    contents = BagContents(
        records,
        audit_extract,
        description(job, tos, retention, exports, now, dates),
        bag_info(job, tos, retention, today),
    )
    services = {r.service for r in records}
    return Assembled(contents, retention, counts, len(records) + len(services) + 2)


def rule_json(rule: RetentionRule) -> dict[str, Any]:
    """The rule as it was applied, kept with the package (the TOS may change later)."""
    return {
        "record_type": rule.record_type,
        "title": rule.title,
        "task_class": rule.task_class,
        "retention_years": rule.retention_years or 0,
        "permanent": rule.permanent,
        "trigger": rule.trigger.value if rule.trigger else "",
        "publicity": rule.publicity.value,
        "secrecy_basis": rule.secrecy_basis,
        "personal_data": rule.personal_data,
    }


def record_types_json(retention: PackageRetention) -> list[dict[str, Any]]:
    return [
        {
            "record_type": t.record_type,
            "count": t.count,
            "ends_on": t.ends_on.isoformat() if t.ends_on else None,
            "rule": rule_json(t.rule),
        }
        for t in retention.types
    ]


def _iso(moment: Any) -> str:
    return as_utc(from_timestamp(moment)).isoformat() if moment.seconds or moment.nanos else ""


def packaged(service: str, record: records_pb2.ClientRecord) -> PackagedRecord:
    if hashlib.sha256(record.content).hexdigest() != record.sha256:
        raise ValueError(f"{service}: a record does not match its SHA-256")
    return PackagedRecord(
        service=service,
        record_type=record.record_type,
        record_id=record.record_id,
        media_type=record.media_type,
        content=record.content,
        sha256=record.sha256,
        created_at=_iso(record.created_at),
        updated_at=_iso(record.updated_at),
        related=tuple(record.related),
    )


def record_day(moment: str) -> date | None:
    return datetime.fromisoformat(moment).date() if moment else None


def last_plan_end(records: list[PackagedRecord]) -> date | None:
    ends = []
    for record in records:
        if record.record_type == PLAN_TYPE:
            value = json.loads(record.content).get("end_date")
            if isinstance(value, str):
                ends.append(date.fromisoformat(value))
    return max(ends, default=None)


def bag_info(job: Any, tos: Tos, retention: PackageRetention, today: date) -> dict[str, str]:
    return {
        "Source-Organization": f"Kunta {job.municipality_code}",
        "External-Identifier": job.package_id,
        "Internal-Sender-Identifier": f"archive-job:{job.id}",
        "External-Description": "Kotopolku: the records of one integration client",
        "Bagging-Date": today.isoformat(),
        "Kotopolku-Client-Id": job.client_id,
        "Kotopolku-Municipality": job.municipality_code,
        "Kotopolku-TOS-Version": tos.version,
        "Kotopolku-Preservation": retention.preservation.value,
        "Kotopolku-Disposal-Due": (
            retention.disposal_due_on.isoformat() if retention.disposal_due_on else "never"
        ),
    }


def description(
    job: Any,
    tos: Tos,
    retention: PackageRetention,
    exports: list[records_pb2.ExportClientRecordsResponse],
    now: datetime,
    dates: TriggerDates,
) -> dict[str, Any]:
    """Descriptive metadata: whose records, which, why, for how long, how public."""
    return {
        "package_id": job.package_id,
        "archive_job_id": job.id,
        "client_id": job.client_id,
        "municipality_code": job.municipality_code,
        "reason": job.reason,
        "requested_by": job.requested_by,
        "active_use_ended_on": dates.active_use_ended_on.isoformat(),
        "last_plan_end": dates.last_plan_end.isoformat() if dates.last_plan_end else None,
        "archived_at": as_utc(now).isoformat(),
        "tos": {"name": tos.name, "version": tos.version},
        "preservation": retention.preservation.value,
        "disposal_due_on": (
            retention.disposal_due_on.isoformat() if retention.disposal_due_on else None
        ),
        "services": [
            {"service": e.service, "records": len(e.records), "digest": e.digest} for e in exports
        ],
        "record_types": [
            {
                "record_type": t.record_type,
                "title": t.rule.title,
                "count": t.count,
                "task_class": t.rule.task_class,
                "preservation": t.rule.preservation.value,
                "retention_years": t.rule.retention_years,
                "trigger": t.rule.trigger.value if t.rule.trigger else None,
                "retention_ends_on": t.ends_on.isoformat() if t.ends_on else None,
                "publicity": t.rule.publicity.value,
                "secrecy_basis": t.rule.secrecy_basis,
                "personal_data": t.rule.personal_data,
            }
            for t in retention.types
        ],
    }
