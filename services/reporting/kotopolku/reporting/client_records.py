"""The reporting service's part of the client-records contract (archiving, docs/archiving.md).

Reports are aggregates over facts and feedback answers: archiving a client must not change last
year's figures, so what stays is what the aggregates are made of, and what goes is what relates
it to the person.

* **Facts** name the client by a keyed hash (the municipal reporting key, as
  :meth:`kotopolku.common.facts.FactRecorder.subject` makes it). Minimising gives all the client's
  facts one new random subject: the reports (counts, distinct clients, lead times) stay exactly as
  they were, but no one holding the key can find the client's facts from the client id any more.
  Kinds, days and bodies stay.
* **Feedback**: an answered invitation stays as the frame of its answer, without the client and
  the context it was sent for; the identified answer keeps its scores and period and loses its
  free text. Invitations not answered, and their notifications not yet handed to messaging, are
  removed. Anonymous answers are not related to anyone and are not touched.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    Delete,
    RecordSource,
    Redact,
    Selector,
    rows_of,
)
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.reporting.tables import answers, facts, invitation_outbox, invitations

AGGREGATES = "Counted in reports: kept so that published figures do not change"


def _invitations(*, answered: bool) -> Selector:
    def where(client_id: str, municipality: str) -> ColumnElement[bool]:
        return sa.and_(
            invitations.c.client_id == client_id,
            invitations.c.municipality_code == municipality,
            invitations.c.answered.is_(answered),
        )

    return where


def _all_invitations(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        invitations.c.client_id == client_id, invitations.c.municipality_code == municipality
    )


def _new_subject(table: sa.Table) -> dict[str, Any]:
    # Drawn once per minimisation: every fact of the client gets the same one.
    del table
    return {"subject": secrets.token_hex(32)}


def client_records(municipal_key: PseudonymKey) -> ClientRecordsConfig:
    """The declaration, with the municipal reporting key that finds the client's facts."""

    def client_facts(client_id: str, municipality: str) -> ColumnElement[bool]:
        subject = municipal_key.pseudonym(municipality, "client", client_id)
        return sa.and_(facts.c.municipality_code == municipality, facts.c.subject == subject)

    answered = _invitations(answered=True)
    return ClientRecordsConfig(
        sources=(
            RecordSource(
                "reporting.fact",
                facts,
                client_facts,
                id_columns=("event_id",),
                created_column="occurred_at",
                updated_column=None,
                minimise=Redact(
                    _new_subject,
                    f"{AGGREGATES}; the subject replaced by one no key leads to",
                ),
            ),
            RecordSource(
                "reporting.feedback-invitation",
                invitations,
                answered,
                updated_column=None,
                omit=frozenset({"token_hash"}),
                minimise=Redact(
                    lambda t: {"client_id": None, "context_reference": None},
                    "The frame of a counted answer: kept without the client and the context",
                ),
            ),
            RecordSource(
                "reporting.feedback-answer",
                answers,
                rows_of(answers, "invitation_id", invitations, answered),
                created_column="answered_at",
                updated_column=None,
                parent=("reporting.feedback-invitation", "invitation_id"),
                minimise=Redact(lambda t: {"texts": {}}, f"{AGGREGATES}; the free text removed"),
            ),
            RecordSource(
                "reporting.open-feedback-invitation",
                invitations,
                _invitations(answered=False),
                updated_column=None,
                omit=frozenset({"token_hash"}),
                minimise=Delete(),
            ),
            RecordSource(
                "reporting.invitation-delivery",
                invitation_outbox,
                rows_of(invitation_outbox, "invitation_id", invitations, _all_invitations),
                id_columns=("seq",),
                updated_column=None,
                exported=False,
            ),
        )
    )
