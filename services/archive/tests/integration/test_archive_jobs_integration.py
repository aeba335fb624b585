"""Archiving a client end to end against the real services: the package holds every service's
records, the signed-off trail and the metadata; it verifies; the active data are gone; only
what accounting law keeps stays, minimised."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import tarfile

import grpc
import pytest
import sqlalchemy as sa
from archive_testkit import (
    ARCHIVIST,
    ARCHIVIST_837,
    AUDITOR,
    OFFICER,
    OFFICER_837,
    System,
    deliver_audit,
    rpc_error,
)
from prometheus_client import REGISTRY

from kotopolku.archive.metrics import JobGauges
from kotopolku.archive.tables import jobs
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.clients.tables import clients
from kotopolku.common.errors import parse_rpc_error
from kotopolku.contracts.tables import cost_entries
from kotopolku.guidance.tables import visits
from kotopolku.plans.tables import plan_goals, plans
from kotopolku.reporting.tables import facts
from kotopolku.welfare.tables import disclosure_log, reception_transfers


async def _archivable_client(svc: System) -> str:
    client_id, user = await svc.new_client_with_user()
    svc.last_plan = await svc.ended_plan(client_id, user)
    await svc.visit(client_id)
    await svc.cost(client_id, void=True)
    await svc.reception_transfer(client_id)
    await svc.reporting_data(client_id)
    await deliver_audit(svc)
    return client_id


async def test_a_client_whose_plan_ended_is_archived_and_minimised(svc: System) -> None:
    client_id = await _archivable_client(svc)
    due = await svc.archive.ListDueClients(pb.ListDueClientsRequest(), metadata=svc.md(ARCHIVIST))
    assert client_id in [c.client_id for c in due.clients]

    job = await svc.start_job(client_id)
    assert job.state == "running"
    assert [s.kind for s in job.steps][:2] == ["check", "export"]
    assert [s.service for s in job.steps if s.kind == "minimise"][-1] == "clients"
    await svc.engine.run_until_idle()

    done = await svc.job(job.id, OFFICER)
    assert done.state == "completed", done
    assert all(s.state == "done" for s in done.steps)

    package = await svc.archive.GetPackage(
        pb.GetPackageRequest(package_id=done.package_id), metadata=svc.md(ARCHIVIST)
    )
    assert package.state == "verified"
    types = {t.record_type: t for t in package.record_types}
    assert {"clients.client", "plans.plan", "plans.goal", "guidance.visit"} <= set(types)
    assert types["contracts.cost-entry"].rule.trigger == "end-of-record-year"
    assert types["plans.plan"].rule.secrecy_basis.startswith("JulkL 621/1999 24.1 § 25")
    assert package.preservation == "dispose"
    assert package.disposal_due_on == max(t.retention_ends_on for t in package.record_types)

    # The verified listing and the download agree with what was recorded.
    listing = await svc.archive.VerifyPackage(
        pb.VerifyPackageRequest(package_id=package.id), metadata=svc.md(ARCHIVIST)
    )
    assert listing.valid, listing.problem
    assert listing.bag_info["External-Identifier"] == package.id
    paths = {f.path for f in listing.files}
    assert "data/metadata/description.json" in paths
    assert "data/audit/audit-extract.json" in paths
    assert any(p.startswith("data/records/plans/plan/") for p in paths)
    download = await svc.archive.DownloadPackage(
        pb.DownloadPackageRequest(package_id=package.id), metadata=svc.md(ARCHIVIST)
    )
    assert hashlib.sha256(download.content).hexdigest() == package.sha256 == download.sha256
    with tarfile.open(fileobj=io.BytesIO(download.content)) as archive:
        member = archive.extractfile("bag/data/metadata/description.json")
        assert member is not None
        description = json.loads(member.read())
        trail = archive.extractfile("bag/data/audit/audit-extract.json")
        assert trail is not None
        actions = {e["event"]["action"] for e in json.loads(trail.read())}
    assert description["client_id"] == client_id
    assert {s["service"] for s in description["services"]} == {
        "clients",
        "plans",
        "guidance",
        "contracts",
        "welfare",
        "reporting",
    }
    assert "client.create" in actions
    assert {"welfare.reception-transfer", "welfare.disclosure-log", "reporting.fact"} <= set(types)

    # The active data are gone; the accounting record stays with its free text cleared.
    assert await svc.count("clients", clients, clients.c.id == client_id) == 0
    assert await svc.count("plans", plans, plans.c.client_id == client_id) == 0
    assert await svc.count("plans", plan_goals, plan_goals.c.plan_id == svc.last_plan.id) == 0
    assert await svc.count("guidance", visits, visits.c.client_id == client_id) == 0
    kept = await svc.rows(
        "contracts", sa.select(cost_entries).where(cost_entries.c.client_id == client_id)
    )
    assert [(r.description, r.void_reason, r.amount_cents) for r in kept] == [
        ("[minimised]", "[minimised]", 12_345)
    ]
    # The welfare area's disclosure stays provable, without the person's data; the reporting
    # fact stays for the figures, under a subject the client id no longer leads to.
    [transfer] = await svc.rows(
        "welfare",
        sa.select(reception_transfers).where(reception_transfers.c.client_id == client_id),
    )
    assert transfer.person["last_name"] == "[minimised]"
    assert await svc.count("welfare", disclosure_log, disclosure_log.c.client_id == client_id) == 1
    subject = svc.fact_recorder.subject("091", client_id)
    assert await svc.count("reporting", facts, facts.c.subject == subject) == 0
    assert await svc.count("reporting", facts, facts.c.municipality_code == "091") >= 1
    for service in ("clients", "plans", "guidance", "contracts", "welfare", "reporting"):
        assert await svc.minimisations(service, client_id) == 1


async def test_a_legal_hold_stops_the_job_before_minimisation(svc: System) -> None:
    client_id = await _archivable_client(svc)
    hold = await svc.archive.SetLegalHold(
        pb.SetLegalHoldRequest(client_id=client_id, reason="Valitus hallinto-oikeudessa"),
        metadata=svc.md(ARCHIVIST),
    )
    assert hold.state == "active"
    # Officers may not set or lift holds.
    await rpc_error(
        svc.archive.SetLegalHold(
            pb.SetLegalHoldRequest(client_id=client_id, reason="x"), metadata=svc.md(OFFICER)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    job = await svc.start_job(client_id)
    await svc.engine.run_until_idle()
    held = await svc.job(job.id)
    assert held.state == "held"
    assert {s.kind for s in held.steps if s.state == "done"} == {
        "check",
        "export",
        "audit-extract",
        "package",
        "verify",
    }
    assert await svc.count("clients", clients, clients.c.id == client_id) == 1
    assert await svc.count("guidance", visits, visits.c.client_id == client_id) == 1
    assert await svc.minimisations("plans", client_id) == 0

    await rpc_error(
        svc.archive.LiftLegalHold(
            pb.LiftLegalHoldRequest(hold_id=hold.id, reason="Ratkaistu", expected_version=99),
            metadata=svc.md(ARCHIVIST),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    lifted = await svc.archive.LiftLegalHold(
        pb.LiftLegalHoldRequest(hold_id=hold.id, reason="Ratkaistu", expected_version=1),
        metadata=svc.md(ARCHIVIST),
    )
    assert lifted.state == "lifted"
    assert lifted.lifted_by == ARCHIVIST.subject
    await svc.engine.run_until_idle()
    assert (await svc.job(job.id)).state == "completed"
    assert await svc.count("clients", clients, clients.c.id == client_id) == 0


async def test_another_municipality_sees_nothing(svc: System) -> None:
    client_id = await _archivable_client(svc)
    job = await svc.start_job(client_id)
    await svc.engine.run_until_idle()
    done = await svc.job(job.id)
    for caller in (OFFICER_837, ARCHIVIST_837):
        await rpc_error(
            svc.archive.GetArchiveJob(
                pb.GetArchiveJobRequest(job_id=job.id), metadata=svc.md(caller)
            ),
            grpc.StatusCode.NOT_FOUND,
        )
    await rpc_error(
        svc.archive.DownloadPackage(
            pb.DownloadPackageRequest(package_id=done.package_id), metadata=svc.md(ARCHIVIST_837)
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    listed = await svc.archive.ListPackages(
        pb.ListPackagesRequest(), metadata=svc.md(ARCHIVIST_837)
    )
    assert list(listed.packages) == []
    # Another municipality's client cannot be archived or held there.
    other = await svc.new_client()
    await rpc_error(svc.start_job(other, ARCHIVIST_837), grpc.StatusCode.NOT_FOUND)
    # Roles without the archive are refused outright; retrieval is the archivist's.
    await rpc_error(
        svc.archive.ListRetentionRules(pb.ListRetentionRulesRequest(), metadata=svc.md(AUDITOR)),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    await rpc_error(
        svc.archive.DownloadPackage(
            pb.DownloadPackageRequest(package_id=done.package_id), metadata=svc.md(OFFICER)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )


async def test_costs_still_to_claim_keep_the_client_from_being_minimised(svc: System) -> None:
    client_id, user = await svc.new_client_with_user()
    await svc.ended_plan(client_id, user)
    await svc.cost(client_id, void=False)
    job = await svc.start_job(client_id)
    await svc.engine.run_until_idle()
    failed = await svc.job(job.id)
    assert failed.state == "failed"
    assert "contracts: 1 cost entries can still be claimed" in failed.last_error
    assert [s.state for s in failed.steps][:2] == ["failed", "pending"]
    assert await svc.count("clients", clients, clients.c.id == client_id) == 1


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_records_written_after_the_export_are_not_lost(svc: System) -> None:
    client_id = await _archivable_client(svc)
    refusals = _sample(
        "kotopolku_archive_minimisation_failures_total", service="guidance", retryable="false"
    )
    failed_jobs = _sample("kotopolku_archive_jobs_failed_total")
    builds = _sample("kotopolku_archive_step_duration_seconds_count", step="package")
    verifications = _sample("kotopolku_archive_step_duration_seconds_count", step="verify")
    job = await svc.start_job(client_id)
    # Up to and including the verification of the package.
    while not any(s.kind == "verify" and s.state == "done" for s in (await svc.job(job.id)).steps):
        assert await svc.engine.run_once()
    await svc.visit(client_id, notes="Uusi käynti paketoinnin jälkeen")
    await svc.engine.run_until_idle()
    failed = await svc.job(job.id)
    assert failed.state == "failed"
    assert "guidance: records-changed" in failed.last_error
    # Operations see it: a refused minimisation, a failed job, a package built and verified.
    assert (
        _sample(
            "kotopolku_archive_minimisation_failures_total", service="guidance", retryable="false"
        )
        == refusals + 1
    )
    assert _sample("kotopolku_archive_jobs_failed_total") == failed_jobs + 1
    assert _sample("kotopolku_archive_step_duration_seconds_count", step="package") == builds + 1
    assert (
        _sample("kotopolku_archive_step_duration_seconds_count", step="verify") == verifications + 1
    )
    await JobGauges(svc.hosts["archive"].database, svc.clock).refresh()  # type: ignore[arg-type]
    assert _sample("kotopolku_archive_jobs", state="failed") >= 1
    assert _sample("kotopolku_archive_jobs", state="running") >= 0
    # Nothing of guidance was removed, the other services were minimised before it.
    assert await svc.count("guidance", visits, visits.c.client_id == client_id) == 2
    assert await svc.minimisations("guidance", client_id) == 0
    assert await svc.minimisations("plans", client_id) == 1
    # A retry cannot help (the package lacks the new visit); a new job archives the rest.
    retried = await svc.archive.RetryArchiveJob(
        pb.RetryArchiveJobRequest(job_id=job.id, expected_version=failed.version),
        metadata=svc.md(ARCHIVIST),
    )
    assert retried.state == "running"
    await svc.engine.run_until_idle()
    assert (await svc.job(job.id)).state == "failed"
    second = await svc.start_job(client_id)
    await svc.engine.run_until_idle()
    assert (await svc.job(second.id)).state == "completed"
    assert await svc.count("guidance", visits, visits.c.client_id == client_id) == 0
    packages = await svc.archive.ListPackages(
        pb.ListPackagesRequest(client_id=client_id), metadata=svc.md(ARCHIVIST)
    )
    assert len(packages.packages) == 2


async def test_start_is_idempotent_and_validated(svc: System) -> None:
    client_id = await _archivable_client(svc)
    request = pb.StartArchiveJobRequest(client_id=client_id, reason="x", idempotency_key="k-1")
    first = await svc.archive.StartArchiveJob(request, metadata=svc.md(ARCHIVIST))
    again = await svc.archive.StartArchiveJob(request, metadata=svc.md(ARCHIVIST))
    assert first.id == again.id
    error = await rpc_error(
        svc.archive.StartArchiveJob(
            pb.StartArchiveJobRequest(client_id=client_id, reason="", active_use_ended_on="x"),
            metadata=svc.md(ARCHIVIST),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "reason"
    await rpc_error(
        svc.archive.StartArchiveJob(
            pb.StartArchiveJobRequest(client_id=client_id, reason="again"),
            metadata=svc.md(ARCHIVIST),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )


async def test_two_requests_at_once_start_one_job(svc: System) -> None:
    client_id = await _archivable_client(svc)
    answers = await asyncio.gather(
        *(svc.start_job(client_id) for _ in range(4)), return_exceptions=True
    )
    started = [a for a in answers if isinstance(a, pb.ArchiveJob)]
    refused = [a for a in answers if isinstance(a, grpc.aio.AioRpcError)]
    assert len(started) == 1, answers
    assert len(refused) == 3
    for error in refused:
        remote = parse_rpc_error(error)
        assert (remote.code, remote.type) == (grpc.StatusCode.FAILED_PRECONDITION, "invalid-state")
    assert await svc.count("archive", jobs, jobs.c.client_id == client_id) == 1

    # The database itself refuses a second unfinished job, whatever a request checked before.
    database = svc.hosts["archive"].database
    assert database is not None
    [row] = await svc.rows("archive", sa.select(jobs).where(jobs.c.client_id == client_id))
    copy = {**row._mapping, "id": "second", "package_id": "second-package", "state": "held"}
    with pytest.raises(sa.exc.IntegrityError):
        async with database.transaction() as connection:
            await connection.execute(sa.insert(jobs).values(**copy))
    # A finished one is no obstacle.
    async with database.transaction() as connection:
        await connection.execute(sa.insert(jobs).values(**{**copy, "state": "failed"}))
        await connection.execute(sa.delete(jobs).where(jobs.c.id == "second"))
    await svc.engine.run_until_idle()
    assert (await svc.job(started[0].id)).state == "completed"
