"""The municipality's side of the welfare-area collaboration (IS services 5, 6 and 18):
placement proposals from the ELY centre and the reception of quota refugees, the consultation of
the welfare area, client transfers from reception centres, requests for multi-sector cooperation,
disclosure bases, and the multi-sector data sent to the welfare area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from kotopolku.common.identity import Role
from kotopolku.gateway.auth.dependencies import CurrentCaller, require_roles
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import IdempotencyKey, IfMatch, PageSize, State, conflict
from kotopolku.gateway.welfare_schemas import (
    CATEGORIES,
    CONSULTATION_STATES,
    COOPERATION_STATES,
    DECISIONS,
    PLACEMENT_STATES,
    ArrivalIn,
    Basis,
    BasisIn,
    Consultation,
    ConsultationPage,
    ConsultationStart,
    ConsultationState,
    Cooperation,
    CooperationCreate,
    CooperationPage,
    CooperationState,
    DecisionIn,
    Disclosure,
    DisclosureCreate,
    DisclosureLogEntry,
    DisclosureLogPage,
    DisclosurePage,
    EarliestArrival,
    EndIn,
    Housing,
    PlacementState,
    Proposal,
    ProposalCreate,
    ProposalPage,
    ReceptionTask,
    TaskPatch,
    Transfer,
    TransferCreate,
    WithdrawIn,
    timestamp,
)
from kotopolku.welfare.v1 import welfare_pb2 as pb

# The municipality's side only: a welfare area uses /v1/welfare-area (welfare_area.py), where it
# sees the records as addressed to it.
router = APIRouter(
    tags=["welfare-area collaboration"],
    responses=PROBLEM_RESPONSES,
    dependencies=[
        Depends(require_roles(Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER, Role.MANAGER))
    ],
)
PRECONDITIONS = conflict("Not allowed in the record's state")
PageToken = Annotated[str, Query(max_length=1000)]


def _proposal(response: Response, message: pb.PlacementProposal) -> Proposal:
    response.headers["ETag"] = etag(message.version)
    return Proposal.of(message)


def _cooperation(response: Response, message: pb.Cooperation) -> Cooperation:
    response.headers["ETag"] = etag(message.version)
    return Cooperation.of(message)


def _consultation(response: Response, message: pb.Consultation) -> Consultation:
    response.headers["ETag"] = etag(message.version)
    return Consultation.of(message)


# --- placement proposals and reception -----------------------------------------------------------


@router.post(
    "/v1/placement-proposals",
    status_code=status.HTTP_201_CREATED,
    summary="Record a placement proposal from the ELY centre (municipal officers)",
)
async def create_proposal(
    body: ProposalCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Proposal:
    created = await state.call(
        state.welfare.CreatePlacementProposal,
        pb.CreatePlacementProposalRequest(
            proposal=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/placement-proposals/{created.id}"
    return _proposal(response, created)


@router.get("/v1/placement-proposals", summary="Placement proposals of the caller's municipality")
async def list_proposals(
    caller: CurrentCaller,
    state: State,
    placement_state: Annotated[PlacementState | None, Query(alias="state")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ProposalPage:
    found = await state.call(
        state.welfare.ListPlacementProposals,
        pb.ListPlacementProposalsRequest(
            state=PLACEMENT_STATES.get(placement_state, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return ProposalPage(
        items=[Proposal.of(p) for p in found.proposals],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/placement-proposals/{proposal_id}", summary="Read a placement proposal")
async def get_proposal(
    proposal_id: str, response: Response, caller: CurrentCaller, state: State
) -> Proposal:
    found = await state.call(
        state.welfare.GetPlacementProposal,
        pb.GetPlacementProposalRequest(proposal_id=proposal_id),
        caller,
    )
    return _proposal(response, found)


@router.post(
    "/v1/placement-proposals/{proposal_id}/decision",
    summary="Accept or decline the placement, with a reason",
    responses=PRECONDITIONS,
)
async def decide_placement(
    proposal_id: str,
    body: DecisionIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Proposal:
    decided = await state.call(
        state.welfare.DecidePlacement,
        pb.DecidePlacementRequest(
            proposal_id=proposal_id,
            decision=DECISIONS[body.decision],
            reason=body.reason,
            expected_version=expected_version(if_match),
        ),
        caller,
    )
    return _proposal(response, decided)


@router.post(
    "/v1/placement-proposals/{proposal_id}/housing",
    summary="Record the housing reserved for a quota refugee family",
    responses=PRECONDITIONS,
)
async def reserve_housing(
    proposal_id: str,
    body: Housing,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Proposal:
    found = await state.call(
        state.welfare.ReserveHousing,
        pb.ReserveHousingRequest(
            proposal_id=proposal_id,
            contract_reference=body.contract_reference,
            available_from=body.available_from,
            expected_version=expected_version(if_match),
        ),
        caller,
    )
    return _proposal(response, found)


@router.post(
    "/v1/placement-proposals/{proposal_id}/earliest-arrival",
    summary="Report the earliest possible arrival date to the ELY centre",
    responses=PRECONDITIONS,
)
async def report_earliest_arrival(
    proposal_id: str,
    body: EarliestArrival,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Proposal:
    found = await state.call(
        state.welfare.ReportEarliestArrival,
        pb.ReportEarliestArrivalRequest(
            proposal_id=proposal_id, date=body.date, expected_version=expected_version(if_match)
        ),
        caller,
    )
    return _proposal(response, found)


@router.post(
    "/v1/placement-proposals/{proposal_id}/arrival",
    summary="Record the exact arrival the Red Cross announced; creates the arrival-day tasks",
    responses=PRECONDITIONS,
)
async def record_arrival(
    proposal_id: str,
    body: ArrivalIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Proposal:
    found = await state.call(
        state.welfare.RecordArrival,
        pb.RecordArrivalRequest(
            proposal_id=proposal_id,
            arrives_at=timestamp(body.arrives_at),
            place=body.place,
            expected_version=expected_version(if_match),
        ),
        caller,
    )
    return _proposal(response, found)


@router.patch(
    "/v1/reception-tasks/{task_id}",
    summary="Assign an arrival-day task or change its status",
    responses=PRECONDITIONS,
)
async def update_task(
    task_id: str,
    body: TaskPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> ReceptionTask:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateReceptionTaskRequest(task_id=task_id, task=message, expected_version=version)
    request.update_mask.paths.extend(paths)
    updated = await state.call(state.welfare.UpdateReceptionTask, request, caller)
    response.headers["ETag"] = etag(updated.version)
    return ReceptionTask.of(updated)


# --- consultations -------------------------------------------------------------------------------


@router.post(
    "/v1/placement-proposals/{proposal_id}/consultation",
    status_code=status.HTTP_201_CREATED,
    summary="Consult the welfare area with the proposal's anonymised profile",
    responses=PRECONDITIONS,
)
async def start_consultation(
    proposal_id: str,
    body: ConsultationStart,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Consultation:
    started = await state.call(
        state.welfare.StartConsultation,
        pb.StartConsultationRequest(
            proposal_id=proposal_id,
            answer_due=body.answer_due or "",
            note=body.note,
            note_reviewed=body.note_reviewed,
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/consultations/{started.id}"
    return _consultation(response, started)


@router.get("/v1/consultations", summary="Consultations of the caller's municipality")
async def list_consultations(
    caller: CurrentCaller,
    state: State,
    consultation_state: Annotated[ConsultationState | None, Query(alias="state")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ConsultationPage:
    return await consultation_page(state, caller, consultation_state, page_size, page_token)


async def consultation_page(
    state: State,
    caller: CurrentCaller,
    consultation_state: ConsultationState | None,
    page_size: int,
    page_token: str,
) -> ConsultationPage:
    found = await state.call(
        state.welfare.ListConsultations,
        pb.ListConsultationsRequest(
            state=CONSULTATION_STATES.get(consultation_state, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return ConsultationPage(
        items=[Consultation.of(c) for c in found.consultations],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/consultations/{consultation_id}", summary="Read a consultation")
async def get_consultation(
    consultation_id: str, response: Response, caller: CurrentCaller, state: State
) -> Consultation:
    found = await state.call(
        state.welfare.GetConsultation,
        pb.GetConsultationRequest(consultation_id=consultation_id),
        caller,
    )
    return _consultation(response, found)


# --- reception transfers -------------------------------------------------------------------------


@router.post(
    "/v1/reception-transfers",
    status_code=status.HTTP_201_CREATED,
    summary="Receive a client transfer from a reception centre; it becomes the client record",
)
async def record_transfer(
    body: TransferCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Transfer:
    created = await state.call(
        state.welfare.RecordReceptionTransfer,
        pb.RecordReceptionTransferRequest(
            transfer=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/reception-transfers/{created.id}"
    return Transfer.of(created)


@router.get("/v1/reception-transfers/{transfer_id}", summary="Read a reception transfer")
async def get_transfer(transfer_id: str, caller: CurrentCaller, state: State) -> Transfer:
    found = await state.call(
        state.welfare.GetReceptionTransfer,
        pb.GetReceptionTransferRequest(transfer_id=transfer_id),
        caller,
    )
    return Transfer.of(found)


# --- cooperation ---------------------------------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/cooperations",
    status_code=status.HTTP_201_CREATED,
    summary="Ask the welfare area to take part in a client's multi-sector work, on a basis",
)
async def request_cooperation(
    client_id: str,
    body: CooperationCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Cooperation:
    created = await state.call(
        state.welfare.RequestCooperation, body.message(client_id, idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/cooperations/{created.id}"
    return _cooperation(response, created)


@router.get("/v1/clients/{client_id}/cooperations", summary="A client's cooperations")
async def list_client_cooperations(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    cooperation_state: Annotated[CooperationState | None, Query(alias="state")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> CooperationPage:
    return await cooperation_page(
        state, caller, client_id, cooperation_state, page_size, page_token
    )


async def cooperation_page(
    state: State,
    caller: CurrentCaller,
    client_id: str,
    cooperation_state: CooperationState | None,
    page_size: int,
    page_token: str,
) -> CooperationPage:
    found = await state.call(
        state.welfare.ListCooperations,
        pb.ListCooperationsRequest(
            client_id=client_id,
            state=COOPERATION_STATES.get(cooperation_state, 0),
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return CooperationPage(
        items=[Cooperation.of(c) for c in found.cooperations],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/cooperations/{cooperation_id}", summary="Read a cooperation")
async def get_cooperation(
    cooperation_id: str, response: Response, caller: CurrentCaller, state: State
) -> Cooperation:
    found = await state.call(
        state.welfare.GetCooperation,
        pb.GetCooperationRequest(cooperation_id=cooperation_id),
        caller,
    )
    return _cooperation(response, found)


@router.post(
    "/v1/cooperations/{cooperation_id}/end",
    summary="End a cooperation: no more multi-sector data crosses",
    responses=PRECONDITIONS,
)
async def end_cooperation(
    cooperation_id: str,
    body: EndIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Cooperation:
    ended = await state.call(
        state.welfare.EndCooperation,
        pb.EndCooperationRequest(
            cooperation_id=cooperation_id,
            reason=body.reason,
            expected_version=expected_version(if_match),
        ),
        caller,
    )
    return _cooperation(response, ended)


@router.post(
    "/v1/cooperations/{cooperation_id}/bases",
    status_code=status.HTTP_201_CREATED,
    summary="Record another disclosure basis (law or consent) for a cooperation",
)
async def add_basis(
    cooperation_id: str,
    body: BasisIn,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Basis:
    created = await state.call(
        state.welfare.AddDisclosureBasis,
        pb.AddDisclosureBasisRequest(
            cooperation_id=cooperation_id,
            basis=body.message(),
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    return Basis.of(created)


@router.post(
    "/v1/disclosure-bases/{basis_id}/withdraw",
    summary="Withdraw a disclosure basis: further disclosure on it stops",
    responses=PRECONDITIONS,
)
async def withdraw_basis(
    basis_id: str, body: WithdrawIn, caller: CurrentCaller, state: State
) -> Basis:
    withdrawn = await state.call(
        state.welfare.WithdrawDisclosureBasis,
        pb.WithdrawDisclosureBasisRequest(basis_id=basis_id, reason=body.reason),
        caller,
    )
    return Basis.of(withdrawn)


# --- data transfer and the disclosure log --------------------------------------------------------


@router.post(
    "/v1/cooperations/{cooperation_id}/disclosures",
    status_code=status.HTTP_201_CREATED,
    summary="Send multi-sector assessment or plan data to the welfare area",
    responses=PRECONDITIONS,
)
async def create_disclosure(
    cooperation_id: str,
    body: DisclosureCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Disclosure:
    created = await state.call(
        state.welfare.CreateDisclosure,
        pb.CreateDisclosureRequest(
            cooperation_id=cooperation_id,
            category=CATEGORIES[body.category],
            resource_id=body.resource_id,
            fields=body.fields,
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/disclosures/{created.id}"
    return Disclosure.of(created)


@router.get(
    "/v1/cooperations/{cooperation_id}/disclosures",
    summary="What was sent in a cooperation (fields, no values)",
)
async def list_disclosures(
    cooperation_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> DisclosurePage:
    return await disclosure_page(state, caller, cooperation_id, page_size, page_token)


async def disclosure_page(
    state: State, caller: CurrentCaller, cooperation_id: str, page_size: int, page_token: str
) -> DisclosurePage:
    found = await state.call(
        state.welfare.ListDisclosures,
        pb.ListDisclosuresRequest(
            cooperation_id=cooperation_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return DisclosurePage(
        items=[Disclosure.of(d) for d in found.disclosures],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/disclosures/{disclosure_id}", summary="Read data that was sent")
async def get_disclosure(disclosure_id: str, caller: CurrentCaller, state: State) -> Disclosure:
    found = await state.call(
        state.welfare.GetDisclosure, pb.GetDisclosureRequest(disclosure_id=disclosure_id), caller
    )
    return Disclosure.of(found)


@router.get(
    "/v1/clients/{client_id}/disclosures",
    summary="What of a client's data went to which welfare area, when and why",
)
async def client_disclosure_log(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> DisclosureLogPage:
    found = await state.call(
        state.welfare.ListClientDisclosures,
        pb.ListClientDisclosuresRequest(
            client_id=client_id, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return DisclosureLogPage(
        items=[DisclosureLogEntry.of(e) for e in found.entries],
        next_page_token=found.next_page_token or None,
    )
