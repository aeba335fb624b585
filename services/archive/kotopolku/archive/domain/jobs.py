"""The archive job as a state machine (arkistointitehtävä), persisted step by step so that a
crash loses nothing and repeats nothing that matters.

A job's steps run in a fixed order:

1. ``check``: every service is asked whether the client's records may be minimised at all
   (e.g. costs still to be claimed block it) — before anything is done;
2. ``export`` per service: the records are read and staged in object storage;
3. ``audit-extract``: the client's audit trail (the log itself is never minimised);
4. ``package``: the BagIt bag is built from the staged exports and stored;
5. ``verify``: the package is read back from storage and validated;
6. ``minimise`` per service, the clients service last.

Every step is safe to repeat: exports and the package are rewritten under the same keys, and a
service minimises a package once (a repeat returns what it did). A legal hold stops the job
before each minimisation (``held``); lifting the hold lets it go on. A step that fails in a way
that retrying cannot fix (records changed after the export, a record type without a retention
rule, a bag that does not validate) fails the job; temporary failures are retried with backoff
and fail the job after the last attempt.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final


class JobState(enum.StrEnum):
    RUNNING = "running"
    HELD = "held"
    FAILED = "failed"
    COMPLETED = "completed"


class StepKind(enum.StrEnum):
    CHECK = "check"
    EXPORT = "export"
    AUDIT_EXTRACT = "audit-extract"
    PACKAGE = "package"
    VERIFY = "verify"
    MINIMISE = "minimise"


class StepState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


# Minimised last: other services' records refer to the client record.
LAST_MINIMISED: Final = "clients"


@dataclass(frozen=True, slots=True)
class StepPlan:
    position: int
    kind: StepKind
    service: str = ""


def plan_steps(services: Sequence[str]) -> list[StepPlan]:
    """The steps of a new job over the given record services."""
    if not services:
        raise ValueError("an archive job needs at least one record service")
    if len(set(services)) != len(services):
        raise ValueError("a record service is named twice")
    minimised = [s for s in services if s != LAST_MINIMISED]
    minimised += [s for s in services if s == LAST_MINIMISED]
    kinds: list[tuple[StepKind, str]] = [(StepKind.CHECK, "")]
    kinds += [(StepKind.EXPORT, s) for s in services]
    kinds += [(StepKind.AUDIT_EXTRACT, "audit"), (StepKind.PACKAGE, ""), (StepKind.VERIFY, "")]
    kinds += [(StepKind.MINIMISE, s) for s in minimised]
    return [StepPlan(i, kind, service) for i, (kind, service) in enumerate(kinds, start=1)]


@dataclass(frozen=True, slots=True)
class StepStatus:
    position: int
    kind: StepKind
    service: str
    state: StepState
    attempts: int


def next_step(steps: Sequence[StepStatus]) -> StepStatus | None:
    """The first step not done; None when every step is done."""
    for step in sorted(steps, key=lambda s: s.position):
        if step.state is not StepState.DONE:
            return step
    return None


def may_run(state: JobState) -> bool:
    return state is JobState.RUNNING


def needs_hold_check(step: StepStatus) -> bool:
    """A legal hold stops the job before anything is removed from the services."""
    return step.kind is StepKind.MINIMISE


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    cap_seconds: float

    def delay(self, attempts: int) -> timedelta:
        """Exponential: base·2^(n-1), capped; ``attempts`` counts the failed ones so far."""
        seconds = self.base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.cap_seconds))

    def after_failure(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after the ``attempts``-th failure; None: give up."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts)


class HoldState(enum.StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"


class PackageState(enum.StrEnum):
    STORED = "stored"
    VERIFIED = "verified"
    DISPOSED = "disposed"
