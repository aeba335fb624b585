"""How to call each operation of the API on the owning municipality's records: path parameters,
query, body and headers. Bodies are valid, so that whatever a principal gets back is about who
they are and not about what they sent."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from e2e.conftest import Api, unique_name
from e2e.security import world as w
from e2e.security.world import TODAY, World

# Path parameter → world record, unless the operation says otherwise (OVERRIDES).
PARAMETERS = {
    "client_id": "client",
    "related_client_id": "related_client",
    "consent_id": "consent",
    "referral_id": "referral",
    "assessment_id": "assessment",
    "measure_id": "measure",
    "plan_id": "plan",
    "provider_id": "provider",
    "service_id": "programme_service",
    "enrolment_id": "enrolment",
    "thread_id": "thread",
    "notification_id": "notification",
    "campaign_id": "campaign",
    "appointment_id": "appointment",
    "token": "feed_token",
    "booking_id": "booking",
    "request_id": "signing_request",
    "contract_id": "contract",
    "cost_entry_id": "cost_entry",
    "claim_id": "claim",
    "visit_id": "visit",
    "series_id": "series",
    "task_id": "task",
    "article_id": "article",
    "subject": "officer_subject",
    "team": "team",
    "proposal_id": "proposal",
    "consultation_id": "consultation",
    "transfer_id": "transfer",
    "cooperation_id": "cooperation",
    "basis_id": "basis",
    "disclosure_id": "disclosure",
    "survey_id": "survey",
    "invitation_id": "feedback_invitation",
    "report": "report",
    "job_id": "archive_job",
    "hold_id": "legal_hold",
    "package_id": "package",
    "import_id": "outreach_import",
    "target_id": "outreach_target",
}
# (path prefix, parameter) → world record, for names that mean different records by path.
OVERRIDES = {
    ("/v1/message-templates/", "key"): "template_key",
    ("/v1/message-templates/", "language"): "template_language",
    ("/v1/translations/", "key"): "translation_key",
    ("/v1/translations/", "language"): "translation_language",
    ("/v1/contracts/", "attachment_id"): "contract_attachment",
    ("/v1/cost-entries/", "attachment_id"): "cost_attachment",
    ("/v1/anonymous-visits/", "visit_id"): "anonymous_visit",
    ("/v1/plans/{plan_id}/signing-requests", "plan_id"): "sign_plan",
    ("/v1/reception-tasks/", "task_id"): "reception_task",
    ("/v1/feedback/links/", "token"): "feedback_token",
    # A hold is set on the archive's client, never on the world's own.
    ("/v1/clients/{client_id}/legal-holds", "client_id"): "archive_client",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _soon(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _month() -> str:
    return TODAY.strftime("%Y-%m")


def _period(world: World) -> dict[str, str]:
    """The day of the world's appointment."""
    return {
        "from": f"{world['appointment_day']}T00:00:00+00:00",
        "to": f"{world['appointment_day']}T23:59:59+00:00",
    }


def _attachment(world: World) -> dict[str, Any]:
    return {
        "params": {"filename": "liite.pdf"},
        "content": w.PDF,
        "headers": {"Content-Type": "application/pdf", "Content-Digest": w.digest_header(w.PDF)},
    }


REASON = {"reason": "Tarkistettu matriisissa"}

