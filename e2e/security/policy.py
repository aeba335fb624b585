"""Who may do what: the expected answer of every API operation to every principal of the
authorisation matrix. Written from the rules of the domain (docs, DOMAIN.md), not read off the code,
and reviewed here in one place; ``test_security_authz_matrix.py`` holds the system to it and
fails when an operation of the OpenAPI document has no entry, so a new endpoint must be
classified here before it can ship.

Principals (``principals.py``): the records belong to Helsinki and are about ``client.amina``.

  M  municipal officer of the owning municipality    E  employment officer of that municipality
  m  municipal officer of another municipality       w  welfare-area account of another area
  P  provider the language test is ordered from      R  referring authority (service account)
  C  the client the records are about                c  another client
  -  no token: always 401 with WWW-Authenticate: Bearer (except a feed URL, whose secret
     is the credential)

An entry is ``rule(allowed, hidden=...)``: the codes in ``allowed`` get an answer past
authorisation (2xx, or 409/412/422 for a state or business rule); those in ``hidden`` get the
answer a record that does not exist gets: 404, or an empty list, or the same 422 naming the field
that ids which do not exist get; everyone else gets 403, which must not depend on whether the
record exists (unless the principal may read the record anyway). A refusal is 403 when the role
could never do this at all; it is "hidden" when the role could, but not on this tenant's or this
party's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ALL_SIGNED_IN = "M m E w P C c R"
STAFF_091 = "M E"


class Expect(Enum):
    ALLOW = "allow"
    HIDDEN = "404"
    FORBIDDEN = "403"
    UNAUTHENTICATED = "401"


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    hidden: frozenset[str]
    public: bool = False
    # Why a public operation needs no token.
    why: str = ""

    def expect(self, code: str) -> Expect:
        if code == "-":
            return Expect.ALLOW if self.public else Expect.UNAUTHENTICATED
        if code in self.allowed:
            return Expect.ALLOW
        if code in self.hidden:
            return Expect.HIDDEN
        return Expect.FORBIDDEN


def rule(allowed: str, hidden: str = "") -> Rule:
    allowed_codes, hidden_codes = frozenset(allowed.split()), frozenset(hidden.split())
    assert not allowed_codes & hidden_codes, (allowed, hidden)
    return Rule(allowed_codes, hidden_codes)


def public(why: str) -> Rule:
    return Rule(frozenset(ALL_SIGNED_IN.split()), frozenset(), public=True, why=why)


# Shorthands for the patterns that repeat. Another municipality's officer may always use a
# collection (create, list, search) of their own municipality, and sees nothing of ours.
OWN_COLLECTION = rule("M E m")
STAFF_RECORD = rule(STAFF_091, hidden="m")
# Only the municipal integration authority (not the employment authority) keeps these.
MUNICIPAL_RECORD = rule("M", hidden="m")
MUNICIPAL_COLLECTION = rule("M m")
CLIENT_SELF_SERVICE = rule("C c")
OWN_SELF_SERVICE_RECORD = rule("C", hidden="c")
# The archivist's alone (not a principal of the matrix): every principal here is refused.
ARCHIVIST_ONLY = rule("")

POLICY: dict[str, dict[str, Rule]] = {
    # IS 1: client records. Staff of the municipality; the client reads their own record.
    "clients": {
        "POST /v1/clients": OWN_COLLECTION,
        "GET /v1/clients/{client_id}": rule("M E C", hidden="m c"),
        "PATCH /v1/clients/{client_id}": STAFF_RECORD,
        "POST /v1/clients/search": OWN_COLLECTION,
        # The client reads their own family links and consents, and withdraws a consent.
        "GET /v1/clients/{client_id}/family-links": rule("M E C", hidden="m c"),
        "POST /v1/clients/{client_id}/family-links": STAFF_RECORD,
        "DELETE /v1/clients/{client_id}/family-links/{related_client_id}": STAFF_RECORD,
        "GET /v1/clients/{client_id}/consents": rule("M E C", hidden="m c"),
        "POST /v1/clients/{client_id}/consents": STAFF_RECORD,
        "POST /v1/clients/{client_id}/consents/{consent_id}/withdraw": rule("M E C", hidden="m c"),
    },
    # IS 20: referrals are sent by other authorities and handled by the municipality's staff.
    "referrals": {
        "POST /v1/referrals": rule("R"),
        "GET /v1/referrals": OWN_COLLECTION,
        "GET /v1/referrals/{referral_id}": STAFF_RECORD,
        "POST /v1/referrals/{referral_id}/accept": STAFF_RECORD,
        "POST /v1/referrals/{referral_id}/decline": STAFF_RECORD,
    },
    # IS 2: assessments. Staff of the municipality; the welfare areas of the multi-sector team
    # (another area sees nothing); the provider sees only the measure ordered from it.
    "assessments": {
        "POST /v1/clients/{client_id}/assessments": STAFF_RECORD,
        "GET /v1/clients/{client_id}/assessments": rule(STAFF_091, hidden="m w"),
        "GET /v1/assessments/{assessment_id}": rule(STAFF_091, hidden="m w"),
        "PATCH /v1/assessments/{assessment_id}": rule(STAFF_091, hidden="m w"),
        "POST /v1/assessments/{assessment_id}/complete": rule(STAFF_091, hidden="m w"),
        "POST /v1/assessments/{assessment_id}/corrections": rule(STAFF_091, hidden="m w"),
        "POST /v1/assessments/{assessment_id}/measures": STAFF_RECORD,
        "GET /v1/assessments/{assessment_id}/measures": rule(STAFF_091, hidden="m w"),
        # A provider's own measures (staff list an assessment's measures).
        "GET /v1/measures": rule("P"),
        "GET /v1/measures/{measure_id}": rule("M E P", hidden="m w"),
        # The result comes from the provider the measure was ordered from.
        "POST /v1/measures/{measure_id}/result": rule("P"),
    },
    # IS 3: plans. Staff of the municipality read; the responsible authority (here the
    # municipality) changes, and the employment officer, who reads the plan, is refused; the
    # client reads and approves their own and asks for a review; the welfare area of a
    # multi-sector plan reads it and never changes a plan.
    "plans": {
        "POST /v1/clients/{client_id}/plans": STAFF_RECORD,
        "GET /v1/clients/{client_id}/plans": rule("M E C", hidden="m c"),
        "GET /v1/me/plans": CLIENT_SELF_SERVICE,
        "GET /v1/plans/overdue-reviews": OWN_COLLECTION,
        "GET /v1/welfare-area/plans": rule("w"),
        "GET /v1/plans/{plan_id}": rule("M E C", hidden="m w c"),
        "PATCH /v1/plans/{plan_id}": MUNICIPAL_RECORD,
        "POST /v1/plans/{plan_id}/submit": MUNICIPAL_RECORD,
        "POST /v1/plans/{plan_id}/approve": rule("M C", hidden="m c"),
        "POST /v1/plans/{plan_id}/reviews": MUNICIPAL_RECORD,
        "POST /v1/plans/{plan_id}/review-requests": rule("M C", hidden="m c"),
        "POST /v1/plans/{plan_id}/extensions": MUNICIPAL_RECORD,
        "POST /v1/plans/{plan_id}/transfer": MUNICIPAL_RECORD,
    },
    # IS 7: the programme. Catalogue by the municipal authority; the provider sees its own
    # provider record, services and enrolments and reports on them.
    "programme": {
        "POST /v1/programme/providers": MUNICIPAL_COLLECTION,
        "GET /v1/programme/providers": rule("M E m P"),
        "GET /v1/programme/providers/{provider_id}": rule("M E P", hidden="m"),
        "PATCH /v1/programme/providers/{provider_id}": MUNICIPAL_RECORD,
        "POST /v1/programme/services": MUNICIPAL_COLLECTION,
        "POST /v1/programme/services/search": rule("M E m P"),
        "GET /v1/programme/services/{service_id}": rule("M E P", hidden="m"),
        "PATCH /v1/programme/services/{service_id}": MUNICIPAL_RECORD,
        "POST /v1/enrolments": rule(STAFF_091, hidden="m"),
        "GET /v1/enrolments": rule("M E m P"),
        "GET /v1/enrolments/{enrolment_id}": rule("M E P", hidden="m"),
        "POST /v1/enrolments/{enrolment_id}/attendance": rule("M E P", hidden="m"),
        "GET /v1/enrolments/{enrolment_id}/attendance": rule("M E P", hidden="m"),
        "POST /v1/enrolments/{enrolment_id}/interruption": rule("M E P", hidden="m"),
        "POST /v1/enrolments/{enrolment_id}/completion": rule("M E P", hidden="m"),
    },
    # IS 8: messaging. Threads of the municipality's clients; stakeholders only in threads they
    # were added to; the client in self-service; templates and campaigns by the municipality.
    "messaging": {
        "POST /v1/clients/{client_id}/threads": STAFF_RECORD,
        "GET /v1/clients/{client_id}/threads": rule(STAFF_091, hidden="m w P"),
        "GET /v1/threads": rule("M E m w P"),
        "GET /v1/threads/{thread_id}": rule(STAFF_091, hidden="m w P"),
        "GET /v1/threads/{thread_id}/messages": rule(STAFF_091, hidden="m w P"),
        "POST /v1/threads/{thread_id}/messages": rule(STAFF_091, hidden="m w P"),
        "POST /v1/threads/{thread_id}/read": rule(STAFF_091, hidden="m w P"),
        "GET /v1/me/threads": CLIENT_SELF_SERVICE,
        "GET /v1/me/threads/{thread_id}": OWN_SELF_SERVICE_RECORD,
        "GET /v1/me/threads/{thread_id}/messages": OWN_SELF_SERVICE_RECORD,
        "POST /v1/me/threads/{thread_id}/messages": OWN_SELF_SERVICE_RECORD,
        "POST /v1/me/threads/{thread_id}/read": OWN_SELF_SERVICE_RECORD,
        "GET /v1/me/opt-outs": CLIENT_SELF_SERVICE,
        "PUT /v1/me/opt-outs": CLIENT_SELF_SERVICE,
        "GET /v1/clients/{client_id}/opt-outs": STAFF_RECORD,
        "PUT /v1/clients/{client_id}/opt-outs": STAFF_RECORD,
        "GET /v1/message-templates": OWN_COLLECTION,
        "GET /v1/message-templates/{key}/{language}": STAFF_RECORD,
        "PUT /v1/message-templates/{key}/{language}": MUNICIPAL_RECORD,
        "POST /v1/message-templates/{key}/render": STAFF_RECORD,
        "POST /v1/clients/{client_id}/notifications": STAFF_RECORD,
        "GET /v1/clients/{client_id}/notifications": STAFF_RECORD,
        "GET /v1/notifications/{notification_id}": STAFF_RECORD,
        "POST /v1/notifications/{notification_id}/cancel": STAFF_RECORD,
        "POST /v1/campaigns": MUNICIPAL_COLLECTION,
        "GET /v1/campaigns": MUNICIPAL_COLLECTION,
        "GET /v1/campaigns/{campaign_id}": MUNICIPAL_RECORD,
        "POST /v1/campaigns/{campaign_id}/send": MUNICIPAL_RECORD,
        # Notifications (also a campaign's) are read by all the municipality's staff.
        "GET /v1/campaigns/{campaign_id}/notifications": STAFF_RECORD,
    },
    # IS 9: appointments. Officers book; every assignee (here the officer and the client) reads;
    # anyone with a calendar has their own; a feed URL is its own credential.
    "appointments": {
        "POST /v1/clients/{client_id}/appointments": STAFF_RECORD,
        "GET /v1/clients/{client_id}/appointments": STAFF_RECORD,
        "GET /v1/appointments/{appointment_id}": rule("M E C", hidden="m w P c"),
        "PATCH /v1/appointments/{appointment_id}": STAFF_RECORD,
        "DELETE /v1/appointments/{appointment_id}": STAFF_RECORD,
        "POST /v1/appointments/{appointment_id}/cancel": STAFF_RECORD,
        "GET /v1/appointments/{appointment_id}/history": STAFF_RECORD,
        "GET /v1/calendars/me.ics": rule("M m E w P C c"),
        "GET /v1/calendars/me": rule("M m E w P C c"),
        "GET /v1/calendars/people/{subject}": OWN_COLLECTION,
        "GET /v1/calendars/teams/{team}": OWN_COLLECTION,
        "POST /v1/calendar-feeds": rule("M m E w P C c"),
        "GET /v1/calendar-feeds/current": rule("M m E w P C c"),
        "DELETE /v1/calendar-feeds/current": rule("M m E w P C c"),
        "GET /v1/calendar-feeds/{token}.ics": public(
            "a calendar application has no token: the secret in the URL is the credential"
        ),
    },
    # IS 15: interpretation. Officers book and record; translations are the municipality's;
    # read-aloud serves staff and clients.
    "interpretation": {
        "POST /v1/interpreter-bookings": STAFF_RECORD,
        "GET /v1/interpreter-bookings": OWN_COLLECTION,
        "GET /v1/interpreter-bookings/{booking_id}": STAFF_RECORD,
        "POST /v1/interpreter-bookings/{booking_id}/confirm": STAFF_RECORD,
        "POST /v1/interpreter-bookings/{booking_id}/complete": STAFF_RECORD,
        "POST /v1/interpreter-bookings/{booking_id}/cancel": STAFF_RECORD,
        "POST /v1/interpretation-records": STAFF_RECORD,
        "GET /v1/interpretation-records": OWN_COLLECTION,
        # Keys are the municipality's own: another municipality writes its own text of a key.
        "PUT /v1/translations/{key}/{language}": OWN_COLLECTION,
        "GET /v1/translations/{key}/{language}": STAFF_RECORD,
        "GET /v1/translations/{key}": STAFF_RECORD,
        "GET /v1/translations/{key}/{language}/revisions": STAFF_RECORD,
        "POST /v1/read-aloud": rule("M m E w C c"),
        "GET /v1/read-aloud/languages": rule("M m E w C c"),
    },
    # IS 12: e-signature. The responsible authority's officer asks and signs; staff read; the
    # client reads and approves their own (in self-service, and by the same operations here);
    # anyone who reads may verify a PDF.
    "e-signature": {
        "POST /v1/plans/{plan_id}/signing-requests": MUNICIPAL_RECORD,
        "GET /v1/plans/{plan_id}/signing-requests": STAFF_RECORD,
        "GET /v1/clients/{client_id}/signing-requests": STAFF_RECORD,
        "GET /v1/signing-requests/{request_id}": rule("M E C", hidden="m w c"),
        "POST /v1/signing-requests/{request_id}/sign": rule("M C", hidden="m w c"),
        "POST /v1/signing-requests/{request_id}/decline": rule("M C", hidden="m w c"),
        "POST /v1/signing-requests/{request_id}/cancel": MUNICIPAL_RECORD,
        "GET /v1/signing-requests/{request_id}/document": rule("M E C", hidden="m w c"),
        "POST /v1/documents/verify": rule("M m E w C c"),
        "GET /v1/me/signing-requests": CLIENT_SELF_SERVICE,
        "GET /v1/me/signing-requests/{request_id}": OWN_SELF_SERVICE_RECORD,
        "GET /v1/me/signing-requests/{request_id}/document": OWN_SELF_SERVICE_RECORD,
        "POST /v1/me/signing-requests/{request_id}/approve": OWN_SELF_SERVICE_RECORD,
        "POST /v1/me/signing-requests/{request_id}/decline": OWN_SELF_SERVICE_RECORD,
    },
    # IS 11: contracts, cost entries and compensation claims: the municipal authority only.
    "contracts": {
        "POST /v1/contracts": MUNICIPAL_COLLECTION,
        "GET /v1/contracts": MUNICIPAL_COLLECTION,
        "GET /v1/contracts/expiring": MUNICIPAL_COLLECTION,
        "GET /v1/contracts/{contract_id}": MUNICIPAL_RECORD,
        "PATCH /v1/contracts/{contract_id}": MUNICIPAL_RECORD,
        "POST /v1/contracts/{contract_id}/activate": MUNICIPAL_RECORD,
        "POST /v1/contracts/{contract_id}/cancel": MUNICIPAL_RECORD,
        "POST /v1/contracts/{contract_id}/terminate": MUNICIPAL_RECORD,
        "POST /v1/contracts/{contract_id}/attachments": MUNICIPAL_RECORD,
        "GET /v1/contracts/{contract_id}/attachments": MUNICIPAL_RECORD,
        "GET /v1/contracts/{contract_id}/attachments/{attachment_id}/content": MUNICIPAL_RECORD,
        "GET /v1/account-codes": MUNICIPAL_COLLECTION,
        "POST /v1/cost-entries": rule("M", hidden="m"),
        "GET /v1/cost-entries": MUNICIPAL_COLLECTION,
        "GET /v1/cost-entries/{cost_entry_id}": MUNICIPAL_RECORD,
        "PATCH /v1/cost-entries/{cost_entry_id}": MUNICIPAL_RECORD,
        "POST /v1/cost-entries/{cost_entry_id}/void": MUNICIPAL_RECORD,
        "POST /v1/cost-entries/{cost_entry_id}/attachments": MUNICIPAL_RECORD,
        "GET /v1/cost-entries/{cost_entry_id}/attachments": MUNICIPAL_RECORD,
        "GET /v1/cost-entries/{cost_entry_id}/attachments/{attachment_id}/content": (
            MUNICIPAL_RECORD
        ),
        "POST /v1/compensation-claims": rule("M", hidden="m"),
        "GET /v1/compensation-claims": MUNICIPAL_COLLECTION,
        # The export format's JSON Schema: public knowledge, no data.
        "GET /v1/compensation-claims/schema": rule(ALL_SIGNED_IN),
        "GET /v1/compensation-claims/{claim_id}": MUNICIPAL_RECORD,
        "POST /v1/compensation-claims/{claim_id}/submit": MUNICIPAL_RECORD,
        "POST /v1/compensation-claims/{claim_id}/additions-requests": MUNICIPAL_RECORD,
        "POST /v1/compensation-claims/{claim_id}/additions": MUNICIPAL_RECORD,
        "POST /v1/compensation-claims/{claim_id}/decision": MUNICIPAL_RECORD,
        "POST /v1/compensation-claims/{claim_id}/payment": MUNICIPAL_RECORD,
        "POST /v1/compensation-claims/{claim_id}/cancel": MUNICIPAL_RECORD,
        "GET /v1/compensation-claims/{claim_id}/export": MUNICIPAL_RECORD,
    },
    # IS 4 and 21: counselling visits and series by the municipality's staff; the knowledge
    # base is written by staff and, once published, read by everyone signed in.
    "guidance": {
        "POST /v1/guidance/service-points": MUNICIPAL_COLLECTION,
        "GET /v1/guidance/service-points": OWN_COLLECTION,
        "POST /v1/clients/{client_id}/visits": STAFF_RECORD,
        "GET /v1/clients/{client_id}/visits": STAFF_RECORD,
        "GET /v1/visits/{visit_id}": STAFF_RECORD,
        "PATCH /v1/visits/{visit_id}": STAFF_RECORD,
        "POST /v1/anonymous-visits": STAFF_RECORD,
        "GET /v1/anonymous-visits": OWN_COLLECTION,
        "GET /v1/anonymous-visits/{visit_id}": STAFF_RECORD,
        "POST /v1/anonymous-visits/{visit_id}/link": STAFF_RECORD,
        "POST /v1/clients/{client_id}/guidance-series": STAFF_RECORD,
        "GET /v1/clients/{client_id}/guidance-series": STAFF_RECORD,
        "GET /v1/guidance-series/{series_id}": STAFF_RECORD,
        "POST /v1/guidance-series/{series_id}/tasks": STAFF_RECORD,
        "POST /v1/guidance-series/{series_id}/tasks/{task_id}/completion": STAFF_RECORD,
        "POST /v1/guidance-series/{series_id}/end": STAFF_RECORD,
        "POST /v1/knowledge-base/articles": OWN_COLLECTION,
        # Editors list articles; everyone else finds published ones by searching.
        "GET /v1/knowledge-base/articles": OWN_COLLECTION,
        "POST /v1/knowledge-base/search": rule("M m E w P C c"),
        # The article is a draft: readers of published articles do not see it.
        "GET /v1/knowledge-base/articles/{article_id}": rule(STAFF_091, hidden="m w P C c"),
        "PATCH /v1/knowledge-base/articles/{article_id}": STAFF_RECORD,
        "POST /v1/knowledge-base/articles/{article_id}/submit": STAFF_RECORD,
        "POST /v1/knowledge-base/articles/{article_id}/return": STAFF_RECORD,
        # E wrote the article: publishing it is refused by the four-eyes rule (403) once it is
        # submitted; as a draft it is a state conflict (409) for everyone.
        "POST /v1/knowledge-base/articles/{article_id}/publish": STAFF_RECORD,
        "POST /v1/knowledge-base/articles/{article_id}/withdraw": STAFF_RECORD,
        "GET /v1/knowledge-base/articles/{article_id}/revisions": STAFF_RECORD,
    },
    # IS 5, 6 and 18: placement and reception are the municipal integration authority's work;
    # cooperation and disclosures are the officers'; a welfare area sees only what was addressed
    # or disclosed to it (the records here are addressed to another area than w's), never the
    # municipality's side; the client reads the log of their own data and withdraws a basis.
    "welfare": {
        "POST /v1/placement-proposals": MUNICIPAL_COLLECTION,
        "GET /v1/placement-proposals": OWN_COLLECTION,
        "GET /v1/placement-proposals/{proposal_id}": STAFF_RECORD,
        "POST /v1/placement-proposals/{proposal_id}/decision": MUNICIPAL_RECORD,
        "POST /v1/placement-proposals/{proposal_id}/housing": MUNICIPAL_RECORD,
        "POST /v1/placement-proposals/{proposal_id}/earliest-arrival": MUNICIPAL_RECORD,
        "POST /v1/placement-proposals/{proposal_id}/arrival": MUNICIPAL_RECORD,
        "PATCH /v1/reception-tasks/{task_id}": MUNICIPAL_RECORD,
        "POST /v1/placement-proposals/{proposal_id}/consultation": MUNICIPAL_RECORD,
        "GET /v1/consultations": OWN_COLLECTION,
        "GET /v1/consultations/{consultation_id}": STAFF_RECORD,
        "POST /v1/reception-transfers": MUNICIPAL_COLLECTION,
        "GET /v1/reception-transfers/{transfer_id}": STAFF_RECORD,
        "POST /v1/clients/{client_id}/cooperations": STAFF_RECORD,
        "GET /v1/clients/{client_id}/cooperations": STAFF_RECORD,
        "GET /v1/cooperations/{cooperation_id}": STAFF_RECORD,
        "POST /v1/cooperations/{cooperation_id}/end": STAFF_RECORD,
        "POST /v1/cooperations/{cooperation_id}/bases": STAFF_RECORD,
        "POST /v1/disclosure-bases/{basis_id}/withdraw": STAFF_RECORD,
        "POST /v1/cooperations/{cooperation_id}/disclosures": STAFF_RECORD,
        "GET /v1/cooperations/{cooperation_id}/disclosures": STAFF_RECORD,
        "GET /v1/disclosures/{disclosure_id}": STAFF_RECORD,
        "GET /v1/clients/{client_id}/disclosures": STAFF_RECORD,
        "GET /v1/welfare-area/consultations": rule("w"),
        "GET /v1/welfare-area/consultations/{consultation_id}": rule("", hidden="w"),
        "POST /v1/welfare-area/consultations/{consultation_id}/answer": rule("", hidden="w"),
        "GET /v1/welfare-area/cooperations": rule("w"),
        "GET /v1/welfare-area/cooperations/{cooperation_id}": rule("", hidden="w"),
        "POST /v1/welfare-area/cooperations/{cooperation_id}/answer": rule("", hidden="w"),
        "GET /v1/welfare-area/cooperations/{cooperation_id}/disclosures": rule("", hidden="w"),
        "GET /v1/welfare-area/disclosures/{disclosure_id}": rule("", hidden="w"),
        "GET /v1/welfare-area/feed": rule("w"),
        "GET /v1/me/disclosures": CLIENT_SELF_SERVICE,
        "POST /v1/me/disclosure-bases/{basis_id}/withdraw": OWN_SELF_SERVICE_RECORD,
    },
    # IS 10 and 13: surveys and invitations by the municipality's staff; the client answers their
    # own in self-service, a stakeholder by a one-time link (whose token is the credential);
    # reports and the national extract are for managers, auditors and admins (none here).
    "reporting": {
        "POST /v1/feedback/surveys": MUNICIPAL_COLLECTION,
        "GET /v1/feedback/surveys": OWN_COLLECTION,
        "GET /v1/feedback/surveys/{survey_id}": STAFF_RECORD,
        "POST /v1/clients/{client_id}/feedback-invitations": STAFF_RECORD,
        "GET /v1/clients/{client_id}/feedback-invitations": STAFF_RECORD,
        "POST /v1/feedback/stakeholder-invitations": STAFF_RECORD,
        "GET /v1/me/feedback": CLIENT_SELF_SERVICE,
        "POST /v1/me/feedback/{invitation_id}/answer": OWN_SELF_SERVICE_RECORD,
        "GET /v1/feedback/links/{token}": public("the one-time link's token is the credential"),
        "POST /v1/feedback/links/{token}/answer": public(
            "the one-time link's token is the credential"
        ),
        "GET /v1/reports/{report}": rule(""),
        "GET /v1/national-extract": rule(""),
        # The extract's JSON Schema: public knowledge, no data.
        "GET /v1/national-extract/schema": rule(ALL_SIGNED_IN),
    },
    # IS 17: archiving. The municipality's archivists and officers (of both authorities: a
    # client's active use may end with either) read the retention rules, the clients due, the
    # jobs, holds and packages' metadata, and start and retry archive jobs; legal holds,
    # retrieval (download, verified listing) and disposal are the archivist's alone (no principal
    # here). Another municipality's officer uses its own archive and finds none of ours.
    "archive": {
        # The TOS in force: the same rules for every municipality's staff.
        "GET /v1/archive/retention-rules": OWN_COLLECTION,
        "GET /v1/archive/due-clients": OWN_COLLECTION,
        # The body names the client (one made for the matrix: the job removes it).
        "POST /v1/archive/jobs": STAFF_RECORD,
        "GET /v1/archive/jobs": OWN_COLLECTION,
        "GET /v1/archive/jobs/{job_id}": STAFF_RECORD,
        "POST /v1/archive/jobs/{job_id}/retry": STAFF_RECORD,
        "POST /v1/clients/{client_id}/legal-holds": ARCHIVIST_ONLY,
        "GET /v1/archive/legal-holds": OWN_COLLECTION,
        "POST /v1/archive/legal-holds/{hold_id}/lift": ARCHIVIST_ONLY,
        "GET /v1/archive/packages": OWN_COLLECTION,
        "GET /v1/archive/packages/{package_id}": STAFF_RECORD,
        "GET /v1/archive/packages/{package_id}/content": ARCHIVIST_ONLY,
        "POST /v1/archive/packages/{package_id}/verification": ARCHIVIST_ONLY,
        "POST /v1/archive/packages/{package_id}/dispose": ARCHIVIST_ONLY,
        "POST /v1/archive/disposal-runs": ARCHIVIST_ONLY,
        "GET /v1/archive/disposals": ARCHIVIST_ONLY,
    },
    # §3.4.4 outreach (tavoittaminen) is the municipal integration authority's duty: its officers
    # import the target-group lists and work on the targets (its managers read them; none here).
    # The employment authority, welfare areas, providers, clients and referrers never see them.
    "outreach": {
        "POST /v1/outreach/imports": MUNICIPAL_COLLECTION,
        "GET /v1/outreach/imports": MUNICIPAL_COLLECTION,
        "GET /v1/outreach/imports/{import_id}": MUNICIPAL_RECORD,
        "GET /v1/outreach/targets": MUNICIPAL_COLLECTION,
        "GET /v1/outreach/targets/window-ending": MUNICIPAL_COLLECTION,
        "GET /v1/outreach/targets/{target_id}": MUNICIPAL_RECORD,
        "GET /v1/outreach/targets/{target_id}/history": MUNICIPAL_RECORD,
        "POST /v1/outreach/targets/{target_id}/contacts": MUNICIPAL_RECORD,
        "PUT /v1/outreach/targets/{target_id}/assignee": MUNICIPAL_RECORD,
        # The reached person becomes a client of the municipality.
        "POST /v1/outreach/targets/{target_id}/client": MUNICIPAL_RECORD,
        # Counts only, but management information of the authority's own work.
        "GET /v1/outreach/coverage": MUNICIPAL_COLLECTION,
    },
    # IS 16 and 19: audit trails for auditors (none of the principals here); the client's own.
    "audit": {
        "GET /v1/audit/events": rule(""),
        "POST /v1/audit/verify": rule(""),
        "GET /v1/me": CLIENT_SELF_SERVICE,
        "GET /v1/me/audit-trail": CLIENT_SELF_SERVICE,
    },
}


def flat_policy() -> dict[str, Rule]:
    """Operation ("METHOD /path") → rule; an operation listed twice is an error."""
    flat: dict[str, Rule] = {}
    for area in POLICY.values():
        for operation, entry in area.items():
            assert operation not in flat, f"{operation} is classified twice"
            flat[operation] = entry
    return flat
