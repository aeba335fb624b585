"""Figures of one fault from the load's observations: time-to-error, recovery, wrong answers."""

from __future__ import annotations

import pytest

from loadtests.faults.measure import (
    LOGIN,
    WRITES,
    FaultFigures,
    FaultWindow,
    Observation,
    figures,
    percentile,
)

WINDOW = FaultWindow("clients", frozenset({"clients"}), 10.0, 20.0, frozenset({WRITES}))


def _obs(
    start: float, status: int, target: str = "clients", took: float = 0.01, retry: bool = True
) -> Observation:
    return Observation(start, start + took, target, status, retry and status in (503, 504))


def _figures(observations: list[Observation], window: FaultWindow = WINDOW) -> FaultFigures:
    return figures(window, observations, max_time_to_error_ms=500, max_recovery_seconds=30)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5, 1, 3, 2, 4], 0.5) == 3
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_a_clean_fault() -> None:
    seen = [_obs(9.0, 200), *[_obs(10.0 + i * 0.5, 503, took=0.02) for i in range(20)]]
    seen += [_obs(20.5, 503), _obs(21.0, 200, took=0.1), _obs(15.0, 200, WRITES)]
    result = _figures(seen)
    assert result.problems == []
    assert (result.requests_while_down, result.unavailable_while_down) == (20, 20)
    assert result.with_retry_after == 20
    assert result.time_to_error_p99_ms == pytest.approx(20.0)
    assert result.recovery_seconds == {"clients": pytest.approx(1.1)}
    assert result.recovery == pytest.approx(1.1)
    assert result.errors_after_repair == 1


def test_a_500_while_down_is_a_problem() -> None:
    result = _figures([_obs(11.0, 503), _obs(12.0, 500), _obs(13.0, 0), _obs(21.0, 200)])
    assert result.wrong_answers_while_down == {"500": 1, "no answer": 1}
    assert result.wrong_answer_samples == [
        "clients: 500 at +2.00 s after 0.01 s",
        "clients: no answer () at +3.00 s after 0.01 s",
    ]
    assert any("other than 503/504" in p for p in result.problems)


def test_missing_retry_after_is_a_problem() -> None:
    result = _figures([_obs(11.0, 503, retry=False), _obs(21.0, 200)])
    assert any("without Retry-After" in p for p in result.problems)


def test_slow_errors_are_a_problem() -> None:
    result = _figures([_obs(11.0, 504, took=5.0), _obs(21.0, 200)])
    assert result.time_to_error_p99_ms == pytest.approx(5000.0)
    assert any("time-to-error" in p for p in result.problems)


def test_no_recovery_is_a_problem() -> None:
    result = _figures([_obs(11.0, 503), _obs(21.0, 503)])
    assert result.recovery is None
    assert "clients did not recover" in result.problems


def test_slow_recovery_is_a_problem() -> None:
    result = _figures([_obs(11.0, 503), _obs(55.0, 200)])
    assert any("recovered after" in p for p in result.problems)


def test_a_request_answered_before_the_fault_bit_is_not_judged() -> None:
    # Started before the fault: not counted, even though it failed.
    result = _figures([_obs(9.99, 500, took=0.5), _obs(11.0, 503), _obs(21.0, 200)])
    assert result.problems == []


def test_a_success_that_straddles_the_repair_is_not_a_wrong_answer() -> None:
    result = _figures([_obs(11.0, 503), _obs(19.9, 200, took=0.5), _obs(21.0, 200)])
    assert result.requests_while_down == 1
    assert result.problems == []


def test_failures_where_the_load_must_keep_working_are_problems() -> None:
    seen = [_obs(11.0, 503), _obs(12.0, 503, WRITES), _obs(12.0, 503, "plans"), _obs(21.0, 200)]
    result = _figures(seen)
    assert result.errors_elsewhere == {f"{WRITES} 503": 1, "plans 503": 1}
    assert result.problems == [f"failed requests that should have succeeded: 1× {WRITES} 503"]


def test_keycloak_logins_fail_while_the_api_keeps_working() -> None:
    window = FaultWindow("keycloak", frozenset({LOGIN}), 10.0, 70.0, frozenset({"clients", WRITES}))
    seen = [_obs(12.0, 0, LOGIN, took=3.0), _obs(20.0, 200), _obs(30.0, 201, WRITES)]
    seen += [_obs(71.0, 0, LOGIN, took=3.0), _obs(75.0, 200, LOGIN, took=0.5)]
    result = _figures(seen, window)
    assert result.problems == []
    assert result.recovery_seconds == {LOGIN: pytest.approx(5.5)}
    broken = _figures([*seen, _obs(40.0, 401), _obs(41.0, 200, LOGIN)], window)
    assert "1 login(s) succeeded while Keycloak was stopped" in broken.problems
    assert any("clients 401" in p for p in broken.problems)
