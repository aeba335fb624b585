"""The welfare area's change feed: positions and cursors.

Each welfare area has its own sequence 1, 2, 3, … with no gaps. A position is taken by updating
the area's head row inside the transaction that writes the event, so a second transaction waits
on that row until the first commits or rolls back: positions become visible in the order they were
taken, and a reader that has seen position n has seen (or will never see) every earlier one.
A cursor over an autoincrement id would not be safe: ids are taken at insert time and committed in
any order, so a reader could pass an id whose transaction commits later and skip it for good.

The cursor is opaque to consumers: the welfare area and the last position it has read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from kotopolku.common import pagination
from kotopolku.welfare.domain.errors import WelfareDomainError

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 500
MAX_WAIT_SECONDS: Final = 20


class EventType:
    CONSULTATION_OPENED: Final = "consultation.opened"
    CONSULTATION_ANSWERED: Final = "consultation.answered"
    CONSULTATION_DECIDED: Final = "consultation.decided"
    COOPERATION_REQUESTED: Final = "cooperation.requested"
    COOPERATION_ANSWERED: Final = "cooperation.answered"
    COOPERATION_ENDED: Final = "cooperation.ended"
    BASIS_ADDED: Final = "disclosure-basis.added"
    BASIS_WITHDRAWN: Final = "disclosure-basis.withdrawn"
    DISCLOSURE_AVAILABLE: Final = "disclosure.available"


@dataclass(frozen=True, slots=True)
class FeedEventDraft:
    """An event to append: what happened to which resource. ``data`` holds ids and states only."""

    type: str
    resource: str
    data: dict[str, Any]


def encode_cursor(welfare_area: str, position: int) -> str:
    return pagination.encode_token({"a": welfare_area, "p": position})


def decode_cursor(cursor: str, welfare_area: str) -> int:
    """The last position read; 0 for an empty cursor. A cursor of another area is refused."""
    if not cursor:
        return 0
    try:
        position = pagination.decode_token(cursor)
    except Exception:
        raise WelfareDomainError("cursor", "is not a cursor this feed issued") from None
    if (
        position is None
        or position.get("a") != welfare_area
        or not isinstance(position.get("p"), int)
        or position["p"] < 0
    ):
        raise WelfareDomainError("cursor", "is not a cursor this feed issued")
    return int(position["p"])


def read_limit(requested: int) -> int:
    if requested < 0:
        raise WelfareDomainError("limit", "must not be negative")
    return min(requested or DEFAULT_LIMIT, MAX_LIMIT)


def wait_seconds(requested: int) -> int:
    if requested < 0 or requested > MAX_WAIT_SECONDS:
        raise WelfareDomainError("wait_seconds", f"must be between 0 and {MAX_WAIT_SECONDS}")
    return requested
