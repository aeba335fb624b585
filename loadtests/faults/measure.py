"""From what the load saw to the figures of one fault: time-to-error, recovery, errors.

Every request the load sends becomes an :class:`Observation` (monotonic times in seconds). A
:class:`FaultWindow` says when a fault was injected, when it was repaired (process restarted,
PostgreSQL started, Keycloak resumed) and which targets it takes down. Pure functions, so the
rules are tested without a system.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Answers that mean "a dependency is down, try again": what the gateway must give while it is.
UNAVAILABLE = frozenset({503, 504})
# Target of the login probe (a new Keycloak login, not an API call).
LOGIN = "keycloak-login"
# Target of the load's own client writes (creates and updates through the clients service).
WRITES = "client-writes"


@dataclass(frozen=True, slots=True)
class Observation:
    started: float
    finished: float
    target: str  # the backend a request needs (its probe), WRITES, or LOGIN
    status: int  # HTTP status; 0 when the request got no answer (connection error, timeout)
    retry_after: bool = False
    error: str = ""  # why there was no answer (the client's exception), for the report

    @property
    def ok(self) -> bool:
        # 404/409/412 are answers from a working backend (a probe for an unknown id, a stale
        # If-Match of a retried update); 401/403 are not: a working token must keep working.
        return 200 <= self.status < 500 and self.status not in (401, 403)

    @property
    def unavailable(self) -> bool:
        return self.status in UNAVAILABLE

    @property
    def seconds(self) -> float:
        return self.finished - self.started


@dataclass(frozen=True, slots=True)
class FaultWindow:
    name: str
    # What the fault takes down: these targets must answer 503/504 (or, for LOGIN, fail) while
    # it lasts and recover after it.
    targets: frozenset[str]
    injected_at: float
    repaired_at: float
    # Targets that must keep answering while the fault lasts: the load's client writes need only
    # the clients service and PostgreSQL (audit events wait in the outbox); with Keycloak stopped
    # every API call with a token the gateway already knows must keep working.
    must_keep_working: frozenset[str] = frozenset()


@dataclass(slots=True)
class FaultFigures:
    name: str
    down_seconds: float
    requests_while_down: int = 0
    unavailable_while_down: int = 0
    with_retry_after: int = 0
    wrong_answers_while_down: dict[str, int] = field(default_factory=dict)
    # The first few of them: target, answer, seconds after the fault, seconds it took.
    wrong_answer_samples: list[str] = field(default_factory=list)
    time_to_error_p50_ms: float | None = None
    time_to_error_p99_ms: float | None = None
    time_to_error_max_ms: float | None = None
    # Per target: seconds from repair to the end of its first successful request.
    recovery_seconds: dict[str, float | None] = field(default_factory=dict)
    errors_after_repair: int = 0
    # Failed requests to targets the fault does not take down (dependents fail too: reported).
    errors_elsewhere: dict[str, int] = field(default_factory=dict)
    drain_seconds: float | None = None
    # How long the repair itself took: PostgreSQL's start until it accepts connections (crash
    # recovery included); next to nothing for a process start or SIGCONT.
    repair_seconds: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def recovery(self) -> float | None:
        values = list(self.recovery_seconds.values())
        if not values or any(v is None for v in values):
            return None
        return max(v for v in values if v is not None)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a latency that happened)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _label(o: Observation) -> str:
    return "no answer" if o.status == 0 else str(o.status)


def _sample(o: Observation, since: float) -> str:
    answer = f"no answer ({o.error})" if o.status == 0 else str(o.status)
    return f"{o.target}: {answer} at +{o.started - since:.2f} s after {o.seconds:.2f} s"


def figures(
    window: FaultWindow,
    observations: Iterable[Observation],
    *,
    max_time_to_error_ms: float,
    max_recovery_seconds: float,
    drain_seconds: float | None = None,
    repair_seconds: float | None = None,
) -> FaultFigures:
    seen = sorted(observations, key=lambda o: o.started)
    result = FaultFigures(window.name, round(window.repaired_at - window.injected_at, 2))
    down = [
        o
        for o in seen
        if o.target in window.targets and window.injected_at <= o.started < window.repaired_at
    ]
    # A request still running when the repair came is judged by its answer, not by its start.
    down = [o for o in down if o.finished <= window.repaired_at or not o.ok]
    result.requests_while_down = len(down)
    if window.targets == {LOGIN}:
        succeeded = sum(1 for o in down if o.ok)
        if succeeded:
            result.problems.append(f"{succeeded} login(s) succeeded while Keycloak was stopped")
    else:
        errors = [o for o in down if o.unavailable]
        result.unavailable_while_down = len(errors)
        result.with_retry_after = sum(1 for o in errors if o.retry_after)
        wrong_answers = [o for o in down if not o.unavailable and not o.ok]
        wrong = Counter(_label(o) for o in wrong_answers)
        result.wrong_answers_while_down = dict(sorted(wrong.items()))
        result.wrong_answer_samples = [_sample(o, window.injected_at) for o in wrong_answers[:10]]
        if wrong:
            result.problems.append(
                "answers other than 503/504 while down: "
                + ", ".join(f"{n}× {s}" for s, n in sorted(wrong.items()))
            )
        if result.with_retry_after < len(errors):
            result.problems.append(
                f"{len(errors) - result.with_retry_after} of {len(errors)} 503/504 answers "
                "without Retry-After"
            )
        if errors:
            latencies = [o.seconds * 1000 for o in errors]
            result.time_to_error_p50_ms = round(percentile(latencies, 0.50), 1)
            result.time_to_error_p99_ms = round(percentile(latencies, 0.99), 1)
            result.time_to_error_max_ms = round(max(latencies), 1)
            if result.time_to_error_p99_ms > max_time_to_error_ms:
                result.problems.append(
                    f"p99 time-to-error {result.time_to_error_p99_ms:.0f} ms > "
                    f"{max_time_to_error_ms:.0f} ms"
                )
        elif not down:
            result.problems.append("no request reached the fault while it lasted")
    for target in sorted(window.targets):
        first_ok = next(
            (o for o in seen if o.target == target and o.started >= window.repaired_at and o.ok),
            None,
        )
        recovery = None if first_ok is None else round(first_ok.finished - window.repaired_at, 2)
        result.recovery_seconds[target] = recovery
        if recovery is None:
            result.problems.append(f"{target} did not recover")
        elif recovery > max_recovery_seconds:
            result.problems.append(
                f"{target} recovered after {recovery:.1f} s > {max_recovery_seconds:.0f} s"
            )
        result.errors_after_repair += sum(
            1
            for o in seen
            if o.target == target
            and o.started >= window.repaired_at
            and not o.ok
            and (first_ok is None or o.started < first_ok.started)
        )
    elsewhere = Counter(
        f"{o.target} {_label(o)}"
        for o in seen
        if o.target not in window.targets
        and o.target != LOGIN
        and window.injected_at <= o.started < window.repaired_at
        and not o.ok
    )
    result.errors_elsewhere = dict(sorted(elsewhere.items()))
    must = Counter(
        f"{o.target} {_label(o)}"
        for o in seen
        if o.target in window.must_keep_working
        and window.injected_at <= o.started < window.repaired_at
        and not o.ok
    )
    if must:
        result.problems.append(
            "failed requests that should have succeeded: "
            + ", ".join(f"{n}× {k}" for k, n in sorted(must.items()))
        )
    result.drain_seconds = drain_seconds
    result.repair_seconds = repair_seconds
    return result