# Operation → extra request arguments (json, params, content, headers) built from the world.
CALLS: dict[str, Callable[[World], dict[str, Any]]] = {
    "POST /v1/clients": lambda _: {
        "json": {
            "first_names": "Uusi",
            "last_name": unique_name("Matriisi"),
            "date_of_birth": "1992-04-05",
        }
    },
    "PATCH /v1/clients/{client_id}": lambda _: {"json": {"languages": ["ar", "fi"]}},
    "POST /v1/clients/search": lambda _: {"json": {"name": "Testi"}},
    "POST /v1/clients/{client_id}/family-links": lambda x: {
        "json": {"related_client_id": x["related_client"], "relation": "child"}
    },
    "POST /v1/clients/{client_id}/consents": lambda _: {
        "json": {"purpose": "counselling-visit-link", "scope": "Matriisin suostumus"}
    },
    "POST /v1/referrals": lambda _: {
        "json": {
            "municipality_code": "091",
            "first_names": "Lähete",
            "last_name": unique_name("Matriisi"),
            "date_of_birth": "1988-06-01",
            "reason": "Referred for an assessment of service need",
        }
    },
    "POST /v1/referrals/{referral_id}/accept": lambda _: {"json": {"segment": "placed"}},
    "POST /v1/referrals/{referral_id}/decline": lambda _: {"json": REASON},
    "POST /v1/clients/{client_id}/assessments": lambda _: {
        "json": {"kind": "basic", "basic": w.basic_areas()}
    },
    "PATCH /v1/assessments/{assessment_id}": lambda _: {
        "json": {"basic": {"literacy": {"summary": "Päivitetty"}}}
    },
    "POST /v1/assessments/{assessment_id}/corrections": lambda _: {
        "json": {**REASON, "changes": {"basic": {"literacy": {"summary": "Korjattu"}}}}
    },
    "POST /v1/assessments/{assessment_id}/measures": lambda _: {
        "json": {"kind": "literacy-screening", "provider_organisation": "opisto"}
    },
    "GET /v1/measures": lambda _: {"params": {"mine": "true"}},
    "POST /v1/measures/{measure_id}/result": lambda _: {
        "json": {
            "proficiency": {"language": "fi", "reading": "A2", "listening": "A2"},
            "summary": "Taitotaso A2",
            "completed_on": TODAY.isoformat(),
        }
    },
    "POST /v1/clients/{client_id}/plans": lambda x: {"json": w.plan_body(x["programme_service"])},
    "PATCH /v1/plans/{plan_id}": lambda _: {"json": {"follow_up_plan": "Seuranta jatkuu"}},
    "POST /v1/plans/{plan_id}/reviews": lambda _: {
        "json": {"reason": "scheduled", "outcome": "continue"}
    },
    "POST /v1/plans/{plan_id}/review-requests": lambda _: {
        "json": {"reason": "client-request", "description": "Toivon tarkistusta"}
    },
    "POST /v1/plans/{plan_id}/extensions": lambda _: {
        "json": {"new_end_date": _soon(330), **REASON}
    },
    "POST /v1/plans/{plan_id}/transfer": lambda _: {
        "json": {"target_authority": "employment-authority", **REASON}
    },
    "POST /v1/programme/providers": lambda _: {
        "json": {
            "id": f"matrix-{uuid.uuid4().hex[:8]}",
            "name": "Matriisin opisto",
            "business_id": w.random_business_id(),
        }
    },
    "PATCH /v1/programme/providers/{provider_id}": lambda _: {
        "json": {"name": "Helsingin aikuisopisto"}
    },
    "POST /v1/programme/services": lambda _: {
        "json": {
            "type": "language-training",
            "name": f"Kielikurssi {uuid.uuid4().hex[:6]}",
            "provider_id": "opisto",
            "languages": ["fi"],
            "remote": True,
            "capacity": 10,
            "valid_from": TODAY.isoformat(),
        }
    },
    "POST /v1/programme/services/search": lambda _: {"json": {"provider_id": "opisto"}},
    "PATCH /v1/programme/services/{service_id}": lambda _: {"json": {"capacity": 25}},
    "POST /v1/enrolments": lambda x: {
        "json": {
            "plan_id": x["plan"],
            "plan_service_id": x["plan_service"],
            "programme_service_id": x["programme_service"],
            "client_id": x["client"],
            "participant_display_name": "Amina Testi",
        }
    },
    "POST /v1/enrolments/{enrolment_id}/attendance": lambda _: {
        "json": {"date": TODAY.isoformat(), "mark": "present"}
    },
    "POST /v1/enrolments/{enrolment_id}/interruption": lambda _: {
        "json": {"date": TODAY.isoformat(), "reason": "employment"}
    },
    "POST /v1/enrolments/{enrolment_id}/completion": lambda _: {
        "json": {
            "completion_date": TODAY.isoformat(),
            "language_test": {
                "reading": "B1",
                "writing": "A2",
                "listening": "B1",
                "speaking": "A2",
            },
        }
    },
    "POST /v1/clients/{client_id}/threads": lambda _: {
        "json": {"subject": "Uusi ketju", "body": "Hei!"}
    },
    "POST /v1/threads/{thread_id}/messages": lambda _: {"json": {"body": "Vastaus"}},
    "POST /v1/threads/{thread_id}/read": lambda _: {"json": {}},
    "POST /v1/me/threads/{thread_id}/messages": lambda _: {"json": {"body": "Kiitos"}},
    "POST /v1/me/threads/{thread_id}/read": lambda _: {"json": {}},
    "PUT /v1/me/opt-outs": lambda _: {"json": {"topic": "course-news", "opted_out": False}},
    "PUT /v1/clients/{client_id}/opt-outs": lambda _: {
        "json": {"topic": "course-news", "opted_out": False}
    },
    "PUT /v1/message-templates/{key}/{language}": lambda _: {"json": w.template_body()},
    "POST /v1/message-templates/{key}/render": lambda x: {
        "json": {"language": x["template_language"], "variables": {"when": "maanantaina"}}
    },
    "POST /v1/clients/{client_id}/notifications": lambda _: {"json": w.notification_body()},
    "POST /v1/campaigns": lambda x: {"json": w.campaign_body(x["related_client"])},
    "POST /v1/clients/{client_id}/appointments": lambda x: {"json": w.appointment_body(x)},
    "GET /v1/clients/{client_id}/appointments": lambda x: {"params": _period(x)},
    "PATCH /v1/appointments/{appointment_id}": lambda _: {"json": {"title": "Siirretty"}},
    "DELETE /v1/appointments/{appointment_id}": lambda _: {"json": REASON},
    "POST /v1/appointments/{appointment_id}/cancel": lambda _: {"json": REASON},
    "GET /v1/calendars/me": lambda x: {"params": _period(x)},
    "GET /v1/calendars/people/{subject}": lambda x: {"params": _period(x)},
    "GET /v1/calendars/teams/{team}": lambda x: {"params": _period(x)},
    "POST /v1/interpreter-bookings": lambda x: {"json": w.booking_body(x)},
    "POST /v1/interpreter-bookings/{booking_id}/confirm": lambda x: {
        "json": {"interpreter_subject": x["interpreter_subject"], "interpreter_name": "Tulkki T."}
    },
    "POST /v1/interpreter-bookings/{booking_id}/cancel": lambda _: {"json": REASON},
    "GET /v1/interpretation-records": lambda x: {"params": {"client_id": x["client"]}},
    "POST /v1/interpretation-records": lambda x: {
        "json": {
            "client_id": x["client"],
            "reference_kind": "appointment",
            "reference_id": x["appointment"],
            "language": "ar",
            "mode": "phone",
        }
    },
    "PUT /v1/translations/{key}/{language}": lambda _: {
        "json": {"kind": "short-text", "text": "Tervetuloa palveluun"}
    },
    "POST /v1/read-aloud": lambda _: {"json": {"text": "Tervetuloa", "language": "fi"}},
    "POST /v1/plans/{plan_id}/signing-requests": lambda _: {"json": {"order": "parallel"}},
    "POST /v1/signing-requests/{request_id}/decline": lambda _: {"json": REASON},
    "POST /v1/signing-requests/{request_id}/cancel": lambda _: {"json": REASON},
    "POST /v1/documents/verify": lambda _: {
        "content": w.PDF,
        "headers": {"Content-Type": "application/pdf"},
    },
    "POST /v1/me/signing-requests/{request_id}/decline": lambda _: {"json": REASON},
    "POST /v1/contracts": lambda _: {"json": w.contract_body()},
    "PATCH /v1/contracts/{contract_id}": lambda _: {"json": {"description": "Päivitetty"}},
    "POST /v1/contracts/{contract_id}/terminate": lambda _: {
        "json": {"termination_date": _soon(60)}
    },
    "POST /v1/contracts/{contract_id}/attachments": _attachment,
    "POST /v1/cost-entries": lambda x: {"json": w.cost_body(x["cost_client"])},
    "PATCH /v1/cost-entries/{cost_entry_id}": lambda _: {"json": {"description": "Päivitetty"}},
    "POST /v1/cost-entries/{cost_entry_id}/void": lambda _: {"json": REASON},
    "POST /v1/cost-entries/{cost_entry_id}/attachments": _attachment,
    "POST /v1/compensation-claims": lambda x: {"json": w.claim_body(x["cost_entry"])},
    "POST /v1/compensation-claims/{claim_id}/submit": lambda _: {
        "json": {"submission_reference": "KEHA/MATRIISI"}
    },
    "POST /v1/compensation-claims/{claim_id}/additions-requests": lambda _: {
        "json": {"description": "Lisäselvitys"}
    },
    "POST /v1/compensation-claims/{claim_id}/additions": lambda _: {"json": {"note": "Liite"}},
    "POST /v1/compensation-claims/{claim_id}/decision": lambda x: {
        "json": {"lines": [{"cost_entry_id": x["claimed_cost_entry"], "approved_cents": 100}]}
    },
    "POST /v1/compensation-claims/{claim_id}/payment": lambda _: {"json": {"amount_cents": 100}},
    "POST /v1/guidance/service-points": lambda _: {
        "json": {"name": f"Piste {uuid.uuid4().hex[:8]}"}
    },
    "POST /v1/clients/{client_id}/visits": lambda _: {"json": w.visit_body()},
    "PATCH /v1/visits/{visit_id}": lambda _: {"json": {"notes": "Päivitetty"}},
    "POST /v1/anonymous-visits": lambda x: {"json": w.anonymous_visit_body(x["service_point"])},
    "POST /v1/anonymous-visits/{visit_id}/link": lambda x: {
        "json": {"client_id": x["client"], "consent_id": x["consent"]}
    },
    "POST /v1/clients/{client_id}/guidance-series": lambda _: {
        "json": {"plan_ends_on": _soon(300)}
    },
    "POST /v1/guidance-series/{series_id}/tasks": lambda _: {"json": w.task_body()},
    "POST /v1/guidance-series/{series_id}/tasks/{task_id}/completion": lambda _: {
        "json": {"done_on": TODAY.isoformat()}
    },
    "POST /v1/guidance-series/{series_id}/end": lambda _: {"json": REASON},
    "POST /v1/knowledge-base/articles": lambda _: {
        "json": {"language": "fi", "question": "Mikä on Kela?", "answer": "Kela maksaa etuuksia."}
    },
    "POST /v1/knowledge-base/search": lambda _: {"json": {"query": "asunto"}},
    "PATCH /v1/knowledge-base/articles/{article_id}": lambda _: {
        "json": {"answer": "Hakemus tehdään verkossa."}
    },
    "POST /v1/knowledge-base/articles/{article_id}/return": lambda _: {
        "json": {"comment": "Tarkenna vastausta"}
    },
    "GET /v1/audit/events": lambda x: {"params": {"subject_client_id": x["client"]}},
    "POST /v1/placement-proposals": lambda _: {"json": w.proposal_body()},
    "POST /v1/placement-proposals/{proposal_id}/decision": lambda _: {
        "json": {"decision": "accept", "reason": "Asunto järjestyy"}
    },
    "POST /v1/placement-proposals/{proposal_id}/housing": lambda _: {
        "json": {"contract_reference": "VUOKRA-1", "available_from": _soon(20)}
    },
    "POST /v1/placement-proposals/{proposal_id}/earliest-arrival": lambda _: {
        "json": {"date": _soon(30)}
    },
    "POST /v1/placement-proposals/{proposal_id}/arrival": lambda _: {
        "json": {"arrives_at": f"{_soon(40)}T10:00:00+02:00", "place": "Helsinki-Vantaa"}
    },
    "PATCH /v1/reception-tasks/{task_id}": lambda _: {"json": {"status": "in-progress"}},
    "POST /v1/placement-proposals/{proposal_id}/consultation": lambda _: {"json": {}},
    "POST /v1/reception-transfers": lambda _: {"json": w.transfer_body()},
    "POST /v1/clients/{client_id}/cooperations": lambda _: {"json": w.cooperation_body()},
    "POST /v1/cooperations/{cooperation_id}/end": lambda _: {"json": REASON},
    "POST /v1/cooperations/{cooperation_id}/bases": lambda _: {
        "json": {
            "kind": "legal",
            "categories": ["multi-sector-plan"],
            "legal_reference": w.LEGAL_BASIS,
        }
    },
    "POST /v1/disclosure-bases/{basis_id}/withdraw": lambda _: {"json": REASON},
    "POST /v1/cooperations/{cooperation_id}/disclosures": lambda x: {"json": w.disclosure_body(x)},
    "POST /v1/welfare-area/consultations/{consultation_id}/answer": lambda _: {
        "json": {"recommendation": "supports"}
    },
    "POST /v1/welfare-area/cooperations/{cooperation_id}/answer": lambda _: {
        "json": {"accept": True, "responsible": {"name": "Vastuuhenkilö", "phone": "040 7654321"}}
    },
    "POST /v1/me/disclosure-bases/{basis_id}/withdraw": lambda _: {"json": REASON},
    "POST /v1/feedback/surveys": lambda _: {"json": w.survey_body()},
    "POST /v1/clients/{client_id}/feedback-invitations": lambda x: {
        "json": {"survey_id": x["survey"], "context_kind": "programme-service"}
    },
    "POST /v1/feedback/stakeholder-invitations": lambda x: {
        "json": w.stakeholder_invitation_body(x)
    },
    "POST /v1/me/feedback/{invitation_id}/answer": lambda _: {
        "json": {"scores": [{"question_id": "overall", "score": 4}]}
    },
    "POST /v1/feedback/links/{token}/answer": lambda _: {
        "json": {"scores": [{"question_id": "overall", "score": 4}]}
    },
    "POST /v1/archive/jobs": lambda x: {"json": w.archive_job_body(x["archive_client"])},
    "POST /v1/clients/{client_id}/legal-holds": lambda _: {"json": REASON},
    "POST /v1/archive/legal-holds/{hold_id}/lift": lambda _: {"json": REASON},
    # Each import lists a new person, far from the end of the window.
    "POST /v1/outreach/imports": lambda _: {
        "params": {"source": "kela"},
        "json": w.outreach_list(900),
    },
    "GET /v1/outreach/targets/window-ending": lambda _: {
        "params": {"within_days": w.OUTREACH_WINDOW_DAYS + 2}
    },
    # Reached, so that the officer can then make the person a client.
    "POST /v1/outreach/targets/{target_id}/contacts": lambda _: {
        "json": {"outcome": "reached", "channel": "phone"}
    },
    "PUT /v1/outreach/targets/{target_id}/assignee": lambda x: {
        "json": {"subject": x.officer_subject, "display_name": "Matriisin ohjaaja"}
    },
    "POST /v1/outreach/targets/{target_id}/client": lambda _: {"json": {"segment": "self-moved"}},
    "GET /v1/reports/{report}": lambda _: {
        "params": {"period_start": _month(), "period_end": _month(), "group_by": "total"}
    },
}


