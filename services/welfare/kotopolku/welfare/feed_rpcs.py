"""The welfare area's change feed: read from a cursor, optionally waiting (long polling).

At-least-once: the cursor only moves when the consumer asks with the next cursor, so a consumer
that crashed after receiving a page reads it again; event ids are stable for deduplication.
"""

from __future__ import annotations

import asyncio
import time

from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import InvalidArgument, InvalidState
from kotopolku.common.identity import current_caller
from kotopolku.welfare import access, convert, feed
from kotopolku.welfare.domain.errors import WelfareDomainError
from kotopolku.welfare.domain.feed import decode_cursor, encode_cursor, read_limit, wait_seconds
from kotopolku.welfare.rpc_support import Context, RpcBase, invalid
from kotopolku.welfare.v1 import welfare_pb2 as pb


class CursorExpired(InvalidState):
    type = "cursor-expired"
    title = "The feed no longer holds the events after this cursor"


class FeedRpcs(RpcBase):
    async def ReadFeed(self, request: pb.ReadFeedRequest, context: Context) -> pb.ReadFeedResponse:
        caller = current_caller()
        area = access.welfare_area_of(caller, self._allow_list)
        try:
            after = decode_cursor(request.cursor, area)
            limit = read_limit(request.limit)
            wait = wait_seconds(request.wait_seconds)
        except WelfareDomainError as error:
            raise invalid(error) from None
        deadline = time.monotonic() + wait
        while True:
            # Taken before reading, so an append committed in between wakes us at once.
            signal = self._notifier.signal(area)
            try:
                async with self._db.transaction() as connection:
                    events, more = await feed.read(connection, area, after, limit)
                    if events:
                        # The feed carries ids and states only; reading it is recorded anyway.
                        await self._audit.record(
                            connection,
                            caller,
                            [
                                AuditEntry(
                                    action="feed.read",
                                    resource=f"feeds/{area}",
                                    fields=("events",),
                                )
                            ],
                        )
            except feed.FeedExpired:
                raise CursorExpired(
                    "Events after this cursor were removed after the retention period; "
                    "resynchronise and start from an empty cursor"
                ) from None
            except ValueError:
                raise InvalidArgument.field("cursor", "is not a cursor this feed issued") from None
            remaining = deadline - time.monotonic()
            if events or remaining <= 0:
                break
            try:
                await asyncio.wait_for(
                    signal.wait(), min(remaining, self._settings.feed_poll_seconds)
                )
            except TimeoutError:
                pass
        last = events[-1].position if events else after
        return pb.ReadFeedResponse(
            events=[convert.feed_message(e) for e in events],
            next_cursor=encode_cursor(area, last),
            more=more,
        )
