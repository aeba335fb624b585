"""A background round run every so many seconds until the service stops (counting gauges,
ending what lapsed): one failed round is logged and the next one tries again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def run_every(
    stop: asyncio.Event,
    interval: float,
    round_: Callable[[], Awaitable[object]],
    log: logging.Logger,
    failure: str,
) -> None:
    """Runs ``round_`` at once and then every ``interval`` seconds until ``stop`` is set. A
    failure is logged as ``failure`` with the error's type only: its message may carry data."""
    while not stop.is_set():
        try:
            await round_()
        except Exception as error:
            log.warning(failure, extra={"error": type(error).__name__})
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
