"""Request parameters and response documentation shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query

from kotopolku.gateway.auth.dependencies import gateway_state
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.state import GatewayState

State = Annotated[GatewayState, Depends(gateway_state)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A retried create with the same key returns the first result",
        max_length=200,
    ),
]
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description="The ETag of the version that was read")
]
PageSize = Annotated[int, Query(ge=1, le=200)]
# Documented answers of a conditional update.
PRECONDITIONS: dict[int | str, dict[str, object]] = {
    412: PROBLEM_RESPONSES[422] | {"description": "Stale If-Match"},
    428: PROBLEM_RESPONSES[422] | {"description": "If-Match missing"},
}


def conflict(description: str) -> dict[int | str, dict[str, object]]:
    """PRECONDITIONS plus a 409 for an operation the resource's state does not allow."""
    return PRECONDITIONS | {409: PROBLEM_RESPONSES[422] | {"description": description}}
