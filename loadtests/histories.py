"""What happened to each generated client after their record was made: the service-need
assessment, the integration plan and its reviews, officers' reads, and the audit events the
services recorded on the way. Pure functions of a ``random.Random``: no I/O.

Values are built with the services' own domain functions (the assessment's field validators and
rules, the plan's period and review rules), so that the rows are what the services would store.
A step whose time has not come yet (after ``now``) has not happened: an assessment completed
"next week" is still a draft, a plan approved "tomorrow" still awaits approval.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from kotopolku.assessment.domain import model as assessment_model
from kotopolku.assessment.domain import rules as assessment_rules
from kotopolku.assessment.domain.model import (
    AssessmentKind,
    AssessmentState,
    CefrLevel,
    OutcomeKind,
)
from kotopolku.assessment.domain.validation import field_value
from kotopolku.clients.convert import CLIENT_FIELDS
from kotopolku.common.identity import Role
from kotopolku.common.localtime import finnish_date
from kotopolku.gateway.auth.principal import default_purpose
from kotopolku.plans.convert import PLAN_FIELDS
from kotopolku.plans.domain import content as plan_content
from kotopolku.plans.domain import periods, reviews
from kotopolku.plans.domain.model import (
    ApprovalParty,
    GoalCategory,
    PlanKind,
    PlanServiceStatus,
    PlanStatus,
    ResponsibleAuthority,
    ReviewOutcome,
    ReviewReason,
)

OFFICER_ROLES: Final = (Role.MUNICIPAL_OFFICER,)
CLIENT_ROLES: Final = (Role.CLIENT,)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, as the gateway's caller assertion described them."""

    subject: str
    roles: tuple[str, ...]
    purpose: str
    municipality: str = ""
    welfare_area: str = ""

    @classmethod
    def officer(cls, subject: str, municipality: str) -> Actor:
        roles = tuple(sorted(OFFICER_ROLES))
        return cls(subject, roles, default_purpose(frozenset(roles)), municipality)

    @classmethod
    def client(cls, subject: str) -> Actor:
        roles = tuple(sorted(CLIENT_ROLES))
        return cls(subject, roles, default_purpose(frozenset(roles)))


@dataclass(slots=True)
class Happening:
    """One audited action, before it becomes an event of the chain (compact: many wait)."""

    at: datetime
    actor: Actor
    service: str
    action: str
    subject_client_id: str
    resource: str
    municipality: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class History:
    """Rows of the other services' tables for one client, and what the audit log recorded."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    happenings: list[Happening] = field(default_factory=list)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


_UUID4_CLEAR: Final = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET: Final = (0x4000 << 64) | (0x8000 << 48)


def new_uuid(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from ``rng``: reproducible for a seed."""
    h = f"{(rng.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _later(rng: random.Random, moment: datetime, low_days: float, high_days: float) -> datetime:
    """A working-hours moment some days after ``moment`` (microseconds, like a real clock)."""
    day = moment + timedelta(days=rng.uniform(low_days, high_days))
    return day.replace(hour=rng.randint(6, 14), minute=rng.randint(0, 59)) + timedelta(
        seconds=rng.random() * 60
    )


# --------------------------------------------------------------------------------------------
# The client's own events


def client_happenings(
    client: dict[str, Any], officer: Actor, status_changed_at: datetime | None
) -> list[Happening]:
    happened = [
        Happening(
            client["created_at"],
            officer,
            "clients",
            "client.create",
            client["id"],
            f"clients/{client['id']}",
            client["municipality_code"],
            CLIENT_FIELDS,
        )
    ]
    if status_changed_at is not None:
        happened.append(
            Happening(
                status_changed_at,
                officer,
                "clients",
                "client.update",
                client["id"],
                f"clients/{client['id']}",
                client["municipality_code"],
                ("status",),
            )
        )
    return happened


def family_happenings(
    first: dict[str, Any], second: dict[str, Any], officer: Actor, at: datetime
) -> list[Happening]:
    """AddFamilyLink audits both clients (``family.update``)."""
    return [
        Happening(
            at,
            officer,
            "clients",
            "family.update",
            row["id"],
            f"clients/{row['id']}",
            row["municipality_code"],
            ("family_links",),
        )
        for row in (first, second)
    ]