# Calls that use up their record get a fresh one (made by the owning officer) for each allowed
# principal: the record ids to use instead of the world's.
FRESH: dict[str, Callable[[Api, World], dict[str, str]]] = {
    "DELETE /v1/appointments/{appointment_id}": lambda officer, x: {
        "appointment": w.new_appointment(x, officer)
    },
    "POST /v1/appointments/{appointment_id}/cancel": lambda officer, x: {
        "appointment": w.new_appointment(x, officer)
    },
    "DELETE /v1/clients/{client_id}/family-links/{related_client_id}": lambda officer, x: (
        w.link_family(x, officer) or {}
    ),
    # An archive job removes its client: each archives a client made for it.
    "POST /v1/archive/jobs": lambda officer, _: {"archive_client": w.matrix_client(officer)},
}


@dataclass(frozen=True)
class Call:
    """One request: method, concrete path and the keyword arguments of httpx."""

    method: str
    template: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _record_for(template: str, name: str) -> str:
    for (prefix, parameter), record in OVERRIDES.items():
        if parameter == name and template.startswith(prefix):
            return record
    if name not in PARAMETERS:
        raise KeyError(f"{template}: no world record for the path parameter {name!r}")
    return PARAMETERS[name]


def _value(world: World, record: str) -> str:
    if record == "officer_subject":
        return world.officer_subject
    if record == "team":
        return world.team
    return world[record]


def path_of(template: str, world: World, replace: Callable[[str], str] | None = None) -> str:
    """The template with the world's ids (``replace`` may swap each for another value)."""

    def fill(match: re.Match[str]) -> str:
        value = _value(world, _record_for(template, match.group(1)))
        return replace(value) if replace else value

    return _PLACEHOLDER.sub(fill, template)


def call_of(operation: str, world: World) -> Call:
    method, template = operation.split(" ", 1)
    build = CALLS.get(operation)
    kwargs = build(world) if build else {}
    return Call(method, template, path_of(template, world), kwargs)
