"""The cache of plan children: by plan id and version, bounded, and short-lived."""

from __future__ import annotations

from kotopolku.plans.children_cache import PlanChildren, PlanChildrenCache


def _children(goal: str) -> PlanChildren:
    return PlanChildren((), (goal,), (), (), (), (), (), ())


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_children_are_found_only_for_the_version_they_were_read_for() -> None:
    cache = PlanChildrenCache()
    cache.put("plan-1", 3, _children("A2"))
    assert cache.get("plan-1", 3) == _children("A2")
    assert cache.get("plan-1", 4) is None
    assert cache.get("plan-2", 3) is None


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = PlanChildrenCache(max_entries=2)
    cache.put("a", 1, _children("a"))
    cache.put("b", 1, _children("b"))
    assert cache.get("a", 1) is not None  # a is now the most recently used
    cache.put("c", 1, _children("c"))
    assert len(cache) == 2
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) == _children("a")
    assert cache.get("c", 1) == _children("c")


def test_entries_expire() -> None:
    clock = _Clock()
    cache = PlanChildrenCache(max_age_seconds=60, monotonic=clock)
    cache.put("a", 1, _children("a"))
    clock.now = 60
    assert cache.get("a", 1) == _children("a")
    clock.now = 60.5
    assert cache.get("a", 1) is None
    assert len(cache) == 0
