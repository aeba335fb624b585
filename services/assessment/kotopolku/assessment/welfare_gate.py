"""A welfare area's team member sees an assessment only while the welfare service allows it.

Being in the multi-sector team (access.viewer_of) is not enough: the welfare service must hold an
accepted cooperation for the assessment's client and that welfare area, covering multi-sector
assessments, on a disclosure basis (law or consent) that holds today. It is asked with the
welfare-area caller's own assertion and records every allowed read as a disclosure (which fields
went to which welfare area, when and why); what it does not allow answers as if it did not exist.
When the welfare service cannot be reached, nothing is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from kotopolku.common.errors import NOT_VISIBLE_CODES, DependencyUnavailable
from kotopolku.welfare.v1 import welfare_pb2, welfare_pb2_grpc

_CATEGORY = welfare_pb2.DATA_CATEGORY_MULTI_SECTOR_ASSESSMENT


class WelfareGate:
    def __init__(self, channel: grpc.aio.Channel, timeout: float = 5.0) -> None:
        self._stub = welfare_pb2_grpc.WelfareServiceStub(channel)
        self._timeout = timeout

    async def allowed(self, rows: Sequence[tuple[Any, Sequence[str]]]) -> list[bool]:
        """For each (assessment row, fields shown), whether the calling welfare area may see it
        now (recorded as a disclosure of those fields when it may)."""
        if not rows:
            return []
        request = welfare_pb2.AuthoriseDisclosuresRequest(
            items=[
                welfare_pb2.DisclosureItem(
                    client_id=row.client_id,
                    municipality_code=row.municipality_code,
                    category=_CATEGORY,
                    resource=f"assessments/{row.id}",
                    fields=list(fields),
                )
                for row, fields in rows
            ]
        )
        try:
            answer = await self._stub.AuthoriseDisclosures(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() in NOT_VISIBLE_CODES:
                return [False] * len(rows)
            raise DependencyUnavailable.of("welfare", error) from None
        return list(answer.allowed)
