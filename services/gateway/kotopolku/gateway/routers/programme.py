"""The integration programme (IS service 7): providers, the catalogue of programme services,
enrolments from integration plans, and what providers report (attendance, interruption,
completion)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.programme_schemas import (
    ENROLMENT_STATES,
    AttendanceIn,
    AttendanceRecord,
    CompletionIn,
    Enrolment,
    EnrolmentCreate,
    EnrolmentPage,
    EnrolmentState,
    InterruptionIn,
    ProgrammeService,
    Provider,
    ProviderCreate,
    ProviderPage,
    ProviderPatch,
    ServiceCreate,
    ServicePage,
    ServicePatch,
    ServiceSearch,
)
from kotopolku.gateway.routers.params import PRECONDITIONS, IdempotencyKey, IfMatch, State
from kotopolku.programme.v1 import programme_pb2 as pb

router = APIRouter(tags=["programme"], responses=PROBLEM_RESPONSES)
ENDED: dict[int | str, dict[str, object]] = {
    **PRECONDITIONS,
    409: PROBLEM_RESPONSES[422] | {"description": "The enrolment has already ended"},
}


def _provider(response: Response, message: pb.Provider) -> Provider:
    response.headers["ETag"] = etag(message.version)
    return Provider.of(message)


def _service(response: Response, message: pb.CatalogueService) -> ProgrammeService:
    response.headers["ETag"] = etag(message.version)
    return ProgrammeService.of(message)


def _enrolment(response: Response, message: pb.Enrolment) -> Enrolment:
    response.headers["ETag"] = etag(message.version)
    return Enrolment.of(message)


# --- providers ---------------------------------------------------------------------------------


@router.post(
    "/v1/programme/providers",
    status_code=status.HTTP_201_CREATED,
    summary="Register a service provider (municipal officers, managers)",
)
async def create_provider(
    body: ProviderCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Provider:
    created = await state.call(
        state.programme.CreateProvider,
        pb.CreateProviderRequest(provider=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/programme/providers/{created.id}"
    return _provider(response, created)


@router.get(
    "/v1/programme/providers",
    summary="Providers of the caller's municipality (a provider: its own record)",
)
async def list_providers(
    caller: CurrentCaller,
    state: State,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=1000)] = "",
) -> ProviderPage:
    found = await state.call(
        state.programme.ListProviders,
        pb.ListProvidersRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return ProviderPage(
        items=[Provider.of(p) for p in found.providers],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/programme/providers/{provider_id}", summary="Read a provider")
async def get_provider(
    provider_id: str, response: Response, caller: CurrentCaller, state: State
) -> Provider:
    found = await state.call(
        state.programme.GetProvider, pb.GetProviderRequest(provider_id=provider_id), caller
    )
    return _provider(response, found)


@router.patch(
    "/v1/programme/providers/{provider_id}",
    summary="Change some fields of a provider",
    responses=PRECONDITIONS,
)
async def update_provider(
    provider_id: str,
    body: ProviderPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Provider:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateProviderRequest(
        provider_id=provider_id, provider=message, expected_version=version
    )
    request.update_mask.paths.extend(paths)
    updated = await state.call(state.programme.UpdateProvider, request, caller)
    return _provider(response, updated)


# --- the catalogue -----------------------------------------------------------------------------


@router.post(
    "/v1/programme/services",
    status_code=status.HTTP_201_CREATED,
    summary="Add a service to the integration programme (municipal officers, managers)",
)
async def create_service(
    body: ServiceCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> ProgrammeService:
    created = await state.call(
        state.programme.CreateCatalogueService,
        pb.CreateCatalogueServiceRequest(
            service=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/programme/services/{created.id}"
    return _service(response, created)


@router.post(
    "/v1/programme/services/search",
    summary="Search the catalogue by type, language, intake and free places",
)
async def search_services(body: ServiceSearch, caller: CurrentCaller, state: State) -> ServicePage:
    found = await state.call(state.programme.SearchCatalogueServices, body.message(), caller)
    return ServicePage(
        items=[ProgrammeService.of(s) for s in found.services],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/programme/services/{service_id}", summary="Read a programme service")
async def get_service(
    service_id: str, response: Response, caller: CurrentCaller, state: State
) -> ProgrammeService:
    found = await state.call(
        state.programme.GetCatalogueService,
        pb.GetCatalogueServiceRequest(service_id=service_id),
        caller,
    )
    return _service(response, found)


@router.patch(
    "/v1/programme/services/{service_id}",
    summary="Change some fields of a programme service",
    responses=PRECONDITIONS,
)
async def update_service(
    service_id: str,
    body: ServicePatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> ProgrammeService:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateCatalogueServiceRequest(
        service_id=service_id, service=message, expected_version=version
    )
    request.update_mask.paths.extend(paths)
    updated = await state.call(state.programme.UpdateCatalogueService, request, caller)
    return _service(response, updated)


# --- enrolments --------------------------------------------------------------------------------


@router.post(
    "/v1/enrolments",
    status_code=status.HTTP_201_CREATED,
    summary="Enrol a client in a programme service of their plan (officers)",
    responses={409: PROBLEM_RESPONSES[422] | {"description": "No free places, or ended"}},
)
async def create_enrolment(
    body: EnrolmentCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Enrolment:
    created = await state.call(
        state.programme.CreateEnrolment, body.message(idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/enrolments/{created.id}"
    return _enrolment(response, created)


@router.get(
    "/v1/enrolments",
    summary="Enrolments, oldest first (a provider: those of its own services)",
)
async def list_enrolments(
    caller: CurrentCaller,
    state: State,
    service_id: Annotated[str, Query(max_length=64)] = "",
    client_id: Annotated[str, Query(max_length=64, description="Staff only")] = "",
    plan_id: Annotated[str, Query(max_length=64, description="Staff only")] = "",
    status: EnrolmentState | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    page_token: Annotated[str, Query(max_length=1000)] = "",
) -> EnrolmentPage:
    found = await state.call(
        state.programme.ListEnrolments,
        pb.ListEnrolmentsRequest(
            programme_service_id=service_id,
            client_id=client_id,
            plan_id=plan_id,
            status=ENROLMENT_STATES.get(status, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return EnrolmentPage(
        items=[Enrolment.of(e) for e in found.enrolments],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/enrolments/{enrolment_id}", summary="Read an enrolment")
async def get_enrolment(
    enrolment_id: str, response: Response, caller: CurrentCaller, state: State
) -> Enrolment:
    found = await state.call(
        state.programme.GetEnrolment, pb.GetEnrolmentRequest(enrolment_id=enrolment_id), caller
    )
    return _enrolment(response, found)


@router.post(
    "/v1/enrolments/{enrolment_id}/attendance",
    summary="Mark a day present or absent (the provider; the same day again replaces it)",
)
async def record_attendance(
    enrolment_id: str, body: AttendanceIn, caller: CurrentCaller, state: State
) -> AttendanceRecord:
    recorded = await state.call(
        state.programme.RecordAttendance, body.message(enrolment_id), caller
    )
    return AttendanceRecord.of(recorded)


@router.get("/v1/enrolments/{enrolment_id}/attendance", summary="Attendance, by date")
async def list_attendance(
    enrolment_id: str, caller: CurrentCaller, state: State
) -> list[AttendanceRecord]:
    found = await state.call(
        state.programme.ListAttendance,
        pb.ListAttendanceRequest(enrolment_id=enrolment_id),
        caller,
    )
    return [AttendanceRecord.of(r) for r in found.records]


@router.post(
    "/v1/enrolments/{enrolment_id}/interruption",
    summary="Record that participation was interrupted (the provider); tells the plan",
    responses=ENDED,
)
async def record_interruption(
    enrolment_id: str,
    body: InterruptionIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Enrolment:
    version = expected_version(if_match)
    ended = await state.call(
        state.programme.RecordInterruption,
        pb.RecordInterruptionRequest(
            enrolment_id=enrolment_id, interruption=body.message(), expected_version=version
        ),
        caller,
    )
    return _enrolment(response, ended)


@router.post(
    "/v1/enrolments/{enrolment_id}/completion",
    summary="Record completion and the final language test (the provider); tells the plan",
    responses=ENDED,
)
async def record_completion(
    enrolment_id: str,
    body: CompletionIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Enrolment:
    version = expected_version(if_match)
    ended = await state.call(
        state.programme.RecordCompletion,
        pb.RecordCompletionRequest(
            enrolment_id=enrolment_id, completion=body.message(), expected_version=version
        ),
        caller,
    )
    return _enrolment(response, ended)
