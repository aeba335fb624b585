"""RecordFacts: the other services' reporting outboxes deliver here."""

from __future__ import annotations

from typing import Final

from kotopolku.common.clock import from_timestamp
from kotopolku.common.errors import InvalidArgument
from kotopolku.common.identity import current_caller
from kotopolku.reporting import access, convert, repository
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.facts import check_fact
from kotopolku.reporting.rpc_support import Context, RpcBase, invalid
from kotopolku.reporting.v1 import reporting_pb2 as pb

MAX_BATCH: Final = 5000


class FactRpcs(RpcBase):
    async def RecordFacts(
        self, request: pb.RecordFactsRequest, context: Context
    ) -> pb.RecordFactsResponse:
        sender = access.fact_sender(current_caller())
        if len(request.facts) > MAX_BATCH:
            raise InvalidArgument.field("facts", f"at most {MAX_BATCH} facts at a time")
        now = self._clock()
        rows = []
        for index, fact in enumerate(request.facts):
            where = f"facts[{index}]"
            kind, body = convert.fact_body(fact)
            try:
                day = check_fact(
                    sender,
                    kind,
                    fact.municipality_code,
                    fact.subject,
                    fact.record,
                    body,
                    field=where,
                )
            except ReportingDomainError as error:
                raise invalid(error) from None
            if len(fact.event_id) != 36 or not fact.HasField("occurred_at"):
                raise InvalidArgument.field(where, "needs an event_id (UUID) and occurred_at")
            rows.append(
                {
                    "event_id": fact.event_id,
                    "source": sender,
                    "kind": kind,
                    "municipality_code": fact.municipality_code,
                    "subject": fact.subject,
                    "record": fact.record,
                    "day": day,
                    "occurred_at": from_timestamp(fact.occurred_at),
                    "body": body,
                    "received_at": now,
                }
            )
        recorded = 0
        if rows:
            async with self._db.transaction() as connection:
                recorded = await repository.insert_facts(connection, rows)
        return pb.RecordFactsResponse(recorded=recorded, duplicates=len(rows) - recorded)
