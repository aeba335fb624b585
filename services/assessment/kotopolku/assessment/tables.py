"""The assessment service's tables (it is their only owner)."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.facts import reporting_outbox_table
from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    # The client's municipality when the assessment was made: the tenant of the record.
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    # Field path -> value (see domain.model); a missing path is an unanswered field.
    sa.Column("content", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("completed_by", sa.String(200)),
    sa.Column("completed_at", UtcDateTime),
    sa.Index("ix_assessments_client", "client_id", "created_at", "id"),
)

# The welfare areas of the multi-sector team, kept in step with the team in the content, so that
# a welfare-area worker's list query needs no scan of the content.
team_areas = sa.Table(
    "assessment_team_areas",
    metadata,
    sa.Column(
        "assessment_id",
        sa.String(36),
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("welfare_area_code", sa.String(60), primary_key=True),
    sa.Index("ix_assessment_team_areas_area", "welfare_area_code", "assessment_id"),
)

# A welfare area's notes that only its own workers see: never read on another caller's path.
sensitive_notes = sa.Table(
    "sensitive_welfare_notes",
    metadata,
    sa.Column(
        "assessment_id",
        sa.String(36),
        sa.ForeignKey("assessments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("welfare_area_code", sa.String(60), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

corrections = sa.Table(
    "assessment_corrections",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=False),
    # The assessment version the correction produced; orders the history.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("corrected_by", sa.String(200), nullable=False),
    sa.Column("corrected_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.String(2000), nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    # The values before the correction, by field path: the original stays on record.
    sa.Column("previous", sa.JSON, nullable=False),
    # Set when the correction touched a welfare area's sensitive note.
    sa.Column("welfare_area_code", sa.String(60)),
    sa.UniqueConstraint("assessment_id", "version", name="uq_assessment_corrections_version"),
)

measures = sa.Table(
    "refining_measures",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("assessment_id", sa.String(36), sa.ForeignKey("assessments.id"), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("provider_organisation", sa.String(100), nullable=False),
    sa.Column("instructions", sa.String(2000), nullable=False),
    sa.Column("due_date", sa.Date),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("result", sa.JSON),
    sa.Column("result_recorded_by", sa.String(200)),
    sa.Column("result_recorded_at", UtcDateTime),
    sa.Column("ordered_by", sa.String(200), nullable=False),
    sa.Column("ordered_at", UtcDateTime, nullable=False),
    sa.Index("ix_refining_measures_assessment", "assessment_id", "ordered_at", "id"),
    sa.Index(
        "ix_refining_measures_provider", "provider_organisation", "status", "ordered_at", "id"
    ),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
reporting_outbox = reporting_outbox_table(metadata)
