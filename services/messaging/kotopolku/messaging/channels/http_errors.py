"""How the HTTP channels read an answer: what may pass on a retry and what never will."""

from __future__ import annotations

import httpx

from kotopolku.messaging.channels.base import ChannelFailure, PermanentFailure, TemporaryFailure

# Answers a later attempt may turn into success: timeouts, throttling, server trouble.
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


def failure_for(name: str, response: httpx.Response) -> ChannelFailure:
    status = response.status_code
    if status in _RETRYABLE or status >= 500:
        return TemporaryFailure(f"{name} {status}")
    return PermanentFailure(f"{name} {status}")


def transport_failure(name: str, error: httpx.HTTPError) -> TemporaryFailure:
    return TemporaryFailure(f"{name} {type(error).__name__}")
