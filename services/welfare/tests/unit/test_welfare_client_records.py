"""The welfare service's declaration for the archive: what is kept, what minimised, in which
order; and the clearing of free text, which leaves missing text missing."""

from __future__ import annotations

import sqlalchemy as sa

from kotopolku.common.client_records import Delete, Keep, Redact
from kotopolku.welfare.client_records import CLIENT_RECORDS, cleared


def _rules() -> dict[str, object]:
    return {s.record_type: s.minimise for s in CLIENT_RECORDS.sources}


def test_nothing_is_deleted_and_the_legal_acts_are_kept() -> None:
    rules = _rules()
    assert all(name.startswith("welfare.") for name in rules)
    assert not any(isinstance(rule, Delete) for rule in rules.values())
    for kept in ("welfare.disclosure-log", "welfare.consultation", "welfare.feed-event"):
        assert isinstance(rules[kept], Keep), kept
    for minimised in (
        "welfare.reception-transfer",
        "welfare.placement-proposal",
        "welfare.cooperation",
        "welfare.disclosure",
        "welfare.disclosure-basis",
    ):
        assert isinstance(rules[minimised], Redact), minimised


def test_parents_come_before_their_children() -> None:
    seen: set[str] = set()
    for source in CLIENT_RECORDS.sources:
        if source.parent is not None:
            assert source.parent[0] in seen, source.record_type
        seen.add(source.record_type)


def test_clearing_keeps_missing_and_empty_text() -> None:
    table = sa.Table(
        "notes",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.String),
    )
    engine = sa.create_engine("sqlite://")
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(
            sa.insert(table),
            [{"id": 1, "text": None}, {"id": 2, "text": ""}, {"id": 3, "text": "x"}],
        )
        connection.execute(sa.update(table).values(**cleared(table, "text")))
        rows = connection.execute(sa.select(table.c.text).order_by(table.c.id)).scalars().all()
    assert rows == [None, "", "[minimised]"]
