"""Archival packages: metadata, retrieval (download, verified listing) and disposal."""

from __future__ import annotations

import asyncio
from typing import Any

from kotopolku.archive import access, convert, repository
from kotopolku.archive.domain.jobs import PackageState
from kotopolku.archive.packaging import TAR_MEDIA_TYPE, verify_package
from kotopolku.archive.rpc_support import (
    Context,
    RpcBase,
    decode_position,
    entry,
    next_token,
    record_id,
)
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common import pagination
from kotopolku.common.clock import to_timestamp
from kotopolku.common.errors import DependencyUnavailable, InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.objectstore import (
    ObjectIntegrityError,
    ObjectNotFound,
    ObjectStoreError,
    get_verified,
)


class PackageRpcs(RpcBase):
    async def _package(
        self, caller: Caller, package_id: str, municipality: str, action: str
    ) -> Any:
        package_id = record_id(package_id, "package_id")
        async with self._db.transaction() as connection:
            row = await repository.package(connection, package_id)
            if row is None or row.municipality_code != municipality:
                raise NotFound("No such archival package")
            await self._audit.record(
                connection,
                caller,
                [entry(action, f"archival-packages/{row.id}", row.client_id, municipality)],
            )
        return row

    async def GetPackage(
        self, request: pb.GetPackageRequest, context: Context
    ) -> pb.ArchivalPackage:
        caller = current_caller()
        municipality = access.staff(caller)
        row = await self._package(caller, request.package_id, municipality, "archive-package.read")
        return convert.package(row)

    async def ListPackages(
        self, request: pb.ListPackagesRequest, context: Context
    ) -> pb.ListPackagesResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        client_id = record_id(request.client_id, "client_id") if request.client_id else ""
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.packages_page(
                connection,
                municipality,
                client_id=client_id,
                after=decode_position(request.page_token),
                limit=size + 1,
            )
            shown, token = next_token(rows, size, "created_at")
            await self._audit.record(
                connection,
                caller,
                [
                    entry(
                        "archive-package.read",
                        f"archival-packages/{r.id}",
                        r.client_id,
                        municipality,
                    )
                    for r in shown
                ],
            )
        return pb.ListPackagesResponse(
            packages=[convert.package(r) for r in shown], next_page_token=token
        )

    async def _content(self, row: Any) -> bytes:
        if row.state == PackageState.DISPOSED.value:
            raise InvalidState("The package has been disposed of")
        try:
            return await get_verified(self._store, row.object_key, row.sha256)
        except ObjectIntegrityError:
            raise InvalidState("The stored package does not match its checksum") from None
        except ObjectNotFound:
            raise InvalidState("The stored package is missing") from None
        except ObjectStoreError:
            raise DependencyUnavailable("Object storage did not answer; try again") from None

    async def DownloadPackage(
        self, request: pb.DownloadPackageRequest, context: Context
    ) -> pb.PackageContent:
        caller = current_caller()
        municipality = access.archivist(caller)
        row = await self._package(
            caller, request.package_id, municipality, "archive-package.download"
        )
        content = await self._content(row)
        return pb.PackageContent(
            media_type=TAR_MEDIA_TYPE,
            filename=f"kotopolku-package-{row.id}.tar",
            content=content,
            sha256=row.sha256,
        )

    async def VerifyPackage(
        self, request: pb.VerifyPackageRequest, context: Context
    ) -> pb.PackageVerification:
        caller = current_caller()
        municipality = access.archivist(caller)
        row = await self._package(
            caller, request.package_id, municipality, "archive-package.verify"
        )
        try:
            content = await self._content(row)
        except InvalidState as problem:
            if row.state == PackageState.DISPOSED.value:
                raise
            return pb.PackageVerification(
                package_id=row.id,
                valid=False,
                problem=problem.detail,
                verified_at=to_timestamp(self._clock()),
            )
        result = await asyncio.to_thread(verify_package, content)
        return pb.PackageVerification(
            package_id=row.id,
            valid=result.valid,
            problem=result.problem,
            bag_info=result.bag_info,
            files=[
                pb.PackageFile(path=f.path, size_bytes=f.size, sha256=f.sha256)
                for f in result.files
            ],
            verified_at=to_timestamp(self._clock()),
        )

    async def DisposePackage(
        self, request: pb.DisposePackageRequest, context: Context
    ) -> pb.DisposalRecord:
        caller = current_caller()
        municipality = access.archivist(caller)
        package_id = record_id(request.package_id, "package_id")
        async with self._db.transaction() as connection:
            row = await repository.package(connection, package_id)
        if row is None or row.municipality_code != municipality:
            raise NotFound("No such archival package")
        if row.version != request.expected_version:
            raise StaleVersion("The package has changed since it was read")
        self._disposer.check_due(row)
        return convert.disposal(await self._disposer.dispose(row, caller))

    async def RunDisposal(
        self, request: pb.RunDisposalRequest, context: Context
    ) -> pb.RunDisposalResponse:
        caller = current_caller()
        municipality = access.archivist(caller)
        disposed, held = await self._disposer.dispose_due(caller, municipality)
        return pb.RunDisposalResponse(disposed=[convert.disposal(r) for r in disposed], held=held)

    async def ListDisposals(
        self, request: pb.ListDisposalsRequest, context: Context
    ) -> pb.ListDisposalsResponse:
        caller = current_caller()
        municipality = access.archivist(caller)
        size = pagination.page_size(request.page_size)
        async with self._db.transaction() as connection:
            rows = await repository.disposals_page(
                connection, municipality, after=decode_position(request.page_token), limit=size + 1
            )
        shown, token = next_token(rows, size, "disposed_at")
        return pb.ListDisposalsResponse(
            disposals=[convert.disposal(r) for r in shown], next_page_token=token
        )
