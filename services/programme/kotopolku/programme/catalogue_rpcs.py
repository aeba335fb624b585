"""RPCs of the programme catalogue: providers and programme services."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain import ClientDomainError, validate_language_code
from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import AlreadyExists, NotFound, StaleVersion
from kotopolku.common.identity import current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.programme import access, convert, repository
from kotopolku.programme.domain import ServiceType
from kotopolku.programme.enums import from_proto
from kotopolku.programme.rpc_support import (
    Context,
    RpcBase,
    fingerprint,
    idempotency_key,
)
from kotopolku.programme.v1 import programme_pb2
from kotopolku.programme.validation import (
    SERVICE_FIELDS,
    Collector,
    check_service,
    parse_date,
    provider_values,
    service_values,
)


def _provider_entry(row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    # Contact persons' names and addresses are personal data: their reads are recorded too.
    return AuditEntry(
        action=action,
        resource=f"providers/{row.id}",
        municipality=row.municipality_code,
        fields=fields,
    )


def _service_entry(row: Any, action: str, fields: tuple[str, ...]) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"programme-services/{row.id}",
        municipality=row.municipality_code,
        fields=fields,
    )


def _stored_service(row: Any) -> dict[str, Any]:
    """A service row in the shape of validated values, for the rules across fields."""
    values = {name: getattr(row, name) for name in SERVICE_FIELDS}
    values["type"] = ServiceType(row.type)
    values["intake_dates"] = [date.fromisoformat(day) for day in row.intake_dates or []]
    return values


class CatalogueRpcs(RpcBase):
    # --- providers -----------------------------------------------------------------------

    async def CreateProvider(
        self, request: programme_pb2.CreateProviderRequest, context: Context
    ) -> programme_pb2.Provider:
        caller = current_caller()
        municipality = access.catalogue_writer(caller)
        values = provider_values(request.provider)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateProvider", digest
                )
                if existing is not None:
                    row = await repository.get_provider(connection, municipality, existing)
                    if row is None:
                        raise NotFound("The provider created with this key is gone")
                    return convert.provider_message(row)
            if await repository.get_provider(connection, municipality, values["id"]):
                raise AlreadyExists("A provider with this id already exists in the municipality")
            if await repository.business_id_taken(connection, municipality, values["business_id"]):
                raise AlreadyExists("Another provider of the municipality has this business id")
            try:
                row = await repository.insert_provider(
                    connection, municipality, values, self._now()
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateProvider", digest, row.id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The provider was created concurrently") from error
            await self._audit.record(
                connection,
                caller,
                [_provider_entry(row, "provider.create", convert.PROVIDER_FIELDS)],
            )
            return convert.provider_message(row)

    async def GetProvider(
        self, request: programme_pb2.GetProviderRequest, context: Context
    ) -> programme_pb2.Provider:
        caller = current_caller()
        seen = access.viewer(caller)
        async with self._db.transaction() as connection:
            row = await repository.get_provider(
                connection, seen.municipality, request.provider_id.strip()
            )
            if row is None or not seen.may_see_provider(row):
                raise NotFound("No such provider")
            await self._audit.record(
                connection, caller, [_provider_entry(row, "provider.read", convert.PROVIDER_FIELDS)]
            )
            return convert.provider_message(row)

    async def UpdateProvider(
        self, request: programme_pb2.UpdateProviderRequest, context: Context
    ) -> programme_pb2.Provider:
        caller = current_caller()
        municipality = access.catalogue_writer(caller)
        paths = list(request.update_mask.paths)
        expected_version(request.expected_version)
        values = provider_values(request.provider, paths)
        async with self._db.transaction() as connection:
            row = await repository.get_provider(
                connection, municipality, request.provider_id.strip()
            )
            if row is None:
                raise NotFound("No such provider")
            if "business_id" in values and await repository.business_id_taken(
                connection, municipality, values["business_id"], except_id=row.id
            ):
                raise AlreadyExists("Another provider of the municipality has this business id")
            if not await repository.update_provider(
                connection, municipality, row.id, request.expected_version, values, self._now()
            ):
                raise StaleVersion(
                    f"The provider is at version {row.version}, not {request.expected_version}"
                )
            updated = await repository.get_provider(connection, municipality, row.id)
            await self._audit.record(
                connection,
                caller,
                [_provider_entry(updated, "provider.update", tuple(sorted(values)))],
            )
            return convert.provider_message(updated)

    async def ListProviders(
        self, request: programme_pb2.ListProvidersRequest, context: Context
    ) -> programme_pb2.ListProvidersResponse:
        caller = current_caller()
        seen = access.viewer(caller)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = str(position["i"]) if position else None
        async with self._db.transaction() as connection:
            rows = await repository.list_providers(
                connection, seen.municipality, seen.provider, after, size + 1
            )
            page = rows[:size]
            await self._audit.record(
                connection,
                caller,
                [_provider_entry(r, "provider.read", convert.PROVIDER_FIELDS) for r in page],
            )
        token = pagination.encode_token({"i": page[-1].id}) if len(rows) > size else ""
        return programme_pb2.ListProvidersResponse(
            providers=[convert.provider_message(r) for r in page], next_page_token=token
        )

    # --- programme services --------------------------------------------------------------

    async def _check_provider(
        self,
        connection: AsyncConnection,
        municipality: str,
        provider_id: str | None,
        collector: Collector,
    ) -> None:
        if provider_id is None:
            return  # already reported as malformed
        if await repository.get_provider(connection, municipality, provider_id) is None:
            collector.fail("provider_id", "is not a provider of the municipality")

    async def CreateCatalogueService(
        self, request: programme_pb2.CreateCatalogueServiceRequest, context: Context
    ) -> programme_pb2.CatalogueService:
        caller = current_caller()
        municipality = access.catalogue_writer(caller)
        values, collector = service_values(request.service)
        values["intake_dates"] = check_service(values, SERVICE_FIELDS, 0, collector)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateCatalogueService", digest
                )
                if existing is not None:
                    row = await repository.get_service(connection, existing)
                    assert row is not None
                    return convert.service_message(row)
            await self._check_provider(connection, municipality, values["provider_id"], collector)
            collector.raise_if_any()
            values["type"] = values["type"].value
            row = await repository.insert_service(connection, municipality, values, self._now())
            if key:
                await self._idempotency.remember(
                    connection, caller.subject, key, "CreateCatalogueService", digest, row.id
                )
            await self._audit.record(
                connection,
                caller,
                [_service_entry(row, "programme-service.create", tuple(sorted(SERVICE_FIELDS)))],
            )
            return convert.service_message(row)

    async def GetCatalogueService(
        self, request: programme_pb2.GetCatalogueServiceRequest, context: Context
    ) -> programme_pb2.CatalogueService:
        seen = access.viewer(current_caller())
        service_id = resource_id(request.service_id, "service_id")
        async with self._db.transaction() as connection:
            row = await repository.get_service(connection, service_id)
        if row is None or not seen.may_see_service(row):
            raise NotFound("No such programme service")
        return convert.service_message(row)

    async def UpdateCatalogueService(
        self, request: programme_pb2.UpdateCatalogueServiceRequest, context: Context
    ) -> programme_pb2.CatalogueService:
        caller = current_caller()
        municipality = access.catalogue_writer(caller)
        paths = list(request.update_mask.paths)
        expected_version(request.expected_version)
        service_id = resource_id(request.service_id, "service_id")
        values, collector = service_values(request.service, paths)
        async with self._db.transaction() as connection:
            row = await repository.get_service(connection, service_id)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such programme service")
            merged = {**_stored_service(row), **values}
            intakes = check_service(merged, values, row.active_enrolments, collector)
            if "provider_id" in values:
                await self._check_provider(
                    connection, municipality, values["provider_id"], collector
                )
            collector.raise_if_any()
            if "intake_dates" in values:
                values["intake_dates"] = intakes
            if not await repository.update_service(
                connection, row.id, request.expected_version, values, self._now()
            ):
                raise StaleVersion(
                    f"The service is at version {row.version}, not {request.expected_version}"
                    " (or its enrolments changed)"
                )
            updated = await repository.get_service(connection, row.id)
            await self._audit.record(
                connection,
                caller,
                [_service_entry(updated, "programme-service.update", tuple(sorted(values)))],
            )
            return convert.service_message(updated)

    async def SearchCatalogueServices(
        self, request: programme_pb2.SearchCatalogueServicesRequest, context: Context
    ) -> programme_pb2.SearchCatalogueServicesResponse:
        seen = access.viewer(current_caller())
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (str(position["t"]), str(position["n"]), str(position["i"])) if position else None
        filters = self._search_filters(request, seen)
        if filters is None:
            return programme_pb2.SearchCatalogueServicesResponse()
        async with self._db.transaction() as connection:
            rows = await repository.search_services(connection, filters, after, size + 1)
        page = rows[:size]
        token = (
            pagination.encode_token({"t": page[-1].type, "n": page[-1].name, "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return programme_pb2.SearchCatalogueServicesResponse(
            services=[convert.service_message(r) for r in page], next_page_token=token
        )

    def _search_filters(
        self, request: programme_pb2.SearchCatalogueServicesRequest, seen: access.Viewer
    ) -> repository.ServiceFilters | None:
        """The filters of a search; None when it can find nothing (another provider's)."""
        collector = Collector()
        language = None
        if request.language.strip():
            try:
                language = validate_language_code(request.language, field="language")
            except ClientDomainError as error:
                collector.fail("language", error.message)
        intake = collector.check(
            "intake_on_or_after",
            lambda: parse_date(request.intake_on_or_after, "intake_on_or_after", required=False),
        )
        valid_on = collector.check(
            "valid_on", lambda: parse_date(request.valid_on, "valid_on", required=False)
        )
        kind = from_proto(ServiceType, request.type)
        if request.type and kind is None:
            collector.fail("type", "is not a known service type")
        collector.raise_if_any()
        provider = seen.provider
        wanted = request.provider_id.strip() or None
        if provider is not None and wanted not in (None, provider):
            return None
        return repository.ServiceFilters(
            municipality=seen.municipality,
            provider=provider or wanted,
            type=kind.value if kind is not None else None,
            language=language,
            intake_on_or_after=intake,
            has_free_places=request.has_free_places,
            valid_on=valid_on,
        )
