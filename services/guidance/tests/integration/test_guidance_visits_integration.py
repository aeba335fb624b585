"""Counselling visits over gRPC on SQLite and PostgreSQL: anonymous visits that hold nothing
personal, client visits, and the consented link from one to the other."""

from __future__ import annotations

import grpc
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask
from guidance_testkit import (
    CLIENT_USER,
    REFERRER,
    Guidance,
    Office,
    anonymous_visit,
    client_visit,
    rpc_error,
)

from kotopolku.guidance.tables import ANONYMOUS_VISIT_COLUMNS, anonymous_visits, visits
from kotopolku.guidance.v1 import guidance_pb2 as pb

UUID_LENGTH = 36


async def test_an_anonymous_visit_stores_no_personal_data(svc: Guidance) -> None:
    office = Office.new()
    point = await svc.service_point(office.officer)
    created = await svc.anonymous(office.officer, anonymous_visit(point.id))

    # The table has exactly the reviewed columns: nowhere to put a name, a client, a note, a
    # time of day or a staff member.
    assert svc.host.database is not None
    async with svc.host.database.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("anonymous_visits")]
        )
    assert sorted(columns) == sorted(ANONYMOUS_VISIT_COLUMNS)

    [row] = await svc.rows(anonymous_visits, id=created.id)
    stored = dict(row._mapping)
    assert stored == {
        "id": created.id,
        "municipality_code": office.code,
        "service_point_id": point.id,
        "visited_on": stored["visited_on"],
        "channel": "ON_SITE",
        "language": "ar",
        "age_band": "30_TO_44",
        "topics": ["HOUSING", "SOCIAL_SECURITY"],
        "interpreter_used": True,
        "interpreter_language": "ar",
        "referrals": ["KELA"],
        "follow_up": "RETURN_VISIT",
    }
    assert stored["visited_on"].isoformat() == "2026-03-02"
    # Every text is an identifier or a code from a closed list, never free text.
    for name in ("id", "service_point_id"):
        assert len(stored[name]) == UUID_LENGTH
    assert not await svc.rows(visits, anonymous_visit_id=created.id)

    [event] = [
        e for e in await svc.audit_events() if e.resource == f"anonymous-visits/{created.id}"
    ]
    assert event.action == "anonymous-visit.create"
    assert event.subject_client_id == ""
    assert "age_band" in event.fields