def read_happenings(
    rng: random.Random,
    client: dict[str, Any],
    officers: list[Actor],
    count: int,
    now: datetime,
) -> list[Happening]:
    """Officers opening the client's record later (``client.read``), within two years."""
    created: datetime = client["created_at"]
    horizon = min(now, created + timedelta(days=730))
    span = (horizon - created).total_seconds()
    if span <= 0:
        return []
    return [
        Happening(
            created + timedelta(seconds=rng.random() * span),
            rng.choice(officers),
            "clients",
            "client.read",
            client["id"],
            f"clients/{client['id']}",
            client["municipality_code"],
            CLIENT_FIELDS,
        )
        for _ in range(count)
    ]


# --------------------------------------------------------------------------------------------
# Assessment (osaamisen ja kotoutumisen palvelutarpeen arviointi)

_AREA_FINDINGS: Final = {
    "basic.literacy": (
        "Lukee ja kirjoittaa omalla äidinkielellään sujuvasti.",
        "Latinalaisten aakkosten lukeminen vielä hidasta.",
        "Ei ole käynyt koulua; luku- ja kirjoitustaidon koulutus tarpeen.",
    ),
    "basic.language_skills": (
        "Puhuu arjen tilanteissa suomea lyhyin lausein.",
        "Englanti sujuu, suomen opiskelu alkamassa.",
        "Ei vielä suomen kielen taitoa.",
    ),
    "basic.study_and_working_life_skills": (
        "Tottunut opiskelemaan itsenäisesti.",
        "Tarvitsee tukea opiskelutaitoihin ja tietotekniikkaan.",
    ),
    "basic.education_and_work_history": (
        "Lukio kotimaassa; työskennellyt myyjänä viisi vuotta.",
        "Ammattikoulu (sähköasentaja); työkokemusta rakennusalalta.",
        "Yliopistotutkinto (kirjanpito); ei työkokemusta Suomessa.",
        "Peruskoulu kesken jäänyt; työskennellyt maataloudessa.",
    ),
    "basic.special_skills_and_strengths": (
        "Ompelutaito ja kokemus lastenhoidosta.",
        "Hyvät kädentaidot, ajokortti (B).",
        "Monikielinen: tulkannut perheelleen.",
    ),
    "basic.own_goals": (
        "Haluaa lähihoitajaksi.",
        "Tavoitteena oma yritys (ravintola).",
        "Haluaa jatkaa omalla alallaan tutkinnon tunnustamisen jälkeen.",
    ),
    "basic.societal_knowledge_and_participation": (
        "Tuntee palvelujärjestelmän perusteet.",
        "Tarvitsee ohjausta asiointiin ja digipalveluihin.",
    ),
    "basic.life_situation_and_service_needs": (
        "Perhe asuu Suomessa; lasten päivähoito järjestyksessä.",
        "Asunto haettavana; tarvitsee ohjausta asumiseen.",
        "Terveydentila hyvä; ei erityisiä palvelutarpeita.",
    ),
}
_SECTION_TEXTS: Final = {
    assessment_model.MENTAL_HEALTH: "Traumaoireita; ohjattu psykiatriseen arvioon.",
    assessment_model.EMPLOYMENT_EDUCATION: "Kuntouttava työtoiminta ennen koulutusta.",
    assessment_model.SOCIAL_HEALTH: "Perhesosiaalityön tuki; terveystarkastus tehty.",
    assessment_model.OTHER_NEEDS: "Toive asua lähellä sukulaisia.",
}
_OUTCOME_REASONS: Final = {
    OutcomeKind.INTEGRATION_PLAN_NEEDED: "Kielitaito ja työnhaku vaativat suunnitelman.",
    OutcomeKind.MULTI_SECTOR_PLAN_NEEDED: "Sosiaali- ja terveyspalvelujen tarve: monialainen.",
    OutcomeKind.NO_PLAN: "Työpaikka ja kielitaito: suunnitelma ilmeisen tarpeeton.",
    OutcomeKind.REFERRED_TO_EMPLOYMENT_AUTHORITY: "Työnhakija: asiakkuus työvoimaviranomaiselle.",
}
_TEAM_MEMBERS: Final = (
    ("Laura Nieminen", "sosiaalityöntekijä"),
    ("Sanna Virtanen", "terveydenhoitaja"),
    ("Jari Koskinen", "psykiatrinen sairaanhoitaja"),
)
# Validated once: the stored form of each possible area value.
_AREAS: Final = {
    path: [field_value(path, {"summary": text}) for text in texts]
    for path, texts in _AREA_FINDINGS.items()
}
_NOT_ASSESSED: Final = field_value(
    assessment_model.LITERACY,
    {"not_assessed": True, "not_assessed_reason": "Tulkki ei ollut paikalla."},
)
_LEVELS: Final = (CefrLevel.A1, CefrLevel.A2, CefrLevel.B1, CefrLevel.B2)


