"""The archive job's state machine: the order of the steps and what comes next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kotopolku.archive.domain.jobs import (
    RetryPolicy,
    StepKind,
    StepState,
    StepStatus,
    needs_hold_check,
    next_step,
    plan_steps,
)


def test_steps_package_and_verify_before_anything_is_minimised() -> None:
    plan = plan_steps(["clients", "plans", "guidance"])
    kinds = [(s.kind, s.service) for s in plan]
    assert kinds == [
        (StepKind.CHECK, ""),
        (StepKind.EXPORT, "clients"),
        (StepKind.EXPORT, "plans"),
        (StepKind.EXPORT, "guidance"),
        (StepKind.AUDIT_EXTRACT, "audit"),
        (StepKind.PACKAGE, ""),
        (StepKind.VERIFY, ""),
        (StepKind.MINIMISE, "plans"),
        (StepKind.MINIMISE, "guidance"),
        # The client record goes last: the other services' records refer to it.
        (StepKind.MINIMISE, "clients"),
    ]
    assert [s.position for s in plan] == list(range(1, len(plan) + 1))


def test_a_job_needs_distinct_services() -> None:
    with pytest.raises(ValueError, match="at least one"):
        plan_steps([])
    with pytest.raises(ValueError, match="twice"):
        plan_steps(["plans", "plans"])


def _statuses(done: int) -> list[StepStatus]:
    return [
        StepStatus(
            s.position,
            s.kind,
            s.service,
            StepState.DONE if s.position <= done else StepState.PENDING,
            0,
        )
        for s in plan_steps(["clients", "plans"])
    ]


def test_the_next_step_is_the_first_not_done_whatever_the_order_read() -> None:
    statuses = _statuses(3)
    assert next_step(list(reversed(statuses))) == statuses[3]
    assert next_step(_statuses(len(statuses))) is None
    failed = [*statuses[:3], StepStatus(4, StepKind.AUDIT_EXTRACT, "audit", StepState.FAILED, 2)]
    assert next_step(failed) == failed[3]


def test_only_minimisation_waits_for_a_legal_hold() -> None:
    held = {s.kind for s in _statuses(0) if needs_hold_check(s)}
    assert held == {StepKind.MINIMISE}


def test_retries_back_off_and_give_up() -> None:
    policy = RetryPolicy(max_attempts=4, base_seconds=30, cap_seconds=100)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert policy.after_failure(1, now) == now + timedelta(seconds=30)
    assert policy.after_failure(2, now) == now + timedelta(seconds=60)
    assert policy.after_failure(3, now) == now + timedelta(seconds=100)
    assert policy.after_failure(4, now) is None
