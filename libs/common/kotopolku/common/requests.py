"""Checks every service makes of the same request fields."""

from __future__ import annotations

import uuid

from kotopolku.common.errors import InvalidArgument, NotFound


def resource_id(value: str, field: str, what: str = "resource") -> str:
    """A UUID the service issued; anything else answers like an unknown id."""
    if not value:
        raise InvalidArgument.field(field, "is required")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound(f"No such {what}") from None


def expected_version(value: int) -> int:
    """The version an update was based on (the ETag of the read): required."""
    if value <= 0:
        raise InvalidArgument.field("expected_version", "is required (the ETag of the read)")
    return value
