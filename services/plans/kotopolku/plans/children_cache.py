"""The child rows of recently read plans, kept by plan id and version.

Every change to a plan's goals, services, approvals, history, reviews, extensions, transfers or
members raises the plan's version in the same transaction (the version is the plan's ETag, so
it must), so children read for one version are the children of that version for as long as it
is current. A read then costs one query for the plan rows instead of one per child table (the
plan read is the service's most frequent request). An entry for a version no longer current is
never asked for again and ages out. Entries expire after a few minutes as well, so that the
process does not keep a client's plan in memory long after it was needed.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PlanChildren:
    members: tuple[str, ...]
    goals: tuple[Any, ...]
    services: tuple[Any, ...]
    approvals: tuple[Any, ...]
    history: tuple[Any, ...]
    reviews: tuple[Any, ...]
    extensions: tuple[Any, ...]
    transfers: tuple[Any, ...]


class PlanChildrenCache:
    """A bounded least-recently-used map ``(plan id, version) -> PlanChildren``."""

    def __init__(
        self,
        max_entries: int = 2048,
        max_age_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[tuple[str, int], tuple[float, PlanChildren]] = OrderedDict()
        self._max_entries = max_entries
        self._max_age = max_age_seconds
        self._monotonic = monotonic

    def get(self, plan_id: str, version: int) -> PlanChildren | None:
        key = (plan_id, version)
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, children = entry
        if self._monotonic() - stored_at > self._max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return children

    def put(self, plan_id: str, version: int, children: PlanChildren) -> None:
        key = (plan_id, version)
        self._entries[key] = (self._monotonic(), children)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
