"""RPCs of service points, client visits and anonymous visits, and the consented link from an
anonymous visit to a client."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.errors import AlreadyExists, InvalidArgument, NotFound, StaleVersion
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.guidance import access, convert, repository
from kotopolku.guidance.domain import validate_text
from kotopolku.guidance.rpc_support import (
    Context,
    RpcBase,
    client_entry,
    day_position,
    day_token,
    fingerprint,
    idempotency_key,
    subjectless_entry,
)
from kotopolku.guidance.tables import ANONYMOUS_VISIT_COLUMNS
from kotopolku.guidance.v1 import guidance_pb2 as pb
from kotopolku.guidance.validation import (
    VISIT_UPDATABLE,
    anonymous_values,
    checked,
    new_visit_client,
    optional_date,
    parse_uuid,
    update_mask,
    visit_values,
)

ANONYMOUS_FIELDS = tuple(c for c in ANONYMOUS_VISIT_COLUMNS if c != "id")


class VisitRpcs(RpcBase):
    # --- service points ------------------------------------------------------------------

    async def CreateServicePoint(
        self, request: pb.CreateServicePointRequest, context: Context
    ) -> pb.ServicePoint:
        caller = current_caller()
        municipality = access.service_point_writer(caller)
        name = checked(
            "name",
            lambda: validate_text(
                request.service_point.name,
                field="name",
                max_length=200,
                required=True,
            ),
        )
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller, key, "CreateServicePoint", digest)
            if existing is not None:
                row = await repository.get_service_point(connection, existing)
                assert row is not None
                return convert.service_point_message(row)
            if await repository.service_point_named(connection, municipality, name):
                raise AlreadyExists("The municipality already has a service point of this name")
            try:
                row = await repository.insert_service_point(
                    connection,
                    {
                        "municipality_code": municipality,
                        "name": name,
                        "low_threshold": request.service_point.low_threshold,
                    },
                    self._now(),
                )
                await self._remember(connection, caller, key, "CreateServicePoint", digest, row.id)
            except IntegrityError as error:
                raise AlreadyExists("The service point was created concurrently") from error
            await self._audit.record(
                connection,
                caller,
                [subjectless_entry("service-points", row, "service-point.create", ("name",))],
            )
            return convert.service_point_message(row)

    async def ListServicePoints(
        self, request: pb.ListServicePointsRequest, context: Context
    ) -> pb.ListServicePointsResponse:
        municipality = access.reader(current_caller())
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (str(position.get("n")), str(position.get("i"))) if position else None
        async with self._db.transaction() as connection:
            rows = list(
                await repository.list_service_points(connection, municipality, after, size + 1)
            )
        token = (
            pagination.encode_token({"n": rows[size - 1].name, "i": rows[size - 1].id})
            if len(rows) > size
            else ""
        )
        return pb.ListServicePointsResponse(
            service_points=[convert.service_point_message(r) for r in rows[:size]],
            next_page_token=token,
        )

    async def _service_point(
        self,
        connection: AsyncConnection,
        municipality: str,
        point_id: str | None,
        field: str,
        *,
        low_threshold: bool = False,
    ) -> None:
        if point_id is None:
            return
        row = await repository.get_service_point(connection, point_id)
        if row is None or row.municipality_code != municipality:
            raise InvalidArgument.field(field, "is not a service point of the municipality")
        if low_threshold and not row.low_threshold:
            raise InvalidArgument.field(
                field, "anonymous visits are recorded at low-threshold service points only"
            )

    # --- client visits -------------------------------------------------------------------

    async def _visible_visit(
        self,
        connection: AsyncConnection,
        caller: Caller,
        municipality: str,
        visit_id: str,
        action: str,
    ) -> Any:
        row = await repository.get_visit(connection, resource_id(visit_id, "visit_id", "visit"))
        if row is None or row.municipality_code != municipality:
            await self._audit_refusal(caller, action, f"visits/{visit_id}", row)
            raise NotFound("No such visit")
        return row

    async def CreateVisit(self, request: pb.CreateVisitRequest, context: Context) -> pb.Visit:
        caller = current_caller()
        municipality = access.writer(caller)
        client_id = new_visit_client(request.visit)
        values = visit_values(request.visit, self._today())
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller, key, "CreateVisit", digest)
            if existing is not None:
                row = await repository.get_visit(connection, existing)
                assert row is not None
                await self._audit.record(
                    connection,
                    caller,
                    [client_entry("visits", row, "visit.read", convert.VISIT_FIELDS)],
                )
                return convert.visit_message(row)
        # Outside the transaction: the clients service answers for itself (and audits its read).
        await self._clients.require_client(client_id, "client_id")
        now = self._now()
        async with self._db.transaction() as connection:
            await self._service_point(
                connection, municipality, values["service_point_id"], "service_point_id"
            )
            try:
                row = await repository.insert_visit(
                    connection,
                    {
                        **values,
                        "municipality_code": municipality,
                        "client_id": client_id,
                        "recorded_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                await self._remember(connection, caller, key, "CreateVisit", digest, row.id)
            except IntegrityError as error:
                raise AlreadyExists("The visit was created concurrently") from error
            await self._audit.record(
                connection,
                caller,
                [client_entry("visits", row, "visit.create", convert.VISIT_FIELDS)],
            )
            return convert.visit_message(row)

    async def GetVisit(self, request: pb.GetVisitRequest, context: Context) -> pb.Visit:
        caller = current_caller()
        municipality = access.reader(caller)
        async with self._db.transaction() as connection:
            row = await self._visible_visit(
                connection, caller, municipality, request.visit_id, "visit.read"
            )
            await self._audit.record(
                connection,
                caller,
                [client_entry("visits", row, "visit.read", convert.VISIT_FIELDS)],
            )
            return convert.visit_message(row)

    async def UpdateVisit(self, request: pb.UpdateVisitRequest, context: Context) -> pb.Visit:
        caller = current_caller()
        municipality = access.writer(caller)
        paths = update_mask(list(request.update_mask.paths), VISIT_UPDATABLE)
        expected_version(request.expected_version)
        async with self._db.transaction() as connection:
            row = await self._visible_visit(
                connection, caller, municipality, request.visit_id, "visit.update"
            )
            merged = convert.visit_message(row)
            for path in paths:
                if path in ("topics", "referrals"):
                    merged.ClearField(path)  # type: ignore[arg-type]
                    getattr(merged, path).extend(getattr(request.visit, path))
                elif path == "interpreter":
                    merged.interpreter.CopyFrom(request.visit.interpreter)
                else:
                    setattr(merged, path, getattr(request.visit, path))
            values = visit_values(merged, self._today())
            await self._service_point(
                connection, municipality, values["service_point_id"], "service_point_id"
            )
            if not await repository.update_visit(
                connection, row.id, request.expected_version, values, self._now()
            ):
                raise StaleVersion(
                    f"The visit is at version {row.version}, not {request.expected_version}"
                )
            updated = await repository.get_visit(connection, row.id)
            await self._audit.record(
                connection,
                caller,
                [client_entry("visits", updated, "visit.update", tuple(sorted(paths)))],
            )
            return convert.visit_message(updated)

    async def ListClientVisits(
        self, request: pb.ListClientVisitsRequest, context: Context
    ) -> pb.ListVisitsResponse:
        caller = current_caller()
        municipality = access.reader(caller)
        client_id = checked("client_id", lambda: parse_uuid(request.client_id, "client_id"))
        size = pagination.page_size(request.page_size)
        after = day_position(request.page_token)
        async with self._db.transaction() as connection:
            rows = list(
                await repository.list_client_visits(
                    connection, municipality, client_id, after, size + 1
                )
            )
            page = rows[:size]
            await self._audit.record(
                connection,
                caller,
                [
                    client_entry("visits", r, "visit.list-result", convert.VISIT_FIELDS)
                    for r in page
                ],
            )
        return pb.ListVisitsResponse(
            visits=[convert.visit_message(r) for r in page],
            next_page_token=day_token(rows, size, "visited_on"),
        )

    # --- anonymous visits ----------------------------------------------------------------

    async def CreateAnonymousVisit(
        self, request: pb.CreateAnonymousVisitRequest, context: Context
    ) -> pb.AnonymousVisit:
        caller = current_caller()
        municipality = access.writer(caller)
        values = anonymous_values(request.visit, self._today())
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller, key, "CreateAnonymousVisit", digest)
            if existing is not None:
                row = await repository.get_anonymous_visit(connection, existing)
                assert row is not None
                return convert.anonymous_visit_message(row, linked=False)
            await self._service_point(
                connection,
                municipality,
                values["service_point_id"],
                "service_point_id",
                low_threshold=True,
            )
            row = await repository.insert_anonymous_visit(
                connection, {**values, "municipality_code": municipality}
            )
            await self._remember(connection, caller, key, "CreateAnonymousVisit", digest, row.id)
            await self._audit.record(
                connection,
                caller,
                [
                    subjectless_entry(
                        "anonymous-visits", row, "anonymous-visit.create", ANONYMOUS_FIELDS
                    )
                ],
            )
            return convert.anonymous_visit_message(row, linked=False)

    async def _visible_anonymous(
        self, connection: AsyncConnection, municipality: str, visit_id: str
    ) -> Any:
        row = await repository.get_anonymous_visit(
            connection, resource_id(visit_id, "anonymous_visit_id", "anonymous visit")
        )
        if row is None or row.municipality_code != municipality:
            raise NotFound("No such anonymous visit")
        return row

    async def GetAnonymousVisit(
        self, request: pb.GetAnonymousVisitRequest, context: Context
    ) -> pb.AnonymousVisit:
        municipality = access.reader(current_caller())
        async with self._db.transaction() as connection:
            row = await self._visible_anonymous(
                connection, municipality, request.anonymous_visit_id
            )
            linked = await repository.linked_anonymous_ids(connection, [row.id])
        return convert.anonymous_visit_message(row, linked=row.id in linked)

    async def ListAnonymousVisits(
        self, request: pb.ListAnonymousVisitsRequest, context: Context
    ) -> pb.ListAnonymousVisitsResponse:
        municipality = access.reader(current_caller())
        size = pagination.page_size(request.page_size)
        after = day_position(request.page_token)
        filters = repository.AnonymousFilters(
            municipality=municipality,
            visited_from=checked(
                "visited_from", lambda: optional_date(request.visited_from, "visited_from")
            ),
            visited_until=checked(
                "visited_until", lambda: optional_date(request.visited_until, "visited_until")
            ),
            service_point_id=(
                checked(
                    "service_point_id",
                    lambda: parse_uuid(request.service_point_id, "service_point_id"),
                )
                if request.service_point_id
                else None
            ),
        )
        async with self._db.transaction() as connection:
            rows = list(
                await repository.list_anonymous_visits(connection, filters, after, size + 1)
            )
            page = rows[:size]
            linked = await repository.linked_anonymous_ids(connection, [r.id for r in page])
        return pb.ListAnonymousVisitsResponse(
            visits=[convert.anonymous_visit_message(r, linked=r.id in linked) for r in page],
            next_page_token=day_token(rows, size, "visited_on"),
        )

    async def LinkAnonymousVisit(
        self, request: pb.LinkAnonymousVisitRequest, context: Context
    ) -> pb.Visit:
        caller = current_caller()
        municipality = access.writer(caller)
        client_id = checked("client_id", lambda: parse_uuid(request.client_id, "client_id"))
        consent_id = checked("consent_id", lambda: parse_uuid(request.consent_id, "consent_id"))
        notes = checked(
            "notes", lambda: validate_text(request.notes, field="notes", max_length=4000)
        )
        async with self._db.transaction() as connection:
            anonymous = await self._visible_anonymous(
                connection, municipality, request.anonymous_visit_id
            )
            earlier = await repository.visit_of_anonymous(connection, anonymous.id)
        if earlier is not None:
            if earlier.client_id == client_id and earlier.consent_id == consent_id:
                return await self.GetVisit(pb.GetVisitRequest(visit_id=earlier.id), context)
            raise AlreadyExists("The anonymous visit is already linked")
        # The clients service checks that the client is the caller's to see and audits the read.
        if not await self._clients.link_consent_is_valid(client_id, consent_id):
            raise InvalidArgument.field(
                "consent_id",
                "is not a valid consent of the client to link counselling visits "
                "(purpose counselling-visit-link)",
            )
        now = self._now()
        async with self._db.transaction() as connection:
            values: dict[str, Any] = {
                name: getattr(anonymous, name)
                for name in (
                    "service_point_id",
                    "visited_on",
                    "channel",
                    "language",
                    "topics",
                    "interpreter_used",
                    "interpreter_language",
                    "referrals",
                    "follow_up",
                )
            }
            try:
                row = await repository.insert_visit(
                    connection,
                    {
                        **values,
                        "municipality_code": municipality,
                        "client_id": client_id,
                        "follow_up_due": None,
                        "notes": notes,
                        "anonymous_visit_id": anonymous.id,
                        "consent_id": consent_id,
                        "recorded_by": caller.subject,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            except IntegrityError as error:
                raise AlreadyExists("The anonymous visit was linked concurrently") from error
            await self._audit.record(
                connection,
                caller,
                [
                    client_entry(
                        "visits", row, "anonymous-visit.link", ("anonymous_visit_id", "consent_id")
                    )
                ],
            )
            return convert.visit_message(row)
