"""The welfare service's part of the client-records contract (archiving, docs/archiving.md).

Everything here that concerns the client goes into the archival package. What happens after that
depends on what the record is:

* **Disclosures are legal acts.** Giving secret data to a welfare area (JulkL 621/1999 26 §, 29 §)
  must stay provable to the client and to the supervisory authorities, so the disclosure log
  (luovutusloki: which fields went to which welfare area, when, on which basis and for what) and
  the disclosure bases (the law or the consent) are kept as they are, apart from the free text of
  a withdrawal. A disclosure keeps its category, fields and times; the copied values go.
* **The placement decision is the municipality's answer to the ELY centre** (an administrative
  decision): the proposal stays with its decision and dates, but the persons named in it and the
  reason go, and so do the notes of its reception tasks. A proposal that also names the transfer
  of another client (a family) is that family's too and is kept as it is.
* **Consultations hold only the anonymised profile** and the welfare area's answer to it: kept.
* A **cooperation** and a **reception transfer** stay as the frame of the disclosures made under
  them (scope, state, dates, parties), with the person's identification, the service needs and the
  free text removed.
* **Feed events** hold ids and states only, and the feed's own retention prunes them; they are
  kept, since removing one would leave a gap that consumers take for pruning.

While a cooperation with the welfare area is still requested or accepted, nothing is minimised:
the welfare area may still be working with the client's data.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.common.client_records import (
    MINIMISED_TEXT,
    ClientRecordsConfig,
    Keep,
    RecordSource,
    Redact,
    owned_by_client,
    rows_of,
    while_rows_remain,
)
from kotopolku.welfare.domain.codes import CooperationState
from kotopolku.welfare.tables import (
    consultations,
    cooperations,
    disclosure_bases,
    disclosure_log,
    disclosures,
    feed_events,
    placement_proposals,
    reception_tasks,
    reception_transfers,
)

LEGAL_ACT: Final = (
    "Record of a disclosure of secret data to a welfare area (JulkL 621/1999 26 §, 29 §): "
    "kept as it is, to show what was disclosed to whom, when and on which basis"
)
# The shape the views expect, with nothing of the person left.
MINIMISED_PERSON: Final[dict[str, Any]] = {
    "first_names": MINIMISED_TEXT,
    "last_name": MINIMISED_TEXT,
    "date_of_birth": "",
    "languages": [],
    "contact": {},
}

_transfer = owned_by_client(reception_transfers)
_cooperation = owned_by_client(cooperations)
_basis = owned_by_client(disclosure_bases)
_disclosure = owned_by_client(disclosures)
_log = owned_by_client(disclosure_log)


def cleared(table: sa.Table, *columns: str) -> dict[str, Any]:
    """Free text replaced by the marker; empty and missing text stay as they were."""
    return {
        name: sa.case(
            (table.c[name].is_(None), sa.null()),
            (table.c[name] == "", ""),
            else_=sa.literal(MINIMISED_TEXT),
        )
        for name in columns
    }


def _named_proposals(client_id: str, municipality: str) -> sa.Select[Any]:
    return sa.select(reception_transfers.c.proposal_id).where(
        _transfer(client_id, municipality), reception_transfers.c.proposal_id.is_not(None)
    )


def _others_proposals(client_id: str, municipality: str) -> sa.Select[Any]:
    # NOT IN over a NULL would select nothing: transfers without a proposal are left out.
    return sa.select(reception_transfers.c.proposal_id).where(
        reception_transfers.c.municipality_code == municipality,
        reception_transfers.c.client_id != client_id,
        reception_transfers.c.proposal_id.is_not(None),
    )


def _own_proposals(client_id: str, municipality: str) -> ColumnElement[bool]:
    """Proposals only the client's transfers name."""
    return sa.and_(
        placement_proposals.c.municipality_code == municipality,
        placement_proposals.c.id.in_(_named_proposals(client_id, municipality)),
        placement_proposals.c.id.not_in(_others_proposals(client_id, municipality)),
    )


def _family_proposals(client_id: str, municipality: str) -> ColumnElement[bool]:
    """Proposals the client's transfer names together with another client's."""
    return sa.and_(
        placement_proposals.c.municipality_code == municipality,
        placement_proposals.c.id.in_(_named_proposals(client_id, municipality)),
        placement_proposals.c.id.in_(_others_proposals(client_id, municipality)),
    )


