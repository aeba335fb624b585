"""Archiving (IS service 17): retention rules, clients due for archiving, archive jobs, legal
holds, archival packages (metadata, download, verified listing) and disposal. Archivists and
officers of the client's municipality; holds, retrieval and disposal are the archivist's."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.gateway.archive_schemas import (
    ArchivalPackage,
    ArchivalPackagePage,
    ArchiveJob,
    ArchiveJobCreate,
    ArchiveJobPage,
    DisposalPage,
    DisposalRecord,
    DisposalRun,
    DueClient,
    DueClientPage,
    LegalHold,
    LegalHoldCreate,
    LegalHoldLift,
    LegalHoldPage,
    PackageVerification,
    RetentionRule,
    RetentionRules,
)
from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import (
    IdempotencyKey,
    IfMatch,
    PageSize,
    State,
    conflict,
)

router = APIRouter(tags=["archive"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=1000)]
TAR = "application/x-tar"
DOWNLOAD_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {TAR: {}}, "description": "The BagIt bag as a tar; Repr-Digest"}
}


def _job(response: Response, message: pb.ArchiveJob) -> ArchiveJob:
    response.headers["ETag"] = etag(message.version)
    return ArchiveJob.of(message)


def _hold(response: Response, message: pb.LegalHold) -> LegalHold:
    response.headers["ETag"] = etag(message.version)
    return LegalHold.of(message)


@router.get("/v1/archive/retention-rules", summary="The TOS: retention rules per record type")
async def retention_rules(caller: CurrentCaller, state: State) -> RetentionRules:
    found = await state.call(
        state.archive.ListRetentionRules, pb.ListRetentionRulesRequest(), caller
    )
    return RetentionRules(
        name=found.name, version=found.version, rules=[RetentionRule.of(r) for r in found.rules]
    )


@router.get(
    "/v1/archive/due-clients",
    summary="Clients whose plans have all ended: their active use is over",
)
async def due_clients(
    caller: CurrentCaller,
    state: State,
    ended_on_or_before: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> DueClientPage:
    found = await state.call(
        state.archive.ListDueClients,
        pb.ListDueClientsRequest(
            ended_on_or_before=ended_on_or_before, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return DueClientPage(
        items=[
            DueClient(
                client_id=c.client_id,
                last_plan_end_date=c.last_plan_end_date,
                archive_job_id=c.archive_job_id or None,
            )
            for c in found.clients
        ],
        next_page_token=found.next_page_token or None,
    )


@router.post(
    "/v1/archive/jobs",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Archive a client whose active use has ended: package, verify, minimise",
    responses=conflict("An archive job of the client is already under way"),
)
async def start_job(
    body: ArchiveJobCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> ArchiveJob:
    created = await state.call(
        state.archive.StartArchiveJob, body.message(idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/archive/jobs/{created.id}"
    return _job(response, created)


@router.get("/v1/archive/jobs", summary="Archive jobs of the caller's municipality")
async def list_jobs(
    caller: CurrentCaller,
    state: State,
    client_id: Annotated[str, Query(max_length=64)] = "",
    job_state: Annotated[str, Query(alias="state", max_length=20)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ArchiveJobPage:
    found = await state.call(
        state.archive.ListArchiveJobs,
        pb.ListArchiveJobsRequest(
            client_id=client_id, state=job_state, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return ArchiveJobPage(
        items=[ArchiveJob.of(j) for j in found.jobs],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/archive/jobs/{job_id}", summary="An archive job and its steps")
async def get_job(
    job_id: str, response: Response, caller: CurrentCaller, state: State
) -> ArchiveJob:
    found = await state.call(
        state.archive.GetArchiveJob, pb.GetArchiveJobRequest(job_id=job_id), caller
    )
    return _job(response, found)


@router.post(
    "/v1/archive/jobs/{job_id}/retry",
    summary="Go on with a failed archive job from the step that failed",
    responses=conflict("Only a failed job can be retried"),
)
async def retry_job(
    job_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> ArchiveJob:
    retried = await state.call(
        state.archive.RetryArchiveJob,
        pb.RetryArchiveJobRequest(job_id=job_id, expected_version=expected_version(if_match)),
        caller,
    )
    return _job(response, retried)


@router.post(
    "/v1/clients/{client_id}/legal-holds",
    status_code=status.HTTP_201_CREATED,
    summary="Put a legal hold on a client's records (archivists)",
)
async def set_hold(
    client_id: str,
    body: LegalHoldCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> LegalHold:
    created = await state.call(
        state.archive.SetLegalHold,
        pb.SetLegalHoldRequest(
            client_id=client_id, reason=body.reason, idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/archive/legal-holds/{created.id}"
    return _hold(response, created)


@router.get("/v1/archive/legal-holds", summary="Legal holds of the caller's municipality")
async def list_holds(
    caller: CurrentCaller,
    state: State,
    client_id: Annotated[str, Query(max_length=64)] = "",
    active_only: bool = False,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> LegalHoldPage:
    found = await state.call(
        state.archive.ListLegalHolds,
        pb.ListLegalHoldsRequest(
            client_id=client_id,
            active_only=active_only,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return LegalHoldPage(
        items=[LegalHold.of(h) for h in found.holds],
        next_page_token=found.next_page_token or None,
    )


@router.post(
    "/v1/archive/legal-holds/{hold_id}/lift",
    summary="Lift a legal hold (archivists); held archive jobs go on",
    responses=conflict("The hold has already been lifted"),
)
async def lift_hold(
    hold_id: str,
    body: LegalHoldLift,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> LegalHold:
    lifted = await state.call(
        state.archive.LiftLegalHold,
        pb.LiftLegalHoldRequest(
            hold_id=hold_id, reason=body.reason, expected_version=expected_version(if_match)
        ),
        caller,
    )
    return _hold(response, lifted)


@router.get("/v1/archive/packages", summary="Archival packages of the caller's municipality")
async def list_packages(
    caller: CurrentCaller,
    state: State,
    client_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ArchivalPackagePage:
    found = await state.call(
        state.archive.ListPackages,
        pb.ListPackagesRequest(client_id=client_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return ArchivalPackagePage(
        items=[ArchivalPackage.of(p) for p in found.packages],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/archive/packages/{package_id}", summary="An archival package's metadata")
async def get_package(
    package_id: str, response: Response, caller: CurrentCaller, state: State
) -> ArchivalPackage:
    found = await state.call(
        state.archive.GetPackage, pb.GetPackageRequest(package_id=package_id), caller
    )
    response.headers["ETag"] = etag(found.version)
    return ArchivalPackage.of(found)


@router.get(
    "/v1/archive/packages/{package_id}/content",
    summary="Download an archival package (archivists)",
    response_class=Response,
    responses=DOWNLOAD_DOC,
)
async def download_package(package_id: str, caller: CurrentCaller, state: State) -> Response:
    found = await state.call(
        state.archive.DownloadPackage, pb.DownloadPackageRequest(package_id=package_id), caller
    )
    digest = base64.b64encode(bytes.fromhex(found.sha256)).decode()
    return Response(
        found.content,
        media_type=found.media_type or TAR,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Repr-Digest": f"sha-256=:{digest}:",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/v1/archive/packages/{package_id}/verification",
    summary="Re-read a package from storage, validate the bag and list its contents (archivists)",
)
async def verify_package(
    package_id: str, caller: CurrentCaller, state: State
) -> PackageVerification:
    found = await state.call(
        state.archive.VerifyPackage, pb.VerifyPackageRequest(package_id=package_id), caller
    )
    return PackageVerification.of(found)


@router.post(
    "/v1/archive/packages/{package_id}/dispose",
    summary="Dispose of a package whose retention has ended (archivists)",
    responses=conflict("Not due, preserved permanently, held, or already disposed of"),
)
async def dispose_package(
    package_id: str, caller: CurrentCaller, state: State, if_match: IfMatch = None
) -> DisposalRecord:
    found = await state.call(
        state.archive.DisposePackage,
        pb.DisposePackageRequest(
            package_id=package_id, expected_version=expected_version(if_match)
        ),
        caller,
    )
    return DisposalRecord.of(found)


@router.post(
    "/v1/archive/disposal-runs",
    summary="Dispose of every package of the municipality whose retention has ended (archivists)",
)
async def run_disposal(caller: CurrentCaller, state: State) -> DisposalRun:
    found = await state.call(state.archive.RunDisposal, pb.RunDisposalRequest(), caller)
    return DisposalRun(disposed=[DisposalRecord.of(d) for d in found.disposed], held=found.held)


@router.get("/v1/archive/disposals", summary="Disposal records of the municipality (archivists)")
async def list_disposals(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> DisposalPage:
    found = await state.call(
        state.archive.ListDisposals,
        pb.ListDisposalsRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return DisposalPage(
        items=[DisposalRecord.of(d) for d in found.disposals],
        next_page_token=found.next_page_token or None,
    )
