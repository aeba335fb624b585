"""The archive service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.schema import SchemaItem

from kotopolku.common.tables import UtcDateTime, audit_outbox_table, idempotency_table

metadata = sa.MetaData()


def _job_columns() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("active_use_ended_on", sa.Date, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        # Chosen when the job is made: the services minimise "for this package" exactly once.
        sa.Column("package_id", sa.String(36), nullable=False, unique=True),
        # When a RUNNING job is due, and until when a worker that claimed it owns it.
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("lease_until", UtcDateTime),
        # A status name or a short reason, never personal data.
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime),
        sa.Index("ix_archive_jobs_list", "municipality_code", "created_at", "id"),
        sa.Index("ix_archive_jobs_client", "client_id", "created_at"),
        sa.Index("ix_archive_jobs_due", "state", "next_attempt_at"),
    ]


def _step_columns() -> list[SchemaItem]:
    return [
        sa.Column("job_id", sa.String(36), sa.ForeignKey("archive_jobs.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        # The export's digest, which the service's minimisation checks.
        sa.Column("digest", sa.String(64), nullable=False),
        # Counts or a status name; never personal data.
        sa.Column("detail", sa.String(2000), nullable=False),
        sa.Column("completed_at", UtcDateTime),
    ]


def _hold_columns() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("set_by", sa.String(200), nullable=False),
        sa.Column("set_at", UtcDateTime, nullable=False),
        sa.Column("lift_reason", sa.String(2000), nullable=False),
        sa.Column("lifted_by", sa.String(200)),
        sa.Column("lifted_at", UtcDateTime),
        sa.Index("ix_legal_holds_client", "client_id", "state"),
        sa.Index("ix_legal_holds_list", "municipality_code", "set_at", "id"),
    ]


def _package_columns() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("archive_jobs.id"), nullable=False),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_count", sa.Integer, nullable=False),
        # [{"record_type", "count", "ends_on"}] with the rule as it was applied.
        sa.Column("record_types", sa.JSON, nullable=False),
        sa.Column("preservation", sa.String(20), nullable=False),
        sa.Column("disposal_due_on", sa.Date),
        sa.Column("tos_version", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("verified_at", UtcDateTime),
        sa.Column("disposed_at", UtcDateTime),
        sa.Index("ix_archival_packages_client", "client_id", "created_at", "id"),
        sa.Index("ix_archival_packages_list", "municipality_code", "created_at", "id"),
        sa.Index("ix_archival_packages_disposal", "state", "preservation", "disposal_due_on"),
    ]


def _disposal_columns() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("package_id", sa.String(36), nullable=False, unique=True),
        sa.Column("municipality_code", sa.String(3), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("record_types", sa.JSON, nullable=False),
        sa.Column("rule", sa.String(2000), nullable=False),
        sa.Column("package_sha256", sa.String(64), nullable=False),
        sa.Column("disposed_by", sa.String(200), nullable=False),
        sa.Column("disposed_at", UtcDateTime, nullable=False),
        sa.Index("ix_disposal_records_list", "municipality_code", "disposed_at", "id"),
    ]


TABLE_COLUMNS = {
    "archive_jobs": _job_columns,
    "archive_job_steps": _step_columns,
    "legal_holds": _hold_columns,
    "archival_packages": _package_columns,
    "disposal_records": _disposal_columns,
}

jobs = sa.Table("archive_jobs", metadata, *_job_columns())
# At most one unfinished (running or held) job per client: two requests at the same moment cannot
# both start one, whatever the isolation level (archive_0002).
UNFINISHED_JOB_STATES = ("running", "held")
ONE_UNFINISHED_JOB = "uq_archive_jobs_unfinished_client"
_unfinished = jobs.c.state.in_(UNFINISHED_JOB_STATES)
sa.Index(
    ONE_UNFINISHED_JOB,
    jobs.c.municipality_code,
    jobs.c.client_id,
    unique=True,
    postgresql_where=_unfinished,
    sqlite_where=_unfinished,
)
steps = sa.Table("archive_job_steps", metadata, *_step_columns())
holds = sa.Table("legal_holds", metadata, *_hold_columns())
packages = sa.Table("archival_packages", metadata, *_package_columns())
disposals = sa.Table("disposal_records", metadata, *_disposal_columns())

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
