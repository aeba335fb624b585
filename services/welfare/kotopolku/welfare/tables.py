"""The welfare service's tables (it is their only owner).

Personal data of the persons of a placement proposal, of a reception transfer and the
identification shown to a welfare area stay here, on the municipality's side; the consultation
holds only the anonymised profile.
"""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.tables import (
    UtcDateTime,
    audit_outbox_table,
    client_minimisations_table,
    idempotency_table,
)

metadata = sa.MetaData()

placement_proposals = sa.Table(
    "placement_proposals",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    sa.Column("ely_centre", sa.String(100), nullable=False),
    sa.Column("ely_reference", sa.String(100), nullable=False),
    sa.Column("basis", sa.String(30), nullable=False),
    # The persons as the ELY centre named them (personal data; municipality side only).
    sa.Column("persons", sa.JSON, nullable=False),
    sa.Column("evident_service_needs", sa.Boolean, nullable=False),
    sa.Column("response_due", sa.Date),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("decision", sa.String(20)),
    sa.Column("decision_reason", sa.String(2000)),
    sa.Column("decided_at", UtcDateTime),
    sa.Column("consultation_id", sa.String(36)),
    sa.Column("housing_contract_reference", sa.String(200)),
    sa.Column("housing_available_from", sa.Date),
    sa.Column("housing_recorded_at", UtcDateTime),
    sa.Column("earliest_arrival", sa.Date),
    sa.Column("earliest_arrival_reported_at", UtcDateTime),
    sa.Column("arrives_at", UtcDateTime),
    sa.Column("arrival_place", sa.String(200)),
    sa.Column("arrival_announced_at", UtcDateTime),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_placement_proposals_list", "municipality_code", "created_at", "id"),
)

reception_tasks = sa.Table(
    "reception_tasks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column(
        "proposal_id", sa.String(36), sa.ForeignKey("placement_proposals.id"), nullable=False
    ),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("assignee", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("note", sa.String(2000), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("proposal_id", "kind", name="uq_reception_tasks_kind"),
)

consultations = sa.Table(
    "consultations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    # The link to the persons; never shown to the welfare area.
    sa.Column("proposal_id", sa.String(36), nullable=False, unique=True),
    sa.Column("state", sa.String(20), nullable=False),
    # The anonymised profile (kotopolku.welfare.domain.anonymise.AnonymisedProfile).
    sa.Column("profile", sa.JSON, nullable=False),
    sa.Column("answer_due", sa.Date, nullable=False),
    sa.Column("decision_due", sa.Date),
    sa.Column("answer", sa.JSON),
    sa.Column("answered_by", sa.String(200)),
    sa.Column("answered_at", UtcDateTime),
    sa.Column("decision", sa.String(20)),
    sa.Column("decided_at", UtcDateTime),
    sa.Column("note_reviewed_by", sa.String(200)),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_consultations_area", "welfare_area", "created_at", "id"),
    sa.Index("ix_consultations_municipality", "municipality_code", "created_at", "id"),
)

reception_transfers = sa.Table(
    "reception_transfers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    sa.Column("reception_centre", sa.String(200), nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("basis", sa.String(30), nullable=False),
    sa.Column("consent", sa.JSON, nullable=False),
    sa.Column("person", sa.JSON, nullable=False),
    sa.Column("service_needs", sa.JSON, nullable=False),
    sa.Column("proposal_id", sa.String(36)),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("existing_client", sa.Boolean, nullable=False),
    sa.Column("carried_fields", sa.JSON, nullable=False),
    sa.Column("still_to_ask", sa.JSON, nullable=False),
    sa.Column("notice_disclosure_id", sa.String(36)),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

cooperations = sa.Table(
    "cooperations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("scope", sa.JSON, nullable=False),
    sa.Column("assessment_id", sa.String(36), nullable=False),
    sa.Column("plan_id", sa.String(36), nullable=False),
    sa.Column("reason", sa.String(2000), nullable=False),
    sa.Column("municipal_contact", sa.JSON, nullable=False),
    # Identification of the person for the welfare area, from the client record.
    sa.Column("person", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("answer_due", sa.Date, nullable=False),
    sa.Column("responsible", sa.JSON),
    sa.Column("decline_reason", sa.String(2000)),
    sa.Column("answered_by", sa.String(200)),
    sa.Column("answered_at", UtcDateTime),
    sa.Column("end_reason", sa.String(2000)),
    sa.Column("ended_at", UtcDateTime),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_cooperations_area", "welfare_area", "created_at", "id"),
    sa.Index("ix_cooperations_client", "client_id", "welfare_area", "state"),
)

disclosure_bases = sa.Table(
    "disclosure_bases",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("cooperation_id", sa.String(36)),
    sa.Column("transfer_id", sa.String(36)),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("legal_reference", sa.String(300), nullable=False),
    sa.Column("consent_given_on", sa.Date),
    sa.Column("consent_reference", sa.String(100), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date),
    sa.Column("withdrawn_at", UtcDateTime),
    sa.Column("withdrawn_by", sa.String(200)),
    sa.Column("withdrawal_reason", sa.String(2000)),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Index("ix_disclosure_bases_cooperation", "cooperation_id"),
    sa.Index("ix_disclosure_bases_client", "client_id", "welfare_area"),
)

# Data made available to a welfare area by a transfer (tiedonsiirto), with the exact fields.
disclosures = sa.Table(
    "disclosures",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("cooperation_id", sa.String(36)),
    sa.Column("transfer_id", sa.String(36)),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("resource", sa.String(100), nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("content", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("first_delivered_at", UtcDateTime),
    sa.Index("ix_disclosures_cooperation", "cooperation_id", "created_at", "id"),
)

# Every disclosure that happened: which fields went to which welfare area, when and why.
disclosure_log = sa.Table(
    "disclosure_log",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("client_id", sa.String(36), nullable=False),
    sa.Column("municipality_code", sa.String(3), nullable=False),
    sa.Column("welfare_area", sa.String(100), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("resource", sa.String(100), nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("basis_id", sa.String(36), nullable=False),
    sa.Column("basis_kind", sa.String(20), nullable=False),
    sa.Column("legal_reference", sa.String(300), nullable=False),
    sa.Column("purpose", sa.String(100), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("actor_subject", sa.String(200), nullable=False),
    sa.Column("disclosed_at", UtcDateTime, nullable=False),
    sa.Index("ix_disclosure_log_client", "client_id", "disclosed_at", "id"),
)

# One row per welfare area: the last position its feed gave out. Updating it serialises the
# appends of one area in commit order (kotopolku.welfare.domain.feed).
feed_heads = sa.Table(
    "feed_heads",
    metadata,
    sa.Column("welfare_area", sa.String(100), primary_key=True),
    sa.Column("last_position", sa.BigInteger, nullable=False),
)

feed_events = sa.Table(
    "feed_events",
    metadata,
    sa.Column("welfare_area", sa.String(100), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("type", sa.String(60), nullable=False),
    sa.Column("resource", sa.String(100), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("occurred_at", UtcDateTime, nullable=False),
)

audit_outbox = audit_outbox_table(metadata)
idempotency_keys = idempotency_table(metadata)
client_minimisations = client_minimisations_table(metadata)