async def test_anonymous_visits_take_codes_only_and_nothing_half_done(svc: Guidance) -> None:
    office = Office.new()
    point = await svc.service_point(office.officer)
    office_desk = await svc.service_point(office.officer, "Virasto", low_threshold=False)

    bad = anonymous_visit(
        point.id,
        visited_on="2026-03-03",
        topics=[pb.TOPIC_HOUSING, pb.TOPIC_HOUSING],
        interpreter=pb.Interpretation(used=False, language="ar"),
        follow_up=pb.FOLLOW_UP_STAFF_CONTACTS_CLIENT,
        age_band=0,
    )
    error = await rpc_error(svc.anonymous(office.officer, bad), grpc.StatusCode.INVALID_ARGUMENT)
    assert {v.field for v in error.violations} == {
        "visited_on",
        "topics[1]",
        "interpreter.language",
        "follow_up",
        "age_band",
    }
    error = await rpc_error(
        svc.anonymous(office.officer, anonymous_visit(office_desk.id)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "service_point_id"
    other = Office.new()
    foreign_point = await svc.service_point(other.officer)
    await rpc_error(
        svc.anonymous(office.officer, anonymous_visit(foreign_point.id)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    listed = await svc.stub.ListAnonymousVisits(
        pb.ListAnonymousVisitsRequest(), metadata=svc.md(office.manager)
    )
    assert list(listed.visits) == []


async def test_anonymous_create_is_idempotent_and_listed_by_date(svc: Guidance) -> None:
    office = Office.new()
    point = await svc.service_point(office.officer)
    first = await svc.anonymous(office.officer, anonymous_visit(point.id), key="k-1")
    again = await svc.anonymous(office.officer, anonymous_visit(point.id), key="k-1")
    assert again.id == first.id
    await rpc_error(
        svc.anonymous(office.officer, anonymous_visit(point.id, language="so"), key="k-1"),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    older = await svc.anonymous(office.officer, anonymous_visit(point.id, visited_on="2026-02-27"))
    page = await svc.stub.ListAnonymousVisits(
        pb.ListAnonymousVisitsRequest(page_size=1), metadata=svc.md(office.manager)
    )
    assert [v.id for v in page.visits] == [first.id]
    rest = await svc.stub.ListAnonymousVisits(
        pb.ListAnonymousVisitsRequest(page_size=1, page_token=page.next_page_token),
        metadata=svc.md(office.manager),
    )
    assert [v.id for v in rest.visits] == [older.id]
    assert rest.next_page_token == ""
    ranged = await svc.stub.ListAnonymousVisits(
        pb.ListAnonymousVisitsRequest(visited_until="2026-02-28"), metadata=svc.md(office.officer)
    )
    assert [v.id for v in ranged.visits] == [older.id]


async def test_client_visits_are_tenant_scoped_versioned_and_audited(svc: Guidance) -> None:
    office, other = Office.new(), Office.new()
    client = await svc.new_client(office.officer)
    created = await svc.visit(office.officer, client_visit(client.id), key="v-1")
    assert created.recorded_by == office.officer.subject
    assert created.follow_up_due == "2026-03-16"
    assert (await svc.visit(office.officer, client_visit(client.id), key="v-1")).id == created.id

    read = await svc.stub.GetVisit(
        pb.GetVisitRequest(visit_id=created.id), metadata=svc.md(office.manager)
    )
    assert read == created
    await rpc_error(
        svc.stub.GetVisit(pb.GetVisitRequest(visit_id=created.id), metadata=svc.md(other.officer)),
        grpc.StatusCode.NOT_FOUND,
    )
    # Another municipality's client is not there for this officer.
    await rpc_error(svc.visit(other.officer, client_visit(client.id)), grpc.StatusCode.NOT_FOUND)

    updated = await svc.stub.UpdateVisit(
        pb.UpdateVisitRequest(
            visit_id=created.id,
            visit=pb.Visit(follow_up=pb.FOLLOW_UP_NONE, notes="Ohjattu TE-palveluihin."),
            update_mask=FieldMask(paths=["follow_up", "follow_up_due", "notes"]),
            expected_version=created.version,
        ),
        metadata=svc.md(office.employment),
    )
    assert (updated.version, updated.follow_up, updated.follow_up_due) == (2, pb.FOLLOW_UP_NONE, "")
    stale = svc.stub.UpdateVisit(
        pb.UpdateVisitRequest(
            visit_id=created.id,
            visit=pb.Visit(notes="x"),
            update_mask=FieldMask(paths=["notes"]),
            expected_version=1,
        ),
        metadata=svc.md(office.officer),
    )
    await rpc_error(stale, grpc.StatusCode.FAILED_PRECONDITION)
    bad_due = svc.stub.UpdateVisit(
        pb.UpdateVisitRequest(
            visit_id=created.id,
            visit=pb.Visit(follow_up=pb.FOLLOW_UP_STAFF_CONTACTS_CLIENT),
            update_mask=FieldMask(paths=["follow_up"]),
            expected_version=2,
        ),
        metadata=svc.md(office.officer),
    )
    error = await rpc_error(bad_due, grpc.StatusCode.INVALID_ARGUMENT)
    assert error.violations[0].field == "follow_up_due"

    listed = await svc.stub.ListClientVisits(
        pb.ListClientVisitsRequest(client_id=client.id), metadata=svc.md(office.officer)
    )
    assert [v.id for v in listed.visits] == [created.id]
    events = [e for e in await svc.audit_events() if e.resource == f"visits/{created.id}"]
    assert {e.action for e in events} >= {"visit.create", "visit.read", "visit.update"}
    assert all(e.subject_client_id == client.id for e in events)
    refused = [e for e in events if e.outcome == "denied"]
    assert refused
    assert refused[0].actor_subject == other.officer.subject


async def test_only_officers_record_and_other_roles_are_refused(svc: Guidance) -> None:
    office = Office.new()
    point = await svc.service_point(office.manager)
    for caller in (office.manager, CLIENT_USER, REFERRER):
        await rpc_error(
            svc.anonymous(caller, anonymous_visit(point.id)), grpc.StatusCode.PERMISSION_DENIED
        )
    for caller in (CLIENT_USER, REFERRER):
        await rpc_error(
            svc.stub.ListAnonymousVisits(pb.ListAnonymousVisitsRequest(), metadata=svc.md(caller)),
            grpc.StatusCode.PERMISSION_DENIED,
        )
    await rpc_error(
        svc.stub.ListAnonymousVisits(pb.ListAnonymousVisitsRequest()),
        grpc.StatusCode.UNAUTHENTICATED,
    )


async def test_an_anonymous_visit_is_linked_to_a_client_only_with_consent(svc: Guidance) -> None:
    office = Office.new()
    point = await svc.service_point(office.officer)
    anonymous = await svc.anonymous(office.officer, anonymous_visit(point.id))
    client = await svc.new_client(office.officer)
    other_client = await svc.new_client(office.officer)

    def link(consent_id: str, client_id: str = client.id) -> object:
        return svc.stub.LinkAnonymousVisit(
            pb.LinkAnonymousVisitRequest(
                anonymous_visit_id=anonymous.id,
                client_id=client_id,
                consent_id=consent_id,
                notes="Asiakas pyysi liittämään käynnin.",
            ),
            metadata=svc.md(office.officer),
        )

    wrong_purpose = await svc.link_consent(
        office.officer, client.id, purpose="welfare-area-disclosure"
    )
    error = await rpc_error(link(wrong_purpose.id), grpc.StatusCode.INVALID_ARGUMENT)  # type: ignore[arg-type]
    assert error.violations[0].field == "consent_id"
    consent = await svc.link_consent(office.officer, client.id)
    # Another client's consent does not count.
    await rpc_error(link(consent.id, other_client.id), grpc.StatusCode.INVALID_ARGUMENT)  # type: ignore[arg-type]
    assert not await svc.rows(visits, anonymous_visit_id=anonymous.id)

    linked = await link(consent.id)  # type: ignore[misc]
    assert (linked.client_id, linked.anonymous_visit_id, linked.consent_id) == (
        client.id,
        anonymous.id,
        consent.id,
    )
    assert list(linked.topics) == [pb.TOPIC_HOUSING, pb.TOPIC_SOCIAL_SECURITY]
    assert (await link(consent.id)).id == linked.id  # type: ignore[misc]
    await rpc_error(link(consent.id, other_client.id), grpc.StatusCode.ALREADY_EXISTS)  # type: ignore[arg-type]

    # The anonymous record itself is unchanged and still holds no client.
    [row] = await svc.rows(anonymous_visits, id=anonymous.id)
    assert client.id not in {str(v) for v in row._mapping.values()}
    read = await svc.stub.GetAnonymousVisit(
        pb.GetAnonymousVisitRequest(anonymous_visit_id=anonymous.id),
        metadata=svc.md(office.officer),
    )
    assert read.linked
    [event] = [
        e
        for e in await svc.audit_events()
        if e.action == "anonymous-visit.link" and e.resource == f"visits/{linked.id}"
    ]
    assert event.subject_client_id == client.id

    withdrawn_client = await svc.new_client(office.officer)
    second = await svc.anonymous(office.officer, anonymous_visit(point.id))
    given = await svc.link_consent(office.officer, withdrawn_client.id)
    from kotopolku.clients.v1 import clients_pb2

    await svc.clients.WithdrawConsent(
        clients_pb2.WithdrawConsentRequest(client_id=withdrawn_client.id, consent_id=given.id),
        metadata=svc.md(office.officer),
    )
    await rpc_error(
        svc.stub.LinkAnonymousVisit(
            pb.LinkAnonymousVisitRequest(
                anonymous_visit_id=second.id, client_id=withdrawn_client.id, consent_id=given.id
            ),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
