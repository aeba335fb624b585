"""Versions as ETags: reads return ``ETag: "<version>"``, updates require ``If-Match``."""

from __future__ import annotations

from kotopolku.gateway.problems import Problem


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int:
    if not if_match or if_match.strip() == "*":
        raise Problem(
            428,
            "precondition-required",
            "If-Match is required",
            "Send the ETag of the version you read in If-Match, so concurrent edits are detected",
        )
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Problem(
            412,
            "stale-version",
            "The resource has changed since it was read",
            "If-Match does not name a version of this resource",
        )
    return int(value)
