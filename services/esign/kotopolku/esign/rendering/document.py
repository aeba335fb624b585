"""What the plan document says, independent of how it is drawn.

Built from the plan as the plans service returns it, the client's name from the clients
service and the names of the programme services; the same content always gives the same
document, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from kotopolku.esign.domain.model import Signer, SigningOrder
from kotopolku.plans.v1 import plans_pb2

# Municipality names in Finnish and Swedish, for the documents' headers; an unknown code is
# shown as the code.
MUNICIPALITIES: Final[Mapping[str, tuple[str, str]]] = {
    "091": ("Helsinki", "Helsingfors"),
    "049": ("Espoo", "Esbo"),
    "092": ("Vantaa", "Vanda"),
    "235": ("Kauniainen", "Grankulla"),
    "837": ("Tampere", "Tammerfors"),
    "853": ("Turku", "Åbo"),
    "564": ("Oulu", "Uleåborg"),
    "179": ("Jyväskylä", "Jyväskylä"),
    "398": ("Lahti", "Lahtis"),
    "297": ("Kuopio", "Kuopio"),
}


@dataclass(frozen=True, slots=True)
class Goal:
    category: str
    text: str
    target_date: date | None


@dataclass(frozen=True, slots=True)
class AgreedService:
    name: str
    planned_start: date | None
    planned_end: date | None
    welfare_area_service: bool


@dataclass(frozen=True, slots=True)
class PlanDocument:
    signing_request_id: str
    created_at: datetime
    municipality_code: str
    plan_id: str
    plan_version: int
    kind: str
    responsible_authority: str
    start_date: date
    end_date: date
    client_name: str
    date_of_birth: date | None
    welfare_area: str
    goals: tuple[Goal, ...]
    services: tuple[AgreedService, ...]
    participation_obligatory: bool
    signers: tuple[Signer, ...]
    order: SigningOrder
    deadline: date
    official_language: str
    client_language: str

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the document's parts: the official one first."""
        if self.client_language == self.official_language:
            return (self.official_language,)
        return (self.official_language, self.client_language)

    def municipality_name(self, language: str) -> str:
        names = MUNICIPALITIES.get(self.municipality_code)
        if names is None:
            return self.municipality_code
        return names[1] if language == "sv" else names[0]


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _suffix(name: str, prefix: str) -> str:
    return name.removeprefix(prefix)


def plan_document(
    *,
    signing_request_id: str,
    created_at: datetime,
    plan: plans_pb2.Plan,
    client_name: str,
    date_of_birth: str,
    service_names: Mapping[str, str],
    signers: tuple[Signer, ...],
    order: SigningOrder,
    deadline: date,
    official_language: str,
    client_language: str,
) -> PlanDocument:
    """The document of ``plan``; a programme service without a known name is shown by its id."""
    goals = tuple(
        Goal(
            category=_suffix(plans_pb2.GoalCategory.Name(g.category), "GOAL_CATEGORY_"),
            text=g.text,
            target_date=_date(g.target_date),
        )
        for g in plan.goals
    )
    services = tuple(
        AgreedService(
            name=(
                service_names.get(s.programme_service_id, s.programme_service_id)
                if s.WhichOneof("service") == "programme_service_id"
                else s.other_service
            ),
            planned_start=_date(s.planned_start),
            planned_end=_date(s.planned_end),
            welfare_area_service=s.welfare_area_service,
        )
        for s in plan.services
    )
    return PlanDocument(
        signing_request_id=signing_request_id,
        created_at=created_at,
        municipality_code=plan.municipality_code,
        plan_id=plan.id,
        plan_version=plan.version,
        kind=_suffix(plans_pb2.PlanKind.Name(plan.kind), "PLAN_KIND_"),
        responsible_authority=_suffix(
            plans_pb2.ResponsibleAuthority.Name(plan.responsible_authority),
            "RESPONSIBLE_AUTHORITY_",
        ),
        start_date=date.fromisoformat(plan.start_date),
        end_date=date.fromisoformat(plan.end_date),
        client_name=client_name,
        date_of_birth=_date(date_of_birth),
        welfare_area=plan.welfare_area,
        goals=goals,
        services=services,
        participation_obligatory=plan.obligations.participation_obligatory,
        signers=signers,
        order=order,
        deadline=deadline,
        official_language=official_language,
        client_language=client_language,
    )