def _proficiencies(rng: random.Random) -> Any:
    levels = {
        skill: rng.choice(_LEVELS) if rng.random() < 0.8 else None
        for skill in ("reading", "writing", "listening", "speaking")
    }
    levels["speaking"] = levels["speaking"] or CefrLevel.A1
    return field_value(assessment_model.LANGUAGE_PROFICIENCIES, [{"language": "fi", **levels}])


def _outcome(rng: random.Random, kind: AssessmentKind) -> OutcomeKind:
    if kind is AssessmentKind.MULTI_SECTOR:
        return (
            OutcomeKind.MULTI_SECTOR_PLAN_NEEDED
            if rng.random() < 0.8
            else OutcomeKind.INTEGRATION_PLAN_NEEDED
        )
    draw = rng.random()
    if draw < 0.6:
        return OutcomeKind.INTEGRATION_PLAN_NEEDED
    if draw < 0.8:
        return OutcomeKind.NO_PLAN
    return OutcomeKind.REFERRED_TO_EMPLOYMENT_AUTHORITY


@dataclass(frozen=True, slots=True)
class AssessmentDone:
    """What a plan needs to know of the assessment before it."""

    outcome: OutcomeKind
    completed_at: datetime


def assessment(
    rng: random.Random,
    history: History,
    client: dict[str, Any],
    officer: Actor,
    welfare_area: str,
    now: datetime,
) -> AssessmentDone | None:
    """A basic (or, for quota refugees, multi-sector) assessment some weeks after the record was
    made; completed unless its completion is still ahead. None if it has not started yet or
    was left a draft."""
    created_at = _later(rng, client["created_at"], 3, 60)
    if created_at > now:
        return None
    kind = (
        AssessmentKind.MULTI_SECTOR
        if client["segment"] == "QUOTA_REFUGEE"
        else AssessmentKind.BASIC
    )
    content: dict[str, Any] = {}
    for path in assessment_model.BASIC_AREAS:
        content[path] = rng.choice(_AREAS[path])
    if rng.random() < 0.05:
        content[assessment_model.LITERACY] = _NOT_ASSESSED
    content[assessment_model.LANGUAGE_PROFICIENCIES] = _proficiencies(rng)
    if kind is AssessmentKind.MULTI_SECTOR:
        for path, text in _SECTION_TEXTS.items():
            value = field_value(path, text)
            content[path] = assessment_rules.recorded_section(
                value, officer.subject, None, created_at
            )
        content[assessment_model.TEAM] = field_value(
            assessment_model.TEAM,
            [
                {"name": name, "role": role, "welfare_area_code": welfare_area}
                for name, role in _TEAM_MEMBERS[: rng.randint(1, len(_TEAM_MEMBERS))]
            ],
        )
    outcome = _outcome(rng, kind)
    completed_at = _later(rng, created_at, 0, 21)
    done = completed_at <= now and rng.random() < 0.95
    if done:
        content[assessment_model.OUTCOME] = field_value(
            assessment_model.OUTCOME, {"kind": outcome, "reason": _OUTCOME_REASONS[outcome]}
        )
        if outcome in assessment_model.PLAN_OUTCOMES:
            content[assessment_model.NEXT_STEP] = field_value(
                assessment_model.NEXT_STEP,
                {
                    "date": (finnish_date(completed_at) + timedelta(days=14)).isoformat(),
                    "description": "Kotoutumissuunnitelman laadinta",
                },
            )
        problems = assessment_rules.completion_problems(kind, content)
        assert not problems, problems
    assessment_id = new_uuid(rng)
    row = {
        "id": assessment_id,
        "version": 2 if done else 1,
        "client_id": client["id"],
        "municipality_code": client["municipality_code"],
        "kind": str(kind),
        "state": str(AssessmentState.COMPLETED if done else AssessmentState.DRAFT),
        "content": json.dumps(content),
        "created_by": officer.subject,
        "created_at": created_at,
        "updated_at": completed_at if done else created_at,
        "completed_by": officer.subject if done else None,
        "completed_at": completed_at if done else None,
    }
    history.add("assessments", row)
    for area in sorted(assessment_model.team_areas(content)):
        history.add(
            "assessment_team_areas", {"assessment_id": assessment_id, "welfare_area_code": area}
        )
    resource = f"assessments/{assessment_id}"
    created_fields = (
        "kind",
        *(p for p in content if p not in (assessment_model.OUTCOME, assessment_model.NEXT_STEP)),
    )
    history.happenings.append(
        Happening(
            created_at,
            officer,
            "assessment",
            "assessment.create",
            client["id"],
            resource,
            client["municipality_code"],
            created_fields,
        )
    )
    if not done:
        return None
    written = tuple(
        p for p in (assessment_model.OUTCOME, assessment_model.NEXT_STEP) if p in content
    )
    history.happenings.append(
        Happening(
            completed_at,
            officer,
            "assessment",
            "assessment.update",
            client["id"],
            resource,
            client["municipality_code"],
            written,
        )
    )
    history.happenings.append(
        Happening(
            completed_at + timedelta(seconds=rng.uniform(5, 90)),
            officer,
            "assessment",
            "assessment.complete",
            client["id"],
            resource,
            client["municipality_code"],
            ("state",),
        )
    )
    return AssessmentDone(outcome, completed_at)


