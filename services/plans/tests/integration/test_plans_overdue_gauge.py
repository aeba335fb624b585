"""The overdue-reviews gauge counts what ListOverdueReviews lists, per municipality."""

from __future__ import annotations

from plans_testkit import MUNICIPAL_837, Stack, plan
from prometheus_client import REGISTRY

from kotopolku.plans.overdue_gauge import OverdueReviewsGauge, count_overdue


def gauge(municipality: str) -> float | None:
    return REGISTRY.get_sample_value(
        "kotopolku_plans_overdue_reviews", {"municipality": municipality}
    )


async def test_overdue_reviews_are_counted_per_municipality(stack: Stack) -> None:
    database = stack.plans_host.database
    assert database is not None
    helsinki = []
    for individual in (901, 902):
        client_id, user = await stack.new_client(individual)
        helsinki.append(await stack.activate(plan(client_id), user))
    client_id, user = await stack.new_client(903, MUNICIPAL_837)
    tampere = await stack.activate(plan(client_id), user, MUNICIPAL_837)
    counter = OverdueReviewsGauge(database, stack.clock)

    stack.clock.advance(days=181)  # due today: not overdue yet
    assert await count_overdue(database, stack.clock) == {}

    stack.clock.advance(days=1)
    await counter.refresh()
    assert (gauge("091"), gauge("837")) == (2, 1)
    assert len((await stack.overdue()).plans) == 2

    await stack.review(await stack.get(helsinki[0].id))
    await stack.review(await stack.get(tampere.id, MUNICIPAL_837), caller=MUNICIPAL_837)
    await counter.refresh()
    # Tampere caught up: its series stays, at 0.
    assert (gauge("091"), gauge("837")) == (1, 0)