def _consultations(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        consultations.c.municipality_code == municipality,
        consultations.c.proposal_id.in_(_named_proposals(client_id, municipality)),
    )


def _feed_events(client_id: str, municipality: str) -> ColumnElement[bool]:
    """Events about the client's resources (an event names its resource as ``<kind>/<id>``)."""

    def named(kind: str, table: sa.Table, where: ColumnElement[bool]) -> sa.Select[Any]:
        return sa.select(sa.literal(f"{kind}/", sa.String) + table.c.id).where(where)

    resources = sa.union(
        named("consultations", consultations, _consultations(client_id, municipality)),
        named("cooperations", cooperations, _cooperation(client_id, municipality)),
        named("disclosures", disclosures, _disclosure(client_id, municipality)),
        named("reception-transfers", reception_transfers, _transfer(client_id, municipality)),
    )
    return feed_events.c.resource.in_(resources)


def _open_cooperation(client_id: str, municipality: str) -> ColumnElement[bool]:
    return sa.and_(
        _cooperation(client_id, municipality),
        cooperations.c.state.in_(
            [CooperationState.REQUESTED.value, CooperationState.ACCEPTED.value]
        ),
    )


CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource(
            "welfare.reception-transfer",
            reception_transfers,
            _transfer,
            updated_column=None,
            minimise=Redact(
                lambda t: {"person": MINIMISED_PERSON, "service_needs": []},
                "The frame of the transfer notice disclosed on the person's consent: kept "
                "without the person's data and service needs",
            ),
        ),
        RecordSource(
            "welfare.placement-proposal",
            placement_proposals,
            _own_proposals,
            minimise=Redact(
                lambda t: {"persons": [], **cleared(t, "decision_reason")},
                "The municipality's answer to the ELY centre's placement proposal (an "
                "administrative decision): kept without the persons named in it",
            ),
        ),
        RecordSource(
            "welfare.family-placement-proposal",
            placement_proposals,
            _family_proposals,
            minimise=Keep("Names other clients of the family too: kept as it is"),
        ),
        RecordSource(
            "welfare.reception-task",
            reception_tasks,
            rows_of(reception_tasks, "proposal_id", placement_proposals, _own_proposals),
            created_column=None,
            parent=("welfare.placement-proposal", "proposal_id"),
            minimise=Redact(
                lambda t: cleared(t, "note"), "Part of the placement decision: note cleared"
            ),
        ),
        RecordSource(
            "welfare.consultation",
            consultations,
            _consultations,
            minimise=Keep(
                "Holds the anonymised profile and the welfare area's answer only: kept as it is"
            ),
        ),
        RecordSource(
            "welfare.cooperation",
            cooperations,
            _cooperation,
            minimise=Redact(
                lambda t: {
                    "person": MINIMISED_PERSON,
                    **cleared(t, "reason", "decline_reason", "end_reason"),
                },
                "The frame of the disclosures made under it: kept without the person's "
                "identification and the free text",
            ),
        ),
        RecordSource(
            "welfare.disclosure-basis",
            disclosure_bases,
            _basis,
            created_column="recorded_at",
            updated_column="withdrawn_at",
            minimise=Redact(lambda t: cleared(t, "withdrawal_reason"), LEGAL_ACT),
        ),
        RecordSource(
            "welfare.disclosure",
            disclosures,
            _disclosure,
            updated_column="first_delivered_at",
            minimise=Redact(
                lambda t: {"content": {"minimised": True}},
                "A disclosure of secret data (JulkL 621/1999 29 §): category, fields and times "
                "kept, the values copied to the welfare area removed",
            ),
        ),
        RecordSource(
            "welfare.disclosure-log",
            disclosure_log,
            _log,
            created_column="disclosed_at",
            updated_column=None,
            minimise=Keep(LEGAL_ACT),
        ),
        RecordSource(
            "welfare.feed-event",
            feed_events,
            _feed_events,
            id_columns=("welfare_area", "position"),
            created_column="occurred_at",
            updated_column=None,
            minimise=Keep(
                "Ids and states only; the feed's retention (KOTOPOLKU_FEED_RETENTION_DAYS) "
                "removes it"
            ),
        ),
    ),
    blockers=while_rows_remain(
        cooperations,
        _open_cooperation,
        "{count} cooperations with the welfare area are still requested or accepted",
    ),
)
