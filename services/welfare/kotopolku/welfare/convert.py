"""Rows of the welfare tables as protobuf messages, and the audit field lists of each view."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

from google.protobuf.struct_pb2 import Struct

from kotopolku.common.clock import as_utc, to_timestamp
from kotopolku.welfare import enums
from kotopolku.welfare.domain import codes
from kotopolku.welfare.domain.anonymise import AnonymisedProfile
from kotopolku.welfare.domain.basis import Basis
from kotopolku.welfare.domain.consultation import answer_overdue
from kotopolku.welfare.domain.deadlines import overdue
from kotopolku.welfare.domain.placement import Reception, reception_stage
from kotopolku.welfare.feed import StoredEvent
from kotopolku.welfare.v1 import welfare_pb2 as pb

# What each view shows, as the audit records name it.
PROPOSAL_FIELDS: Final = (
    "ely_centre",
    "ely_reference",
    "basis",
    "persons",
    "evident_service_needs",
    "response_due",
    "state",
    "decision",
    "reception",
)
CONSULTATION_FIELDS: Final = ("profile", "state", "answer", "decision", "proposal_id")
WELFARE_CONSULTATION_FIELDS: Final = ("profile", "state", "answer", "decision")
TRANSFER_FIELDS: Final = ("reception_centre", "consent", "person", "service_needs", "client_id")
COOPERATION_FIELDS: Final = ("scope", "reason", "state", "responsible", "bases", "person")
WELFARE_PERSON_FIELDS: Final = (
    "person.first_names",
    "person.last_name",
    "person.date_of_birth",
    "person.henkilotunnus",
    "person.languages",
)


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _stamp(message: Any, name: str, value: Any) -> None:
    if value is not None:
        getattr(message, name).CopyFrom(to_timestamp(as_utc(value)))


def struct(value: dict[str, Any]) -> Struct:
    message = Struct()
    message.update(value)
    return message


# --- placement -----------------------------------------------------------------------------------


def reception_of(row: Any, tasks: Sequence[Any]) -> Reception:
    return Reception(
        basis=codes.PlacementBasis(row.basis),
        state=codes.PlacementState(row.state),
        housing_from=row.housing_available_from,
        earliest_arrival=row.earliest_arrival,
        arrives_at=as_utc(row.arrives_at) if row.arrives_at is not None else None,
        task_statuses=tuple(codes.TaskStatus(t.status) for t in tasks),
    )


def task_message(row: Any) -> pb.ReceptionTask:
    message = pb.ReceptionTask(
        id=row.id,
        version=row.version,
        proposal_id=row.proposal_id,
        kind=enums.to_proto(codes.ReceptionTaskKind(row.kind)),
        assignee=row.assignee,
        status=enums.to_proto(codes.TaskStatus(row.status)),
        note=row.note,
    )
    _stamp(message, "due_at", row.due_at)
    _stamp(message, "updated_at", row.updated_at)
    return message


def person_message(stored: dict[str, Any]) -> pb.ProposedPerson:
    return pb.ProposedPerson(
        role=enums.to_proto(codes.FamilyRole(stored["role"])),
        first_names=stored["first_names"],
        last_name=stored["last_name"],
        date_of_birth=stored["date_of_birth"],
        henkilotunnus=stored.get("henkilotunnus") or "",
        languages=stored["languages"],
        service_needs=[enums.to_proto(codes.ServiceNeed(n)) for n in stored["service_needs"]],
        unaccompanied_minor=bool(stored.get("unaccompanied_minor")),
    )


def proposal_message(row: Any, tasks: Sequence[Any]) -> pb.PlacementProposal:
    message = pb.PlacementProposal(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        welfare_area=row.welfare_area,
        ely_centre=row.ely_centre,
        ely_reference=row.ely_reference,
        basis=enums.to_proto(codes.PlacementBasis(row.basis)),
        persons=[person_message(p) for p in row.persons],
        evident_service_needs=row.evident_service_needs,
        response_due=day(row.response_due),
        state=enums.to_proto(codes.PlacementState(row.state)),
        decision=enums.to_proto(codes.PlacementDecision(row.decision) if row.decision else None),
        decision_reason=row.decision_reason or "",
        consultation_id=row.consultation_id or "",
        tasks=[task_message(t) for t in tasks],
        reception_stage=enums.to_proto(reception_stage(reception_of(row, tasks))),
    )
    _stamp(message, "decided_at", row.decided_at)
    if row.housing_contract_reference is not None:
        message.housing.CopyFrom(
            pb.HousingReservation(
                contract_reference=row.housing_contract_reference,
                available_from=day(row.housing_available_from),
            )
        )
        _stamp(message.housing, "recorded_at", row.housing_recorded_at)
    if row.earliest_arrival is not None:
        message.earliest_arrival.date = day(row.earliest_arrival)
        _stamp(message.earliest_arrival, "reported_at", row.earliest_arrival_reported_at)
    if row.arrives_at is not None:
        message.arrival.place = row.arrival_place or ""
        _stamp(message.arrival, "arrives_at", row.arrives_at)
        _stamp(message.arrival, "announced_at", row.arrival_announced_at)
    _stamp(message, "created_at", row.created_at)
    _stamp(message, "updated_at", row.updated_at)
    return message


# --- consultations -------------------------------------------------------------------------------


def profile_message(profile: AnonymisedProfile) -> pb.AnonymisedProfile:
    return pb.AnonymisedProfile(
        basis=enums.to_proto(profile.basis),
        persons=[
            pb.AnonymisedPerson(
                role=enums.to_proto(p.role),
                age_band=enums.to_proto(p.age_band),
                service_needs=[enums.to_proto(n) for n in p.service_needs],
                unaccompanied_minor=p.unaccompanied_minor,
            )
            for p in profile.persons
        ],
        languages=list(profile.languages),
        adults=profile.adults,
        children=profile.children,
        note=profile.note,
    )


def consultation_message(row: Any, today: date, *, for_welfare_area: bool) -> pb.Consultation:
    """The consultation as one side sees it: the welfare area never gets the link to the
    proposal (nor who reviewed the note)."""
    state = codes.ConsultationState(row.state)
    message = pb.Consultation(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        welfare_area=row.welfare_area,
        state=enums.to_proto(state),
        profile=profile_message(AnonymisedProfile.from_dict(row.profile)),
        answer_due=day(row.answer_due),
        answer_overdue=answer_overdue(state, row.answer_due, today),
        decision_due=day(row.decision_due),
        decision=enums.to_proto(codes.PlacementDecision(row.decision) if row.decision else None),
    )
    if row.answer is not None:
        answer = row.answer
        message.answer.CopyFrom(
            pb.ConsultationAnswer(
                recommendation=enums.to_proto(codes.Recommendation(answer["recommendation"])),
                comments=answer["comments"],
                prepared_services=[
                    enums.to_proto(codes.ServiceNeed(n)) for n in answer["prepared_services"]
                ],
                late=bool(answer["late"]),
            )
        )
        _stamp(message.answer, "answered_at", row.answered_at)
    _stamp(message, "decided_at", row.decided_at)
    _stamp(message, "created_at", row.created_at)
    _stamp(message, "updated_at", row.updated_at)
    if not for_welfare_area:
        message.proposal_id = row.proposal_id
        message.note_reviewed_by = row.note_reviewed_by or ""
    return message


# --- transfers -----------------------------------------------------------------------------------


def transfer_message(row: Any) -> pb.ReceptionTransfer:
    person, consent = row.person, row.consent
    message = pb.ReceptionTransfer(
        id=row.id,
        municipality_code=row.municipality_code,
        reception_centre=row.reception_centre,
        received_on=day(row.received_on),
        basis=enums.to_proto(codes.PlacementBasis(row.basis)),
        consent=pb.TransferConsent(
            given_on=consent["given_on"],
            inform_welfare_area=bool(consent["inform_welfare_area"]),
            scope=consent["scope"],
            valid_until=consent.get("valid_until") or "",
        ),
        person=pb.TransferredPerson(
            first_names=person["first_names"],
            last_name=person["last_name"],
            date_of_birth=person["date_of_birth"],
            henkilotunnus=person.get("henkilotunnus") or "",
            languages=person["languages"],
            contact=pb.ContactDetails(**person["contact"]),
            first_permit_date=person.get("first_permit_date") or "",
        ),
        service_needs=[enums.to_proto(codes.ServiceNeed(n)) for n in row.service_needs],
        proposal_id=row.proposal_id or "",
        client_id=row.client_id,
        existing_client=row.existing_client,
        carried_fields=row.carried_fields,
        still_to_ask=row.still_to_ask,
        welfare_area=row.welfare_area,
        notice_disclosure_id=row.notice_disclosure_id or "",
    )
    _stamp(message, "created_at", row.created_at)
    return message


# --- bases and cooperations ----------------------------------------------------------------------


def basis_of(row: Any) -> Basis:
    return Basis(
        id=row.id,
        kind=codes.BasisKind(row.kind),
        categories=frozenset(codes.DataCategory(c) for c in row.categories),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        withdrawn=row.withdrawn_at is not None,
        legal_reference=row.legal_reference,
    )


def basis_message(row: Any, today: date, *, for_welfare_area: bool = False) -> pb.DisclosureBasis:
    message = pb.DisclosureBasis(
        id=row.id,
        cooperation_id=row.cooperation_id or "",
        transfer_id=row.transfer_id or "",
        welfare_area=row.welfare_area,
        kind=enums.to_proto(codes.BasisKind(row.kind)),
        categories=[enums.to_proto(codes.DataCategory(c)) for c in row.categories],
        legal_reference=row.legal_reference,
        consent_given_on=day(row.consent_given_on),
        valid_from=day(row.valid_from),
        valid_until=day(row.valid_until),
        valid_now=basis_of(row).valid_on(today),
    )
    if not for_welfare_area:
        message.consent_reference = row.consent_reference
        message.withdrawal_reason = row.withdrawal_reason or ""
    _stamp(message, "withdrawn_at", row.withdrawn_at)
    _stamp(message, "recorded_at", row.recorded_at)
    return message


def cooperation_message(
    row: Any,
    bases: Iterable[Any],
    today: date,
    *,
    for_welfare_area: bool,
    disclosure_allowed: bool,
    person_shown: bool,
) -> pb.Cooperation:
    state = codes.CooperationState(row.state)
    message = pb.Cooperation(
        id=row.id,
        version=row.version,
        municipality_code=row.municipality_code,
        welfare_area=row.welfare_area,
        scope=[enums.to_proto(codes.DataCategory(c)) for c in row.scope],
        assessment_id=row.assessment_id,
        plan_id=row.plan_id,
        reason=row.reason,
        municipal_contact=pb.MunicipalContact(**row.municipal_contact),
        state=enums.to_proto(state),
        answer_due=day(row.answer_due),
        answer_overdue=state is codes.CooperationState.REQUESTED and overdue(row.answer_due, today),
        decline_reason=row.decline_reason or "",
        end_reason=row.end_reason or "",
        bases=[basis_message(b, today, for_welfare_area=for_welfare_area) for b in bases],
        disclosure_allowed=disclosure_allowed,
    )
    if row.responsible is not None:
        message.responsible.CopyFrom(pb.ResponsiblePerson(**row.responsible))
    if person_shown:
        person = row.person
        message.person.CopyFrom(
            pb.PersonIdentification(
                first_names=person["first_names"],
                last_name=person["last_name"],
                date_of_birth=person["date_of_birth"],
                henkilotunnus=person.get("henkilotunnus") or "",
                languages=person["languages"],
            )
        )
    if not for_welfare_area:
        message.client_id = row.client_id
    _stamp(message, "answered_at", row.answered_at)
    _stamp(message, "ended_at", row.ended_at)
    _stamp(message, "created_at", row.created_at)
    _stamp(message, "updated_at", row.updated_at)
    return message


# --- disclosures, the log and the feed -----------------------------------------------------------


def disclosure_message(row: Any, *, content: bool) -> pb.Disclosure:
    message = pb.Disclosure(
        id=row.id,
        municipality_code=row.municipality_code,
        welfare_area=row.welfare_area,
        cooperation_id=row.cooperation_id or "",
        transfer_id=row.transfer_id or "",
        category=enums.to_proto(codes.DataCategory(row.category)),
        resource=row.resource,
        fields=row.fields,
    )
    if content:
        message.content.CopyFrom(struct(row.content))
    _stamp(message, "created_at", row.created_at)
    _stamp(message, "first_delivered_at", row.first_delivered_at)
    return message


def log_message(row: Any) -> pb.DisclosureLogEntry:
    message = pb.DisclosureLogEntry(
        id=row.id,
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        welfare_area=row.welfare_area,
        category=enums.to_proto(codes.DataCategory(row.category)),
        resource=row.resource,
        fields=row.fields,
        basis_kind=enums.to_proto(codes.BasisKind(row.basis_kind)),
        basis_id=row.basis_id,
        legal_reference=row.legal_reference,
        purpose=row.purpose,
        channel=row.channel,
    )
    _stamp(message, "disclosed_at", row.disclosed_at)
    return message


def feed_message(event: StoredEvent) -> pb.FeedEvent:
    message = pb.FeedEvent(
        event_id=event.event_id,
        position=event.position,
        type=event.type,
        resource=event.resource,
        data=struct(event.data),
    )
    _stamp(message, "occurred_at", event.occurred_at)
    return message