# --------------------------------------------------------------------------------------------
# Integration plan (kotoutumissuunnitelma)

_GOALS: Final = (
    (GoalCategory.INTEGRATION, "Suomen kielen taito arjen tilanteissa (A2.1)"),
    (GoalCategory.EMPLOYMENT_OR_ENTREPRENEURSHIP, "Työpaikka omalta alalta"),
    (GoalCategory.EMPLOYMENT_OR_ENTREPRENEURSHIP, "Oman yrityksen perustaminen"),
    (GoalCategory.EDUCATION, "Ammatillinen koulutus: lähihoitaja"),
    (GoalCategory.EDUCATION, "Tutkinnon tunnustaminen"),
    (GoalCategory.HEALTH_AND_WELLBEING, "Liikuntaharrastus ja vertaisryhmä"),
    (GoalCategory.SOCIETAL, "Asiointi viranomaisten kanssa itsenäisesti"),
)
_SERVICES: Final = (
    "Kotoutumiskoulutus",
    "Monikielinen yhteiskuntaorientaatio",
    "Lukutaitokoulutus",
    "Kielikahvila",
    "Työkokeilu",
    "Perusopetus aikuisille",
)
_WELFARE_SERVICES: Final = ("Perhesosiaalityö", "Mielenterveyspalvelut")
_FOLLOW_UP: Final = "Jatkosuunnitelma: työnhaku työvoimapalveluissa, ohjaus annettu."
# Checked once with the plan service's content rules.
for _category, _text in _GOALS:
    plan_content.text(_text, "goals.text", plan_content.MAX_GOAL_TEXT)
for _service in (*_SERVICES, *_WELFARE_SERVICES):
    plan_content.check_service_choice("", _service, field="services")


