"""A periodic round: runs at once and again, survives a failed round, ends on stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from kotopolku.common.periodic import run_every

log = logging.getLogger("test.periodic")


async def test_rounds_repeat_a_failure_is_logged_and_stop_ends_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()
    rounds: list[int] = []

    async def round_() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("Virtanen Amina")  # a message that may carry data
        if len(rounds) == 4:
            stop.set()

    with caplog.at_level(logging.WARNING, logger="test.periodic"):
        await asyncio.wait_for(run_every(stop, 0.01, round_, log, "round failed"), 5)
    assert rounds == [0, 1, 2, 3]
    [failure] = caplog.records
    assert failure.getMessage() == "round failed"
    assert failure.__dict__["error"] == "RuntimeError"
    assert "Virtanen" not in caplog.text


async def test_a_stop_during_the_wait_ends_it_at_once() -> None:
    stop = asyncio.Event()
    rounds = 0

    async def round_() -> None:
        nonlocal rounds
        rounds += 1
        asyncio.get_running_loop().call_later(0.05, stop.set)

    await asyncio.wait_for(run_every(stop, 3600, round_, log, "round failed"), 5)
    assert rounds == 1
