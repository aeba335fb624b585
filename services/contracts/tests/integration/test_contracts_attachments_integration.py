"""Attachments through the object store, on SQLite and PostgreSQL: the directory backend, and
S3 (moto's S3 API server on loopback, reached by boto3) for the same journey."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from contracts_testkit import (
    EMPLOYMENT_OFFICER,
    MANAGER,
    OFFICER,
    OFFICER_837,
    Clock,
    System,
    rpc_error,
    start_system,
)

from kotopolku.common import testing
from kotopolku.contracts.tables import attachments
from kotopolku.contracts.v1 import contracts_pb2 as pb

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 5000
BUCKET = "kotopolku-contracts-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["directory", "s3"])
async def stored(
    request: pytest.FixtureRequest,
    keys: testing.TestKeys,
    database_url: str,
    clients_database_url: str,
    tmp_path: Path,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[System]:
    """The system with each object store backend."""
    settings: dict[str, str] = {}
    url = str(tmp_path / "objects")
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "kotopolku-test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "kotopolku-test-secret")
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        if BUCKET not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=BUCKET)
        url = f"s3://{BUCKET}/{tmp_path.name}"
        settings = {"object_store_s3_endpoint_url": endpoint, "object_store_s3_region": "us-east-1"}
    running = await start_system(keys, database_url, clients_database_url, url, clock, **settings)
    try:
        yield running
    finally:
        await running.stop()


def add(
    owner_id: str,
    content: bytes = PDF,
    media_type: str = "application/pdf",
    owner: int = pb.ATTACHMENT_OWNER_CONTRACT,
    **fields: str,
) -> pb.AddAttachmentRequest:
    values = {"filename": "Sopimus allekirjoitettu.pdf", **fields}
    return pb.AddAttachmentRequest(
        owner=owner, owner_id=owner_id, media_type=media_type, content=content, **values
    )


async def test_contract_attachment_round_trip(stored: System) -> None:
    svc = stored
    contract = await svc.create_contract()
    digest = hashlib.sha256(PDF).hexdigest()
    added = await svc.stub.AddAttachment(
        add(contract.id, expected_sha256=digest, idempotency_key="a-1"), metadata=svc.md(OFFICER)
    )
    assert (added.filename, added.media_type, added.size_bytes, added.sha256) == (
        "Sopimus allekirjoitettu.pdf",
        "application/pdf",
        len(PDF),
        digest,
    )
    retried = await svc.stub.AddAttachment(
        add(contract.id, expected_sha256=digest, idempotency_key="a-1"), metadata=svc.md(OFFICER)
    )
    assert retried == added
    assert len(await svc.rows(attachments)) == 1
    listed = await svc.stub.ListAttachments(
        pb.ListAttachmentsRequest(owner=pb.ATTACHMENT_OWNER_CONTRACT, owner_id=contract.id),
        metadata=svc.md(MANAGER),
    )
    assert list(listed.attachments) == [added]
    fetched = await svc.stub.GetAttachmentContent(
        pb.GetAttachmentContentRequest(
            owner=pb.ATTACHMENT_OWNER_CONTRACT, owner_id=contract.id, attachment_id=added.id
        ),
        metadata=svc.md(OFFICER),
    )
    assert fetched.content == PDF
    assert fetched.attachment == added
    read = await svc.stub.GetContract(
        pb.GetContractRequest(contract_id=contract.id), metadata=svc.md(OFFICER)
    )
    assert read.attachment_count == 1

    hidden = await rpc_error(
        svc.stub.GetAttachmentContent(
            pb.GetAttachmentContentRequest(
                owner=pb.ATTACHMENT_OWNER_CONTRACT, owner_id=contract.id, attachment_id=added.id
            ),
            metadata=svc.md(OFFICER_837),
        ),
        grpc.StatusCode.NOT_FOUND,
    )
    assert hidden.type == "not-found"
    await rpc_error(
        svc.stub.AddAttachment(add(contract.id), metadata=svc.md(OFFICER_837)),
        grpc.StatusCode.NOT_FOUND,
    )
    await rpc_error(
        svc.stub.AddAttachment(add(contract.id), metadata=svc.md(EMPLOYMENT_OFFICER)),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    actions = [e.action for e in await svc.audit_events() if "/attachments/" in e.resource]
    assert actions == ["attachment.create", "attachment.read", "attachment.read-content"]


async def test_refused_uploads_store_nothing(stored: System) -> None:
    svc = stored
    contract = await svc.create_contract()
    cases = [
        (add(contract.id, content=b"MZ\x90\x00executable"), "content"),
        (add(contract.id, media_type="text/html"), "media_type"),
        (add(contract.id, content=b""), "content"),
        (add(contract.id, filename="../../etc/passwd"), "filename"),
        (add(contract.id, expected_sha256=hashlib.sha256(b"other").hexdigest()), "expected_sha256"),
    ]
    for request, field in cases:
        error = await rpc_error(
            svc.stub.AddAttachment(request, metadata=svc.md(OFFICER)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert [v.field for v in error.violations] == [field]
    assert await svc.rows(attachments) == []


@pytest.fixture
async def svc_small_limit(
    keys: testing.TestKeys,
    database_url: str,
    clients_database_url: str,
    tmp_path: Path,
    clock: Clock,
) -> AsyncIterator[System]:
    running = await start_system(
        keys,
        database_url,
        clients_database_url,
        str(tmp_path / "objects"),
        clock,
        max_attachment_bytes=20_000,
    )
    try:
        yield running
    finally:
        await running.stop()


async def test_a_damaged_stored_file_is_detected_and_evidence_of_costs(
    svc_small_limit: System, tmp_path: Path
) -> None:
    svc = svc_small_limit
    client = await svc.new_client()
    cost = await svc.cost(client.id)
    receipt = "Lasku LASKU-2026-0042: tulkkaus 2 h, 123,45 €\n".encode()
    evidence = await svc.stub.AddAttachment(
        add(
            cost.id,
            content=receipt,
            media_type="text/plain; charset=utf-8",
            owner=pb.ATTACHMENT_OWNER_COST_ENTRY,
            filename="lasku.txt",
        ),
        metadata=svc.md(OFFICER),
    )
    assert evidence.media_type == "text/plain"
    audited = [e for e in await svc.audit_events() if e.action == "attachment.create"]
    assert audited[0].subject_client_id == client.id

    [path] = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert path.read_bytes() == receipt
    path.write_bytes(receipt.replace(b"2 h", b"9 h"))
    damaged = await rpc_error(
        svc.stub.GetAttachmentContent(
            pb.GetAttachmentContentRequest(
                owner=pb.ATTACHMENT_OWNER_COST_ENTRY, owner_id=cost.id, attachment_id=evidence.id
            ),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.DATA_LOSS,
    )
    assert damaged.type == "integrity-error"
    too_big = await rpc_error(
        svc.stub.AddAttachment(
            add(cost.id, content=PDF * 5, owner=pb.ATTACHMENT_OWNER_COST_ENTRY),
            metadata=svc.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "limit of 20000 bytes" in too_big.violations[0].description