def _plan_services(
    rng: random.Random, kind: PlanKind, start: date, end: date, active: bool, today: date
) -> list[dict[str, Any]]:
    services: list[dict[str, Any]] = []
    names = rng.sample(_SERVICES, rng.randint(1, 3))
    welfare = [rng.choice(_WELFARE_SERVICES)] if kind is PlanKind.MULTI_SECTOR else []
    for name in [*names, *welfare]:
        planned_start = start + timedelta(days=rng.randint(0, 60))
        planned_end = min(end, planned_start + timedelta(days=rng.randint(30, 300)))
        status, completion, summary = PlanServiceStatus.PLANNED, None, ""
        if active and planned_start <= today:
            if planned_end <= today:
                status = (
                    PlanServiceStatus.COMPLETED
                    if rng.random() < 0.85
                    else PlanServiceStatus.INTERRUPTED
                )
                completion = planned_end
                summary = "Suoritettu" if status is PlanServiceStatus.COMPLETED else "Keskeytyi"
            else:
                status = PlanServiceStatus.IN_PROGRESS
        plan_content.check_schedule(planned_start, planned_end, field="services")
        plan_content.check_completion(status, completion, today, field="services")
        plan_content.check_welfare_area_service(kind, name in welfare, field="services")
        services.append(
            {
                "programme_service_id": None,
                "other_service": name,
                "welfare_area_service": name in welfare,
                "planned_start": planned_start,
                "planned_end": planned_end,
                "status": status.value,
                "completion_date": completion,
                "outcome_summary": summary,
            }
        )
    return services


