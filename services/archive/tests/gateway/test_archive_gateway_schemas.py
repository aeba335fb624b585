"""The JSON shapes of the archive API: messages both ways, and the OpenAPI document (examples
on every request body, problems, conditional and idempotent operations)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kotopolku.archive.v1 import archive_pb2 as pb
from kotopolku.common.clock import to_timestamp
from kotopolku.gateway.app import create_app
from kotopolku.gateway.archive_schemas import (
    ArchivalPackage,
    ArchiveJob,
    ArchiveJobCreate,
    LegalHold,
    PackageVerification,
)


def test_a_job_request_becomes_its_message() -> None:
    body = ArchiveJobCreate.model_validate(
        {"client_id": "c-1", "reason": "Suunnitelma päättyi", "active_use_ended_on": "2026-11-30"}
    )
    assert body.message("key-1") == pb.StartArchiveJobRequest(
        client_id="c-1",
        reason="Suunnitelma päättyi",
        active_use_ended_on="2026-11-30",
        idempotency_key="key-1",
    )
    with pytest.raises(ValidationError):
        ArchiveJobCreate.model_validate({"client_id": "c-1", "reason": "x", "colour": "blue"})
    with pytest.raises(ValidationError):
        ArchiveJobCreate.model_validate({"client_id": "c" * 65, "reason": "x"})


def test_messages_become_json() -> None:
    from datetime import UTC, datetime

    moment = to_timestamp(datetime(2026, 11, 30, 10, tzinfo=UTC))
    job = ArchiveJob.of(
        pb.ArchiveJob(
            id="j",
            version=3,
            state="held",
            created_at=moment,
            steps=[pb.ArchiveStep(kind="check", state="done", completed_at=moment)],
        )
    )
    assert job.state == "held"
    assert job.completed_at is None
    assert job.steps[0].completed_at == datetime(2026, 11, 30, 10, tzinfo=UTC)
    hold = LegalHold.of(pb.LegalHold(id="h", state="active"))
    assert (hold.lifted_by, hold.lifted_at) == (None, None)
    package = ArchivalPackage.of(
        pb.ArchivalPackage(
            id="p",
            preservation="permanent",
            record_types=[
                pb.PackageRecordType(
                    record_type="plans.plan",
                    count=1,
                    rule=pb.RetentionRule(record_type="plans.plan", permanent=True),
                )
            ],
        )
    )
    assert package.disposal_due_on is None
    assert package.record_types[0].rule.retention_years is None
    verification = PackageVerification.of(
        pb.PackageVerification(package_id="p", valid=True, bag_info={"Bagging-Date": "2026-11-30"})
    )
    assert verification.problem is None
    assert verification.bag_info == {"Bagging-Date": "2026-11-30"}


def test_the_openapi_document_describes_the_archive() -> None:
    schema = create_app().openapi()
    paths = schema["paths"]
    components = schema["components"]["schemas"]
    archive = {
        (path, method): operation
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "archive" in operation.get("tags", [])
    }
    assert len(archive) >= 16
    bodies = 0
    for (path, _), operation in archive.items():
        assert {"401", "403", "404", "422"} <= set(operation["responses"]), path
        if "requestBody" in operation:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            properties = components[ref.rsplit("/", 1)[-1]]["properties"]
            assert any("examples" in p for p in properties.values()), path
            bodies += 1
    assert bodies == 3
    start = archive[("/v1/archive/jobs", "post")]
    assert "Idempotency-Key" in {p["name"] for p in start["parameters"]}
    assert "202" in start["responses"]
    for key in (
        ("/v1/archive/jobs/{job_id}/retry", "post"),
        ("/v1/archive/legal-holds/{hold_id}/lift", "post"),
        ("/v1/archive/packages/{package_id}/dispose", "post"),
    ):
        assert "If-Match" in {p["name"] for p in archive[key]["parameters"]}, key
        assert {"409", "412", "428"} <= set(archive[key]["responses"]), key
    download = archive[("/v1/archive/packages/{package_id}/content", "get")]
    assert "application/x-tar" in download["responses"]["200"]["content"]
