"""Outreach in the real clients service, over gRPC, on SQLite and PostgreSQL: importing lists
(all or nothing, matching, idempotent), tracking contacts, making clients, lists, coverage,
access and audit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date

import grpc
import pytest
from outreach_testkit import (
    AUDITOR,
    EMPLOYMENT_OFFICER,
    HEADER,
    MANAGER,
    OFFICER,
    OFFICER_837,
    OTHER_OFFICER,
    Clock,
    Outreach,
    csv_list,
    fields,
    people,
    rpc_error,
    start_outreach,
    target_resources,
)

from kotopolku.clients.tables import (
    audit_outbox,
    idempotency_keys,
    outreach_imports,
    outreach_target_events,
    outreach_target_groups,
    outreach_targets,
    reporting_outbox,
)
from kotopolku.clients.v1 import clients_pb2
from kotopolku.clients.v1 import outreach_pb2 as pb
from kotopolku.common import testing

OUTREACH_TABLES = (
    outreach_imports,
    outreach_targets,
    outreach_target_groups,
    outreach_target_events,
    idempotency_keys,
    audit_outbox,
    reporting_outbox,
)
NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture
async def svc(keys: testing.TestKeys, database_url: str) -> AsyncIterator[Outreach]:
    running = await start_outreach(keys, database_url, Clock())
    try:
        yield running
    finally:
        await running.stop()


# --- importing -----------------------------------------------------------------------------------


async def test_a_list_with_one_bad_row_imports_nothing_and_names_its_line(svc: Outreach) -> None:
    everyone = people(20)
    rows = [p.row() for p in everyone]
    rows[15] = everyone[15].row(first_permit="2022-12-31")  # line 17: out of the window
    error = await rpc_error(svc.import_list(csv_list(*rows)), INVALID)
    assert fields(error) == ["rows[17].first_permit_date"]
    assert "nothing was imported" in error.detail
    assert everyone[15].code not in error.detail + str(error.violations)
    # No trace: no import, target, group, history, idempotency key, audit record or fact.
    assert await svc.count(*OUTREACH_TABLES) == {table.name: 0 for table in OUTREACH_TABLES}
    assert target_resources(await svc.audit_events()) == []


async def test_a_good_list_matches_a_client_and_makes_targets_of_the_rest(svc: Outreach) -> None:
    known, *others = people(4)
    client = await svc.create_client(known.client())
    imported = await svc.import_list(csv_list(*(p.row() for p in [known, *others])))
    assert (imported.rows, imported.persons, imported.targets_created) == (4, 4, 4)
    assert (imported.matched_clients, imported.groups_added, imported.unchanged) == (1, 0, 0)
    assert imported.source == pb.TARGET_LIST_SOURCE_KELA
    assert imported.media_type == "text/csv"
    assert imported.imported_by == OFFICER.subject

    matched = await svc.target_of(known)
    assert matched.status == pb.OUTREACH_STATUS_CLIENT
    assert matched.client_id == client.id
    for person in others:
        target = await svc.target_of(person)
        assert target.status == pb.OUTREACH_STATUS_OPEN
        assert target.client_id == ""
        assert (target.first_names, target.last_name) == (person.first_names, person.last_name)
        assert target.first_permit_date == "2024-03-01"
        assert target.window_ends_on == "2027-03-01"
        [group] = target.groups
        assert group.target_group == pb.TARGET_GROUP_SOCIAL_ASSISTANCE
        assert group.source == pb.TARGET_LIST_SOURCE_KELA
        assert group.first_import_id == imported.id

    creates = [e for e in await svc.audit_events() if e.action == "outreach-target.create"]
    assert len(creates) == 4
    by_subject = {e.subject_client_id for e in creates}
    assert by_subject == {client.id, ""}
    assert all(e.resource.startswith("outreach-targets/") for e in creates)
    assert all(dict(e.context)["import"] == imported.id for e in creates)
    got = await svc.stub.GetImport(
        pb.GetImportRequest(import_id=imported.id), metadata=svc.md(MANAGER)
    )
    assert got == imported


async def test_never_matched_by_name_alone(svc: Outreach) -> None:
    header = "source_person_id,first_names,last_name,date_of_birth,target_group,first_permit_date"
    await svc.create_client(
        clients_pb2.Client(first_names="Mary", last_name="Okafor", date_of_birth="1979-03-08")
    )
    await svc.import_list(
        csv_list("MIG-1,Mary,Okafor,1979-03-08,trafficking-victim,2024-10-01", header=header),
        source=pb.TARGET_LIST_SOURCE_MIGRI,
    )
    [target] = await svc.targets()
    assert target.status == pb.OUTREACH_STATUS_OPEN
    assert target.client_id == ""
    assert target.source_person_id == "MIG-1"
    assert target.henkilotunnus == ""


async def test_importing_again_is_idempotent_and_lists_merge_into_one_target(
    svc: Outreach,
) -> None:
    amina, omar = people(2)
    kela = csv_list(amina.row(), omar.row())
    first = await svc.import_list(kela, key="kela-march")
    # The same upload retried with its key: the first import, nothing new.
    assert await svc.import_list(kela, key="kela-march") == first
    reused = await rpc_error(
        svc.import_list(csv_list(amina.row()), key="kela-march"), grpc.StatusCode.ALREADY_EXISTS
    )
    assert reused.type == "idempotency-key-reused"
    # The same list as a new upload: recognised, nothing changes.
    again = await svc.import_list(kela)
    assert (again.targets_created, again.groups_added, again.unchanged) == (0, 0, 2)
    before = await svc.count(outreach_targets, outreach_target_groups, outreach_target_events)

    # Another source names Amina in another group with an earlier permit date.
    svc.clock.advance(hours=1)
    dvv = csv_list(amina.row("international-protection", "2023-12-01"))
    merged = await svc.import_list(dvv, source=pb.TARGET_LIST_SOURCE_DVV)
    assert (merged.targets_created, merged.groups_added, merged.unchanged) == (0, 1, 0)
    after = await svc.count(outreach_targets, outreach_target_groups)
    assert after["outreach_targets"] == before["outreach_targets"] == 2
    assert after["outreach_target_groups"] == before["outreach_target_groups"] + 1
    target = await svc.target_of(amina)
    assert [(g.target_group, g.source) for g in target.groups] == [
        (pb.TARGET_GROUP_SOCIAL_ASSISTANCE, pb.TARGET_LIST_SOURCE_KELA),
        (pb.TARGET_GROUP_INTERNATIONAL_PROTECTION, pb.TARGET_LIST_SOURCE_DVV),
    ]
    assert target.first_permit_date == "2023-12-01"
    assert target.window_ends_on == "2026-12-01"
    assert target.version == 2
    history = await svc.stub.ListTargetHistory(
        pb.ListTargetHistoryRequest(target_id=target.id), metadata=svc.md(OFFICER)
    )
    assert [e.kind for e in history.events] == [
        pb.TARGET_EVENT_KIND_LISTED,
        pb.TARGET_EVENT_KIND_GROUP_ADDED,
    ]
    assert history.events[1].import_id == merged.id


async def test_a_client_who_appears_later_is_matched_by_the_next_import(svc: Outreach) -> None:
    [amina] = people(1)
    await svc.import_list(csv_list(amina.row()))
    client = await svc.create_client(amina.client())
    again = await svc.import_list(csv_list(amina.row()))
    assert (again.matched_clients, again.unchanged) == (1, 0)
    target = await svc.target_of(amina)
    assert (target.status, target.client_id) == (pb.OUTREACH_STATUS_CLIENT, client.id)
    updates = [e for e in await svc.audit_events() if e.action == "outreach-target.update"]
    assert [e.subject_client_id for e in updates] == [client.id]


async def test_a_json_list(svc: Outreach) -> None:
    [olena] = people(1, "Kovalenko", date(2001, 11, 2))
    document = {
        "rows": [
            {
                "henkilotunnus": olena.code,
                "first_names": "Olena",
                "last_name": "Kovalenko",
                "date_of_birth": "2001-11-02",
                "target_group": "international-protection",
                "first_permit_date": "2025-05-20",
                "languages": ["uk", "ru"],
                "email": "olena@example.fi",
            },
            {"first_names": "Nobody"},
        ]
    }
    error = await rpc_error(
        svc.import_list(
            json.dumps(document).encode(),
            media_type="application/json",
            source=pb.TARGET_LIST_SOURCE_MIGRI,
        ),
        INVALID,
    )
    assert "rows[1].henkilotunnus" in fields(error)
    assert "rows[1].last_name" in fields(error)
    document["rows"].pop()
    imported = await svc.import_list(
        json.dumps(document).encode(),
        media_type="application/json; charset=utf-8",
        source=pb.TARGET_LIST_SOURCE_MIGRI,
    )
    assert imported.media_type == "application/json"
    target = await svc.target_of(olena)
    assert list(target.languages) == ["uk", "ru"]
    assert target.contact.email == "olena@example.fi"


async def test_many_bad_rows_are_reported_within_what_grpc_carries(svc: Outreach) -> None:
    rows = [p.row(first_permit="2030-01-01") for p in people(500)]
    error = await rpc_error(svc.import_list(csv_list(*rows)), INVALID)
    assert len(error.violations) == 40
    assert error.violations[0].field == "rows[2].first_permit_date"
    assert "500 rows are not valid" in error.detail
    assert "the first 40 of 500 problems" in error.detail


async def test_source_and_idempotency_key_are_required(svc: Outreach) -> None:
    request = pb.ImportTargetListRequest(media_type="text/csv", content=csv_list())
    error = await rpc_error(svc.stub.ImportTargetList(request, metadata=svc.md(OFFICER)), INVALID)
    assert fields(error) == ["source", "idempotency_key"]


async def test_concurrent_imports_of_the_same_people_leave_one_target_each(
    svc: Outreach,
) -> None:
    everyone = people(30)
    kela = csv_list(*(p.row() for p in everyone))
    dvv = csv_list(*(p.row("international-protection") for p in everyone))
    results = await asyncio.gather(
        svc.import_list(kela, key="a"),
        svc.import_list(dvv, key="b", source=pb.TARGET_LIST_SOURCE_DVV),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, grpc.aio.AioRpcError):
            assert result.code() == grpc.StatusCode.ALREADY_EXISTS
    # Sending again with the same keys completes what failed, and repeats nothing.
    await svc.import_list(kela, key="a")
    await svc.import_list(dvv, key="b", source=pb.TARGET_LIST_SOURCE_DVV)
    counts = await svc.count(outreach_targets, outreach_target_groups)
    assert counts == {"outreach_targets": 30, "outreach_target_groups": 60}


# --- tracking ------------------------------------------------------------------------------------


async def test_contact_attempts_are_tracked_with_their_dates(svc: Outreach) -> None:
    [amina] = people(1)
    await svc.import_list(csv_list(amina.row()))
    target = await svc.target_of(amina)
    target = await svc.contact(target, pb.CONTACT_OUTCOME_NOT_REACHED, contacted_on="2026-02-20")
    target = await svc.contact(
        target, pb.CONTACT_OUTCOME_NOT_REACHED, channel=pb.CONTACT_CHANNEL_LETTER
    )
    assert target.status == pb.OUTREACH_STATUS_NOT_REACHED
    assert (target.attempt_count, target.last_attempt_on) == (2, "2026-03-02")
    assert [(a.outcome, a.channel, a.contacted_on) for a in target.attempts] == [
        (pb.CONTACT_OUTCOME_NOT_REACHED, pb.CONTACT_CHANNEL_PHONE, "2026-02-20"),
        (pb.CONTACT_OUTCOME_NOT_REACHED, pb.CONTACT_CHANNEL_LETTER, "2026-03-02"),
    ]
    # A stale version is refused and changes nothing.
    stale = await rpc_error(
        svc.contact(target, pb.CONTACT_OUTCOME_REACHED, version=1),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert stale.type == "stale-version"
    bad = await rpc_error(
        svc.stub.RecordContactAttempt(
            pb.RecordContactAttemptRequest(
                target_id=target.id, expected_version=target.version, contacted_on="2026-03-03"
            ),
            metadata=svc.md(OFFICER),
        ),
        INVALID,
    )
    assert fields(bad) == ["outcome", "channel", "contacted_on"]
    target = await svc.contact(target, pb.CONTACT_OUTCOME_REACHED, note="Soitto, sovittu käynti")
    assert target.status == pb.OUTREACH_STATUS_REACHED
    assert target.attempts[-1].note == "Soitto, sovittu käynti"
    target = await svc.contact(target, pb.CONTACT_OUTCOME_DECLINED)
    assert target.status == pb.OUTREACH_STATUS_DECLINED
    assert target.attempt_count == 4
    contacts = [e for e in await svc.audit_events() if e.action == "outreach-target.contact"]
    assert len(contacts) == 4
    assert {e.resource for e in contacts} == {f"outreach-targets/{target.id}"}


async def test_a_reached_person_becomes_a_client_from_what_the_list_carried(
    svc: Outreach,
) -> None:
    header = HEADER + ",languages,phone,postal_code"
    [amina, omar] = people(2)
    await svc.import_list(
        csv_list(
            amina.row("international-protection", "2024-03-01") + ",so ar,040 1234567,00100",
            omar.row("international-protection") + ",,,",
            header=header,
        ),
        source=pb.TARGET_LIST_SOURCE_MIGRI,
    )
    target = await svc.target_of(amina)
    refused = await rpc_error(
        svc.stub.ConvertTargetToClient(
            pb.ConvertTargetToClientRequest(target_id=target.id, expected_version=target.version),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert "reached" in refused.detail
    target = await svc.contact(target, pb.CONTACT_OUTCOME_REACHED)
    converted = await svc.stub.ConvertTargetToClient(
        pb.ConvertTargetToClientRequest(
            target_id=target.id,
            expected_version=target.version,
            segment=clients_pb2.CLIENT_SEGMENT_PLACED,
        ),
        metadata=svc.md(OFFICER),
    )
    assert converted.status == pb.OUTREACH_STATUS_CLIENT
    client = await svc.clients.GetClient(
        clients_pb2.GetClientRequest(client_id=converted.client_id), metadata=svc.md(OFFICER)
    )
    assert (client.first_names, client.last_name, client.henkilotunnus) == (
        amina.first_names,
        amina.last_name,
        amina.code,
    )
    assert client.date_of_birth == amina.born.isoformat()
    assert list(client.languages) == ["so", "ar"]
    assert (client.contact.phone, client.contact.postal_code) == ("+358401234567", "00100")
    assert client.first_permit_date == "2024-03-01"
    assert (
        client.residence_permit_type == clients_pb2.RESIDENCE_PERMIT_TYPE_INTERNATIONAL_PROTECTION
    )
    assert client.segment == clients_pb2.CLIENT_SEGMENT_PLACED
    events = await svc.audit_events()
    assert [e.action for e in events if e.resource == f"clients/{client.id}"][:1] == [
        "client.create"
    ]
    conversion = next(e for e in events if e.action == "outreach-target.client")
    assert conversion.subject_client_id == client.id

    # Omar is a client already (made by hand): linking needs no reaching, but the right person.
    other = await svc.target_of(omar)
    stranger = await svc.create_client(people(3)[2].client())
    mismatch = await rpc_error(
        svc.stub.ConvertTargetToClient(
            pb.ConvertTargetToClientRequest(
                target_id=other.id, expected_version=other.version, existing_client_id=stranger.id
            ),
            metadata=svc.md(OFFICER),
        ),
        INVALID,
    )
    assert fields(mismatch) == ["existing_client_id"]
    own = await svc.create_client(omar.client())
    linked = await svc.stub.ConvertTargetToClient(
        pb.ConvertTargetToClientRequest(
            target_id=other.id, expected_version=other.version, existing_client_id=own.id
        ),
        metadata=svc.md(OFFICER),
    )
    assert (linked.status, linked.client_id) == (pb.OUTREACH_STATUS_CLIENT, own.id)
    history = await svc.stub.ListTargetHistory(
        pb.ListTargetHistoryRequest(target_id=other.id), metadata=svc.md(OFFICER)
    )
    assert history.events[-1].kind == pb.TARGET_EVENT_KIND_CLIENT_LINKED
    assert history.events[-1].client_id == own.id
    done = await rpc_error(
        svc.contact(linked, pb.CONTACT_OUTCOME_REACHED), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert done.type == "invalid-state"


async def test_assignment_and_the_lists(svc: Outreach) -> None:
    everyone = people(5)
    await svc.import_list(
        csv_list(
            *(p.row(first_permit=date(2023, 6, 1 + i)) for i, p in enumerate(everyone)),
            everyone[0].row("child-home-care-allowance", "2023-06-01"),
        )
    )
    targets = await svc.targets()
    # By window end, soonest first.
    assert [t.window_ends_on for t in targets] == [f"2026-06-0{d}" for d in range(1, 6)]
    first = targets[0]
    assigned = await svc.stub.AssignTarget(
        pb.AssignTargetRequest(
            target_id=first.id,
            expected_version=first.version,
            assignee_subject=OTHER_OFFICER.subject,
            assignee_name="Outi Ohjaaja",
        ),
        metadata=svc.md(OFFICER),
    )
    assert (assigned.assignee_subject, assigned.assignee_name) == (
        OTHER_OFFICER.subject,
        "Outi Ohjaaja",
    )
    mine = await svc.targets(OTHER_OFFICER, assignee_subject=OTHER_OFFICER.subject)
    assert [t.id for t in mine] == [first.id]
    assert len(await svc.targets(unassigned=True)) == 4
    home_care = await svc.targets(target_group=pb.TARGET_GROUP_CHILD_HOME_CARE_ALLOWANCE)
    assert [t.id for t in home_care] == [first.id]
    await svc.contact(targets[1], pb.CONTACT_OUTCOME_NOT_REACHED)
    not_reached = await svc.targets(status=pb.OUTREACH_STATUS_NOT_REACHED)
    assert [t.id for t in not_reached] == [targets[1].id]
    # Pages of two cover everything once, in order.
    pages, token = [], ""
    while True:
        page = await svc.stub.ListTargets(
            pb.ListTargetsRequest(page_size=2, page_token=token), metadata=svc.md(MANAGER)
        )
        pages.append([t.id for t in page.targets])
        token = page.next_page_token
        if not token:
            break
    assert pages == [[t.id for t in targets[i : i + 2]] for i in (0, 2, 4)]
    unassigned = await svc.stub.AssignTarget(
        pb.AssignTargetRequest(target_id=first.id, expected_version=assigned.version),
        metadata=svc.md(OFFICER),
    )
    assert unassigned.assignee_subject == ""
    both = await rpc_error(
        svc.stub.ListTargets(
            pb.ListTargetsRequest(assignee_subject="x", unassigned=True), metadata=svc.md(OFFICER)
        ),
        INVALID,
    )
    assert fields(both) == ["unassigned"]


async def test_the_window_ending_list_is_ordered_and_holds_only_unfinished_outreach(
    svc: Outreach,
) -> None:
    everyone = people(6)
    permits = ["2023-05-01", "2023-03-10", "2023-04-15", "2023-03-02", "2025-01-01", "2023-03-20"]
    await svc.import_list(
        csv_list(*(p.row(first_permit=d) for p, d in zip(everyone, permits, strict=True)))
    )
    declined = await svc.target_of(everyone[5])
    await svc.contact(declined, pb.CONTACT_OUTCOME_DECLINED)
    reached = await svc.target_of(everyone[2])
    await svc.contact(reached, pb.CONTACT_OUTCOME_REACHED)

    page = await svc.stub.ListTargetsLeavingWindow(
        pb.ListTargetsLeavingWindowRequest(within_days=60), metadata=svc.md(OFFICER)
    )
    # Ends today (2026-03-02), 03-10, 04-15 (reached, not yet a client); 05-01 is 60 days away
    # exactly (2026-05-01); the declined one and the one ending in 2028 are not listed.
    assert [(t.henkilotunnus, t.window_ends_on) for t in page.targets] == [
        (everyone[3].code, "2026-03-02"),
        (everyone[1].code, "2026-03-10"),
        (everyone[2].code, "2026-04-15"),
        (everyone[0].code, "2026-05-01"),
    ]
    svc.clock.advance(days=1)
    page = await svc.stub.ListTargetsLeavingWindow(
        pb.ListTargetsLeavingWindowRequest(within_days=10), metadata=svc.md(MANAGER)
    )
    assert [t.window_ends_on for t in page.targets] == ["2026-03-10"]
    error = await rpc_error(
        svc.stub.ListTargetsLeavingWindow(
            pb.ListTargetsLeavingWindowRequest(within_days=400), metadata=svc.md(OFFICER)
        ),
        INVALID,
    )
    assert fields(error) == ["within_days"]


async def test_coverage_counts_per_group_and_status(svc: Outreach) -> None:
    everyone = people(4)
    client = await svc.create_client(everyone[0].client())
    await svc.import_list(
        csv_list(
            everyone[0].row(),
            everyone[1].row(first_permit="2023-03-05"),
            everyone[2].row(),
            everyone[2].row("child-home-care-allowance"),
            everyone[3].row(),
        )
    )
    await svc.contact(await svc.target_of(everyone[2]), pb.CONTACT_OUTCOME_REACHED)
    svc.clock.advance(days=10)  # everyone[1]'s window has ended unreached
    coverage = await svc.stub.GetOutreachCoverage(
        pb.GetOutreachCoverageRequest(), metadata=svc.md(MANAGER)
    )
    assert (coverage.municipality_code, coverage.as_of, coverage.persons) == (
        "091",
        "2026-03-12",
        4,
    )
    counts = {(c.target_group, c.status): (c.targets, c.window_ended) for c in coverage.counts}
    assert len(counts) == 4 * 5
    sa = pb.TARGET_GROUP_SOCIAL_ASSISTANCE
    assert counts[(sa, pb.OUTREACH_STATUS_OPEN)] == (2, 1)
    assert counts[(sa, pb.OUTREACH_STATUS_REACHED)] == (1, 0)
    assert counts[(sa, pb.OUTREACH_STATUS_CLIENT)] == (1, 0)
    assert counts[(pb.TARGET_GROUP_CHILD_HOME_CARE_ALLOWANCE, pb.OUTREACH_STATUS_REACHED)] == (1, 0)
    groups = {g.target_group: (g.targets, g.reached, g.clients, g.missed) for g in coverage.groups}
    assert groups[sa] == (4, 2, 1, 1)
    assert groups[pb.TARGET_GROUP_CHILD_HOME_CARE_ALLOWANCE] == (1, 1, 0, 0)
    assert groups[pb.TARGET_GROUP_TRAFFICKING_VICTIM] == (0, 0, 0, 0)
    assert client.id


# --- reporting facts -----------------------------------------------------------------------------


async def test_outreach_reports_pseudonymous_facts_with_the_changes(svc: Outreach) -> None:
    known, amina, omar = people(3)
    await svc.create_client(known.client())
    await svc.import_list(
        csv_list(known.row(), amina.row(), amina.row("child-home-care-allowance"), omar.row())
    )
    facts = await svc.facts()
    # Two groups of Amina, one of Omar; the person who is a client already is no target.
    identified = [f for f in facts if f.WhichOneof("body") == "outreach_target_identified"]
    assert sorted(f.outreach_target_identified.target_group for f in identified) == [
        "CHILD_HOME_CARE_ALLOWANCE",
        "SOCIAL_ASSISTANCE",
        "SOCIAL_ASSISTANCE",
    ]
    assert {f.outreach_target_identified.identified_on for f in identified} == {"2026-03-02"}
    assert {f.outreach_target_identified.window_ends_on for f in identified} == {"2027-03-01"}
    assert all(f.municipality_code == "091" and f.subject == "" for f in identified)
    assert len({f.record for f in identified}) == 2
    # A group new to Omar is reported; the same list again reports nothing.
    await svc.import_list(
        csv_list(omar.row("international-protection")), source=pb.TARGET_LIST_SOURCE_DVV
    )
    await svc.import_list(csv_list(amina.row()))
    assert len(await svc.facts()) == 4
    target = await svc.target_of(amina)
    await svc.contact(target, pb.CONTACT_OUTCOME_REACHED, contacted_on="2026-02-27")
    contacts = [f for f in await svc.facts() if f.WhichOneof("body") == "outreach_contact_recorded"]
    assert sorted(
        (c.outreach_contact_recorded.target_group, c.outreach_contact_recorded.result)
        for c in contacts
    ) == [("CHILD_HOME_CARE_ALLOWANCE", "REACHED"), ("SOCIAL_ASSISTANCE", "REACHED")]
    assert {c.outreach_contact_recorded.contacted_on for c in contacts} == {"2026-02-27"}
    [amina_record] = {
        f.record
        for f in identified
        if f.outreach_target_identified.target_group == "CHILD_HOME_CARE_ALLOWANCE"
    }
    assert {c.record for c in contacts} == {amina_record}
    payloads = b"".join(f.SerializeToString() for f in await svc.facts())
    for person in (known, amina, omar):
        assert person.code.encode() not in payloads
        assert person.last_name.encode() not in payloads
    assert target.id.encode() not in payloads


# --- access --------------------------------------------------------------------------------------


async def test_another_municipality_sees_nothing(svc: Outreach) -> None:
    [amina] = people(1)
    imported = await svc.import_list(csv_list(amina.row()))
    target = await svc.target_of(amina)
    assert await svc.targets(OFFICER_837) == []
    for call in (
        svc.stub.GetTarget(pb.GetTargetRequest(target_id=target.id), metadata=svc.md(OFFICER_837)),
        svc.stub.ListTargetHistory(
            pb.ListTargetHistoryRequest(target_id=target.id), metadata=svc.md(OFFICER_837)
        ),
        svc.contact(target, pb.CONTACT_OUTCOME_REACHED, caller=OFFICER_837),
        svc.stub.GetImport(
            pb.GetImportRequest(import_id=imported.id), metadata=svc.md(OFFICER_837)
        ),
    ):
        await rpc_error(call, NOT_FOUND)
    leaving = await svc.stub.ListTargetsLeavingWindow(
        pb.ListTargetsLeavingWindowRequest(within_days=366), metadata=svc.md(OFFICER_837)
    )
    assert list(leaving.targets) == []
    coverage = await svc.stub.GetOutreachCoverage(
        pb.GetOutreachCoverageRequest(), metadata=svc.md(OFFICER_837)
    )
    assert coverage.persons == 0
    imports = await svc.stub.ListImports(pb.ListImportsRequest(), metadata=svc.md(OFFICER_837))
    assert list(imports.imports) == []
    refusals = [e for e in await svc.audit_events() if e.outcome == "denied"]
    assert {e.actor_subject for e in refusals} == {OFFICER_837.subject}
    assert {e.resource for e in refusals} == {f"outreach-targets/{target.id}"}
    # Unchanged by the attempt.
    assert (await svc.target_of(amina)).version == 1


async def test_managers_read_only_and_other_roles_not_at_all(svc: Outreach) -> None:
    [amina] = people(1)
    await svc.import_list(csv_list(amina.row()))
    target = await svc.target_of(amina, MANAGER)
    denied = grpc.StatusCode.PERMISSION_DENIED
    await rpc_error(svc.contact(target, pb.CONTACT_OUTCOME_REACHED, caller=MANAGER), denied)
    await rpc_error(svc.import_list(csv_list(amina.row()), caller=MANAGER), denied)
    for caller in (EMPLOYMENT_OFFICER, AUDITOR):
        await rpc_error(svc.targets(caller), denied)
        await rpc_error(
            svc.stub.GetTarget(pb.GetTargetRequest(target_id=target.id), metadata=svc.md(caller)),
            denied,
        )
        await rpc_error(svc.import_list(csv_list(amina.row()), caller=caller), denied)


async def test_unknown_and_malformed_target_ids_answer_not_found(svc: Outreach) -> None:
    for target_id in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        await rpc_error(
            svc.stub.GetTarget(pb.GetTargetRequest(target_id=target_id), metadata=svc.md(OFFICER)),
            NOT_FOUND,
        )
    page_token = await rpc_error(
        svc.stub.ListTargets(pb.ListTargetsRequest(page_token="xyz"), metadata=svc.md(OFFICER)),
        INVALID,
    )
    assert fields(page_token) == ["page_token"]
