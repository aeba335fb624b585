"""Disposal when retention has ended, and permanent preservation where the TOS says so."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
import yaml
from archive_testkit import ARCHIVIST, OFFICER, System, rpc_error, running

from kotopolku.archive.domain.tos import SHIPPED_TOS
from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common import testing


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def svc(
    request: pytest.FixtureRequest,
    keys: testing.TestKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    """The shipped TOS, except that counselling visits are preserved permanently."""
    tmp_path = tmp_path_factory.mktemp("disposal")
    document = yaml.safe_load(SHIPPED_TOS.read_text(encoding="utf-8"))
    for rule in document["record_types"]:
        if rule["record_type"] == "guidance.visit":
            rule.pop("retention_years")
            rule.pop("trigger")
            rule["preservation"] = "permanent"
    tos = tmp_path / "tos.yaml"
    tos.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    kind = "sqlite:///" + str(tmp_path / "x.db") if request.param == "sqlite" else "postgresql"
    async with running(keys, kind, tmp_path, archive_settings={"tos_file": tos}) as system:
        yield system


async def _archive(svc: System, *, visit: bool) -> pb.ArchivalPackage:
    client_id, user = await svc.new_client_with_user()
    await svc.ended_plan(client_id, user)
    if visit:
        await svc.visit(client_id)
    job = await svc.start_job(client_id)
    await svc.engine.run_until_idle()
    done = await svc.job(job.id)
    assert done.state == "completed", done
    return await svc.archive.GetPackage(
        pb.GetPackageRequest(package_id=done.package_id), metadata=svc.md(ARCHIVIST)
    )


async def test_packages_are_disposed_of_when_retention_ends(svc: System) -> None:
    disposable = await _archive(svc, visit=False)
    permanent = await _archive(svc, visit=True)
    held = await _archive(svc, visit=False)
    assert disposable.preservation == "dispose"
    assert permanent.preservation == "permanent"
    assert permanent.disposal_due_on == ""
    await svc.archive.SetLegalHold(
        pb.SetLegalHoldRequest(client_id=held.client_id, reason="Vahingonkorvausasia vireillä"),
        metadata=svc.md(ARCHIVIST),
    )
    error = await rpc_error(
        svc.archive.DisposePackage(
            pb.DisposePackageRequest(package_id=disposable.id, expected_version=disposable.version),
            metadata=svc.md(ARCHIVIST),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    assert disposable.disposal_due_on in error.detail

    saved = svc.clock.now
    svc.clock.advance(days=366 * 13)
    try:
        await rpc_error(
            svc.archive.DisposePackage(
                pb.DisposePackageRequest(package_id=disposable.id, expected_version=1),
                metadata=svc.md(OFFICER),
            ),
            grpc.StatusCode.PERMISSION_DENIED,
        )
        await rpc_error(
            svc.archive.DisposePackage(
                pb.DisposePackageRequest(
                    package_id=permanent.id, expected_version=permanent.version
                ),
                metadata=svc.md(ARCHIVIST),
            ),
            grpc.StatusCode.FAILED_PRECONDITION,
        )
        run = await svc.archive.RunDisposal(pb.RunDisposalRequest(), metadata=svc.md(ARCHIVIST))
    finally:
        svc.clock.now = saved
    disposed = {d.package_id: d for d in run.disposed}
    assert disposable.id in disposed
    assert permanent.id not in disposed
    assert held.id not in disposed
    assert run.held >= 1
    record = disposed[disposable.id]
    assert record.disposed_by == ARCHIVIST.subject
    assert record.package_sha256 == disposable.sha256
    assert record.rule.startswith("TOS 2026.1: retention ended (")
    assert "plans.plan" in record.record_types

    after = await svc.archive.GetPackage(
        pb.GetPackageRequest(package_id=disposable.id), metadata=svc.md(ARCHIVIST)
    )
    assert after.state == "disposed"
    assert not (svc.objects / "archive" / "packages" / "091" / f"{disposable.id}.tar").exists()
    assert (svc.objects / "archive" / "packages" / "091" / f"{permanent.id}.tar").exists()
    await rpc_error(
        svc.archive.DownloadPackage(
            pb.DownloadPackageRequest(package_id=disposable.id), metadata=svc.md(ARCHIVIST)
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    listed = await svc.archive.ListDisposals(pb.ListDisposalsRequest(), metadata=svc.md(ARCHIVIST))
    assert disposable.id in [d.package_id for d in listed.disposals]


async def test_a_tampered_package_fails_verification(svc: System) -> None:
    package = await _archive(svc, visit=False)
    path = svc.objects / "archive" / "packages" / "091" / f"{package.id}.tar"
    data = bytearray(path.read_bytes())
    data[data.index(b'"client_id"') + 2] ^= 0x01
    path.write_bytes(bytes(data))
    verification = await svc.archive.VerifyPackage(
        pb.VerifyPackageRequest(package_id=package.id), metadata=svc.md(ARCHIVIST)
    )
    assert not verification.valid
    assert "checksum" in verification.problem
