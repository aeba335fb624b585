"""The boundaries of signing requests: tenants and roles, bad input, idempotency, versions,
deadlines, declining and cancelling, the freshness of a client's sign-in, and documents that
cannot change."""

from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from esign_testkit import (
    ARCHIVIST,
    AUDITOR,
    EMPLOYMENT_OFFICER,
    MANAGER,
    OFFICER,
    OFFICER_837,
    OTHER_OFFICER,
    OTHER_WELFARE_WORKER,
    REFERRER,
    Esign,
    fields_of,
    rpc_error,
    signed_in,
)

from kotopolku.common.identity import Caller
from kotopolku.esign.tables import documents, signing_requests
from kotopolku.esign.v1 import esign_pb2 as pb

S = pb


async def test_other_tenants_and_roles_see_nothing(svc: Esign) -> None:
    client_id, client = await svc.new_client()
    _, other_client = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    # Another municipality cannot even find the plan to ask for signatures.
    await rpc_error(svc.create(plan.id, OFFICER_837), grpc.StatusCode.NOT_FOUND)
    created = await svc.create(plan.id)
    for outsider in (OFFICER_837, other_client, OTHER_WELFARE_WORKER):
        await rpc_error(svc.get(created.id, outsider), grpc.StatusCode.NOT_FOUND)
        await rpc_error(svc.document(created.id, outsider), grpc.StatusCode.NOT_FOUND)
    await rpc_error(svc.sign(created, OFFICER_837), grpc.StatusCode.NOT_FOUND)
    await rpc_error(svc.get(created.id, REFERRER), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(svc.verify(b"%PDF-1.7", REFERRER), grpc.StatusCode.PERMISSION_DENIED)
    # Staff of the municipality read; a manager or archivist does not sign.
    for reader in (MANAGER, ARCHIVIST, client):
        assert (await svc.get(created.id, reader)).id == created.id
    await rpc_error(svc.sign(created, MANAGER), grpc.StatusCode.PERMISSION_DENIED)
    # The employment authority does not sign for the municipality's plan.
    await rpc_error(svc.sign(created, EMPLOYMENT_OFFICER), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(svc.create(plan.id, EMPLOYMENT_OFFICER), grpc.StatusCode.PERMISSION_DENIED)
    # Lists are the municipality's; a client lists their own.
    listed = await svc.stub.ListSigningRequests(
        pb.ListSigningRequestsRequest(plan_id=plan.id), metadata=svc.md(OFFICER)
    )
    assert [r.id for r in listed.signing_requests] == [created.id]
    elsewhere = await svc.stub.ListSigningRequests(
        pb.ListSigningRequestsRequest(plan_id=plan.id), metadata=svc.md(OFFICER_837)
    )
    assert not elsewhere.signing_requests
    own = await svc.stub.ListOwnSigningRequests(
        pb.ListOwnSigningRequestsRequest(), metadata=svc.md(client)
    )
    assert [r.id for r in own.signing_requests] == [created.id]
    others = await svc.stub.ListOwnSigningRequests(
        pb.ListOwnSigningRequestsRequest(), metadata=svc.md(other_client)
    )
    assert not others.signing_requests
    assert (await svc.verify(b"%PDF-1.7 nothing", AUDITOR)).problem


async def test_bad_input_names_the_fields_and_changes_nothing(svc: Esign) -> None:
    client_id, _ = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    error = await rpc_error(
        svc.create(
            plan.id,
            deadline="2020-01-01",
            language="xx",
            official_language="en",
            order=9,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(error) == ["order", "deadline", "language", "official_language"]
    twice = await rpc_error(
        svc.create(plan.id, signers=[S.SIGNER_PARTY_CLIENT, S.SIGNER_PARTY_CLIENT]),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(twice) == ["signers[1]"]
    missing = await rpc_error(
        svc.create(plan.id, signers=[S.SIGNER_PARTY_CLIENT]), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert fields_of(missing) == ["signers"]
    welfare = await rpc_error(
        svc.create(plan.id, signers=[S.SIGNER_PARTY_WELFARE_AREA]),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(welfare) == ["signers[0]"]
    await rpc_error(svc.create("not-an-id"), grpc.StatusCode.NOT_FOUND)
    assert await svc.count(signing_requests) == 0
    assert await svc.count(documents) == 0


async def test_a_draft_is_not_signed_and_a_plan_has_one_pending_request(svc: Esign) -> None:
    client_id, _ = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id, idempotency_key="k-1")
    again = await svc.create(plan.id, idempotency_key="k-1")
    assert again.id == created.id
    reused = await rpc_error(
        svc.create(plan.id, idempotency_key="k-1", deadline=created.deadline),
        grpc.StatusCode.ALREADY_EXISTS,
    )
    assert reused.type == "idempotency-key-reused"
    second = await rpc_error(svc.create(plan.id), grpc.StatusCode.FAILED_PRECONDITION)
    assert created.id in second.detail
    assert await svc.count(signing_requests) == 1


async def test_versions_deadlines_and_fresh_sign_in(svc: Esign) -> None:
    client_id, client = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id, order=S.SIGNING_ORDER_PARALLEL)
    signed = await svc.sign(created, OFFICER)
    stale = await rpc_error(svc.sign(created, client), grpc.StatusCode.FAILED_PRECONDITION)
    assert stale.type == "stale-version"
    twice = await rpc_error(svc.sign(signed, OTHER_OFFICER), grpc.StatusCode.FAILED_PRECONDITION)
    assert "already signed" in twice.detail
    old_login = await rpc_error(
        svc.sign(signed, signed_in(client, ago=7200)), grpc.StatusCode.FAILED_PRECONDITION
    )
    assert "sign in again" in old_login.detail
    # The last day to sign is inclusive; the day after, the request has expired.
    svc.clock.advance(days=15)
    expired = await svc.get(created.id)
    assert expired.status == S.SIGNING_REQUEST_STATUS_EXPIRED
    late = await rpc_error(svc.sign(expired, client), grpc.StatusCode.FAILED_PRECONDITION)
    assert "deadline" in late.detail
    # An expired request does not block a new one.
    renewed = await svc.create(plan.id)
    assert renewed.status == S.SIGNING_REQUEST_STATUS_PENDING
    assert (await svc.get(created.id)).status == S.SIGNING_REQUEST_STATUS_EXPIRED


async def test_a_party_declines_and_an_officer_cancels(svc: Esign) -> None:
    client_id, client = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id, order=S.SIGNING_ORDER_PARALLEL)
    no_reason = await rpc_error(
        svc.stub.DeclineSigningRequest(
            pb.DeclineSigningRequestRequest(
                signing_request_id=created.id, expected_version=created.version
            ),
            metadata=svc.md(client),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert fields_of(no_reason) == ["reason"]
    declined = await svc.stub.DeclineSigningRequest(
        pb.DeclineSigningRequestRequest(
            signing_request_id=created.id,
            expected_version=created.version,
            reason="Haluan muuttaa tavoitteita",
        ),
        metadata=svc.md(client),
    )
    assert declined.status == S.SIGNING_REQUEST_STATUS_DECLINED
    assert declined.signers[1].status == S.SIGNER_STATUS_DECLINED
    await rpc_error(svc.sign(declined, OFFICER), grpc.StatusCode.FAILED_PRECONDITION)

    # A new request may now be made, and cancelled by the officer.
    fresh = await svc.create(plan.id)
    cancel = pb.CancelSigningRequestRequest(
        signing_request_id=fresh.id, expected_version=fresh.version, reason="väärä kieli"
    )
    await rpc_error(
        svc.stub.CancelSigningRequest(cancel, metadata=svc.md(client)),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    cancelled = await svc.stub.CancelSigningRequest(cancel, metadata=svc.md(OFFICER))
    assert cancelled.status == S.SIGNING_REQUEST_STATUS_CANCELLED
    assert cancelled.cancel_reason == "väärä kieli"


async def test_documents_cannot_change_and_are_checked_on_read(svc: Esign) -> None:
    client_id, _ = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id)
    assert host_database(svc) is not None
    with pytest.raises(sa.exc.DBAPIError, match="immutable"):
        async with host_database(svc).engine.begin() as connection:
            await connection.execute(
                sa.update(documents)
                .where(documents.c.sha256 == created.document_sha256)
                .values(content=b"%PDF-forged")
            )
    # A document whose bytes no longer have its hash is refused, not served.
    forged = "0" * 64
    async with host_database(svc).engine.begin() as connection:
        await connection.execute(
            sa.insert(documents).values(
                sha256=forged,
                content=b"%PDF-forged",
                size=11,
                media_type="application/pdf",
                created_at=svc.clock(),
            )
        )
        await connection.execute(
            sa.update(signing_requests)
            .where(signing_requests.c.id == created.id)
            .values(document_sha256=forged)
        )
    error = await rpc_error(svc.document(created.id), grpc.StatusCode.DATA_LOSS)
    assert error.type == "document-corrupted"


def host_database(svc: Esign):  # type: ignore[no-untyped-def]
    return svc.host.database


async def test_a_token_without_a_login_time_approves_with_the_time_unknown(svc: Esign) -> None:
    client_id, client = await svc.new_client()
    plan = await svc.submitted_plan(client_id)
    created = await svc.create(plan.id, order=S.SIGNING_ORDER_PARALLEL)
    password_grant = Caller(
        client.subject, client.roles, client.purpose, henkilotunnus=client.henkilotunnus, acr="1"
    )
    approved = await svc.sign(created, password_grant)
    assert approved.signers[1].authentication_context == "1"
    assert not approved.signers[1].HasField("authenticated_at")
