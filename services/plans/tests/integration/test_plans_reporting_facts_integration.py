"""The plans service reports each status change and review to reporting as a pseudonymous fact,
in the transaction of the change (kotopolku.common.facts)."""

from __future__ import annotations

import sqlalchemy as sa
from plans_testkit import TODAY, Stack, goal, other_service, plan

from kotopolku.common.facts import MUNICIPAL_PURPOSE
from kotopolku.common.pseudonyms import PseudonymKey
from kotopolku.plans.tables import reporting_outbox
from kotopolku.plans.v1 import plans_pb2
from kotopolku.reporting.v1 import reporting_pb2


async def _facts(stack: Stack) -> list[tuple[reporting_pb2.Fact, bytes]]:
    assert stack.plans_host.database is not None
    async with stack.plans_host.database.engine.connect() as connection:
        rows = await connection.execute(
            sa.select(reporting_outbox.c.payload).order_by(reporting_outbox.c.seq)
        )
        return [(reporting_pb2.Fact.FromString(r.payload), bytes(r.payload)) for r in rows]


async def test_status_changes_and_reviews_become_pseudonymous_facts(stack: Stack) -> None:
    client_id, client = await stack.new_client(931)
    active = await stack.activate(
        plan(client_id, goals=[goal()], services=[other_service()]), client
    )
    reviewed = await stack.review(active)
    await stack.review(
        reviewed, plans_pb2.REVIEW_OUTCOME_END, follow_up_plan="Työnhaku jatkuu TE-palveluissa"
    )

    found = await _facts(stack)
    changes = [
        (f.plan_status_changed.from_status, f.plan_status_changed.to_status)
        for f, _ in found
        if f.HasField("plan_status_changed")
    ]
    assert changes == [
        ("", "DRAFT"),
        ("DRAFT", "AWAITING_APPROVAL"),
        ("AWAITING_APPROVAL", "ACTIVE"),
        ("ACTIVE", "ENDED"),
    ]
    reviews = [f.plan_reviewed for f, _ in found if f.HasField("plan_reviewed")]
    assert [(r.outcome, r.reason) for r in reviews] == [
        ("CONTINUE", "SCHEDULED"),
        ("END", "SCHEDULED"),
    ]
    first = reviews[0]
    assert first.reviewed_on == TODAY.isoformat()
    assert first.due_on == active.review_due_date
    assert first.next_due_on == reviewed.review_due_date
    assert reviews[1].next_due_on == ""
    activation = next(f for f, _ in found if f.plan_status_changed.to_status == "ACTIVE")
    assert activation.plan_status_changed.kind == "INDIVIDUAL"
    assert activation.plan_status_changed.review_due_on == active.review_due_date

    key = PseudonymKey.from_file(stack.keys.reporting_pseudonym, MUNICIPAL_PURPOSE)
    assert {f.subject for f, _ in found} == {key.pseudonym("091", "client", client_id)}
    assert {f.record for f, _ in found} == {key.pseudonym("091", "plan", active.id)}
    assert {f.municipality_code for f, _ in found} == {"091"}
    for _, payload in found:
        assert client_id.encode() not in payload
        assert active.id.encode() not in payload
