"""The programme service's tables (it is their only owner)."""

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

providers = sa.Table(
    "providers",
    metadata,
    sa.Column("municipality_code", sa.String(3), primary_key=True),
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("business_id", sa.String(9), nullable=False),
    sa.Column("contacts", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("municipality_code", "business_id", name="uq_providers_business_id"),
)

programme_services = sa.Table(
    "programme_services",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.String(4000), nullable=False),
    sa.Column("provider_id", sa.String(36), nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("location", sa.String(300), nullable=False),
    sa.Column("remote", sa.Boolean, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    # Enrolments holding a place (status ENROLLED); changed only by a guarded UPDATE.
    sa.Column("active_enrolments", sa.Integer, nullable=False),
    sa.Column("schedule", sa.String(500), nullable=False),
    sa.Column("intake_dates", sa.JSON, nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(
        ["municipality_code", "provider_id"],
        ["providers.municipality_code", "providers.id"],
        name="fk_programme_services_provider",
    ),
    sa.Index("ix_programme_services_order", "municipality_code", "type", "name", "id"),
    sa.Index("ix_programme_services_provider", "municipality_code", "provider_id"),
)

# Search keys of the catalogue: one row per language and per intake of a service.
service_languages = sa.Table(
    "programme_service_languages",
    metadata,
    sa.Column(
        "service_id", sa.String(36), sa.ForeignKey("programme_services.id"), primary_key=True
    ),
    sa.Column("language", sa.String(3), primary_key=True),
    sa.Index("ix_programme_service_languages_language", "language", "service_id"),
)

service_intakes = sa.Table(
    "programme_service_intakes",
    metadata,
    sa.Column(
        "service_id", sa.String(36), sa.ForeignKey("programme_services.id"), primary_key=True
    ),
    sa.Column("intake_date", sa.Date, primary_key=True),
    sa.Index("ix_programme_service_intakes_date", "intake_date", "service_id"),
)

enrolments = sa.Table(
    "enrolments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column(
        "programme_service_id",
        sa.String(36),
        sa.ForeignKey("programme_services.id"),
        nullable=False,
    ),
    sa.Column("plan_id", sa.String(64), nullable=False),
    sa.Column("plan_service_id", sa.String(64), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("participant_display_name", sa.String(200), nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    # Set while ENROLLED, NULL afterwards: unique keys that allow one active enrolment per
    # planned service and per client and service, also under concurrent requests.
    sa.Column("active_plan_service", sa.String(64), unique=True),
    sa.Column("active_client_service", sa.String(80), unique=True),
    sa.Column("interruption_date", sa.Date),
    sa.Column("interruption_reason", sa.String(20)),
    sa.Column("interruption_details", sa.String(1000)),
    sa.Column("completion_date", sa.Date),
    sa.Column("language_test", sa.JSON),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_enrolments_list", "municipality_code", "created_at", "id"),
    sa.Index("ix_enrolments_service", "programme_service_id", "created_at", "id"),
    sa.Index("ix_enrolments_client", "client_id"),
)

attendance = sa.Table(
    "attendance",
    metadata,
    sa.Column("enrolment_id", sa.String(36), sa.ForeignKey("enrolments.id"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("mark", sa.String(10), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

# Notifications for the plans service, written in the transaction that ends an enrolment and
# delivered by kotopolku.programme.outcomes.OutcomeRelay.
plan_outcome_outbox = sa.Table(
    "plan_outcome_outbox",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("enrolment_id", sa.String(36), nullable=False),
    sa.Column("plan_id", sa.String(64), nullable=False),
    sa.Column("plan_service_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("outcome_date", sa.Date, nullable=False),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    # A gRPC status name, never a message text.
    sa.Column("last_error", sa.String(60)),
    sa.Index("ix_plan_outcome_outbox_plan_service", "plan_service_id", "seq"),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
reporting_outbox = reporting_outbox_table(metadata)