def plan(
    rng: random.Random,
    history: History,
    client: dict[str, Any],
    officer: Actor,
    client_actor: Actor,
    welfare_area: str,
    done: AssessmentDone,
    now: datetime,
) -> None:
    """The plan an assessment called for: drafted, submitted, approved by the officer and the
    client, reviewed every six months, ended by a review when its period is over."""
    created_at = _later(rng, done.completed_at, 7, 30)
    if created_at > now:
        return
    today = finnish_date(now)
    kind = (
        PlanKind.MULTI_SECTOR
        if done.outcome is OutcomeKind.MULTI_SECTOR_PLAN_NEEDED
        else PlanKind.INDIVIDUAL
    )
    start = finnish_date(created_at) + timedelta(days=rng.randint(3, 21))
    end = periods.latest_first_plan_end(start) - timedelta(days=rng.randint(0, 60))
    periods.check_first_plan_period(start, end)
    plan_id = new_uuid(rng)
    resource = f"plans/{plan_id}"
    municipality = client["municipality_code"]
    changes: list[tuple[str | None, str, str, str, datetime]] = [
        (None, PlanStatus.DRAFT, officer.subject, "created", created_at)
    ]
    happened = [(created_at, officer, "plan.create", PLAN_FIELDS)]
    status, version = PlanStatus.DRAFT, 1
    approvals: list[dict[str, Any]] = []
    activated_on = last_review_on = review_due = original_end = None
    plan_reviews: list[dict[str, Any]] = []
    follow_up = ""
    submitted_at = _later(rng, created_at, 0, 7)
    if submitted_at <= now:
        status, version = PlanStatus.AWAITING_APPROVAL, version + 1
        changes.append(
            (PlanStatus.DRAFT, status, officer.subject, "submitted for approval", submitted_at)
        )
        happened.append((submitted_at, officer, "plan.submit", ("status",)))
        officer_at = submitted_at + timedelta(minutes=rng.uniform(1, 30))
        client_at = _later(rng, officer_at, 0, 5)
        for party, actor, at in (
            (ApprovalParty.OFFICER, officer, officer_at),
            (ApprovalParty.CLIENT, client_actor, client_at),
        ):
            if at > now:
                break
            approvals.append(
                {
                    "plan_id": plan_id,
                    "party": party.value,
                    "subject": actor.subject,
                    "plan_version": version,
                    "approved_at": at,
                }
            )
            version += 1
            happened.append((at, actor, "plan.approve", ("approvals", "status")))
            if party is ApprovalParty.CLIENT:
                status = PlanStatus.ACTIVE
                activated_on = finnish_date(at)
                original_end = end
                review_due = reviews.review_due_date(activated_on, None, None)
                changes.append(
                    (
                        PlanStatus.AWAITING_APPROVAL,
                        status,
                        actor.subject,
                        "approved by the client and officer",
                        at,
                    )
                )
    if status is PlanStatus.ACTIVE:
        assert activated_on is not None
        assert review_due is not None
        # Six-monthly reviews while the plan is in force; the last one ends it.
        while True:
            if review_due < end - timedelta(days=14):
                outcome = ReviewOutcome.CONTINUE
                review_day = review_due - timedelta(days=rng.randint(0, 20))
            elif end <= today:
                outcome = ReviewOutcome.END
                review_day = end - timedelta(days=rng.randint(0, 14))
            else:
                break
            at = datetime.combine(review_day, time(9), tzinfo=UTC) + timedelta(
                minutes=rng.uniform(0, 300)
            )
            if review_day > today or at > now:
                break
            if outcome is ReviewOutcome.END:
                follow_up = _FOLLOW_UP
                reviews.check_follow_up_before_end(outcome, follow_up)
            new_status = reviews.status_after_review(status, outcome)
            plan_reviews.append(
                {
                    "plan_id": plan_id,
                    "reviewed_on": review_day,
                    "reason": ReviewReason.SCHEDULED.value,
                    "outcome": outcome.value,
                    "notes": "Tilanne käyty läpi asiakkaan kanssa.",
                    "authority": ResponsibleAuthority.MUNICIPALITY.value,
                    "actor_subject": officer.subject,
                    "recorded_at": at,
                }
            )
            version += 1
            happened.append((at, officer, "plan.review", ("reviews", "status")))
            last_review_on = review_day
            if new_status is not status:
                changes.append(
                    (status, new_status, officer.subject, f"review: {outcome.value.lower()}", at)
                )
                status = new_status
            if status is PlanStatus.ENDED:
                review_due = None
                break
            review_due = reviews.review_due_date(activated_on, last_review_on, None)
    history.add(
        "plans",
        {
            "id": plan_id,
            "version": version,
            "client_id": client["id"],
            "municipality_code": municipality,
            "kind": kind.value,
            "status": status.value,
            "responsible_authority": ResponsibleAuthority.MUNICIPALITY.value,
            "start_date": start,
            "end_date": end,
            "original_end_date": original_end,
            "receives_social_assistance": rng.random() < 0.45,
            "receives_unemployment_benefit": rng.random() < 0.35,
            "follow_up_plan": follow_up,
            "welfare_area": plan_content.check_welfare_area(
                kind, welfare_area if kind is PlanKind.MULTI_SECTOR else ""
            ),
            "guardian_consent_reference": "",
            "activated_on": activated_on,
            "last_review_on": last_review_on,
            "review_due_date": review_due,
            "review_request_reason": None,
            "review_request_description": None,
            "review_requested_on": None,
            "review_requested_by": None,
            "created_by": officer.subject,
            "created_at": created_at,
            "updated_at": max(at for at, *_ in happened),
        },
    )
    goals = rng.sample(_GOALS, rng.randint(1, 3))
    for position, (category, text) in enumerate(goals):
        target = end - timedelta(days=rng.randint(0, 120)) if rng.random() < 0.6 else None
        history.add(
            "plan_goals",
            {
                "id": new_uuid(rng),
                "plan_id": plan_id,
                "position": position,
                "category": category.value,
                "text": text,
                "target_date": target,
            },
        )
    services = _plan_services(
        rng,
        kind,
        start,
        end,
        status is not PlanStatus.DRAFT and status is not PlanStatus.AWAITING_APPROVAL,
        today,
    )
    for position, service in enumerate(services):
        history.add(
            "plan_services",
            {"id": new_uuid(rng), "plan_id": plan_id, "position": position, **service},
        )
    for approval in approvals:
        history.add("plan_approvals", approval)
    for from_status, to_status, actor_subject, reason, at in changes:
        history.add(
            "plan_status_changes",
            {
                "plan_id": plan_id,
                "from_status": from_status,
                "to_status": str(to_status),
                "actor_subject": actor_subject,
                "reason": reason,
                "changed_at": at,
            },
        )
    for review in plan_reviews:
        history.add("plan_reviews", review)
    for at, actor, action, fields in happened:
        history.happenings.append(
            Happening(at, actor, "plans", action, client["id"], resource, municipality, fields)
        )
