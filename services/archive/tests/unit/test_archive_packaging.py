"""BagIt packages: made valid, checked strictly, and safe whatever a record id holds."""

from __future__ import annotations

import io
import tarfile

from kotopolku.archive.packaging import (
    BagContents,
    PackagedRecord,
    build_package,
    record_path,
    verify_package,
)


def record(record_id: str = "p1", content: bytes = b'{"a":1}', **fields: str) -> PackagedRecord:
    values = {
        "service": "plans",
        "record_type": "plans.plan",
        "media_type": "application/json",
    }
    values.update(fields)
    return PackagedRecord(
        record_id=record_id,
        content=content,
        sha256="",
        created_at="",
        updated_at="",
        related=(),
        **values,
    )


def package(*records: PackagedRecord) -> bytes:
    return build_package(
        BagContents(
            records or (record(),),
            b"[]",
            {"package_id": "pkg"},
            {"External-Identifier": "pkg", "Kotopolku-Municipality": "091"},
        )
    )


def _replace(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(data)) as source,
        tarfile.open(fileobj=out, mode="w") as target,
    ):
        for member in source.getmembers():
            body = source.extractfile(member)
            payload = content if member.name == name else (body.read() if body else b"")
            member.size = len(payload)
            target.addfile(member, io.BytesIO(payload))
    return out.getvalue()


def test_a_package_verifies_and_lists_its_files() -> None:
    result = verify_package(
        package(
            record(),
            record(
                "doc",
                b"%PDF-1.7",
                media_type="application/pdf",
                record_type="esign.document",
                service="esign",
            ),
        )
    )
    assert result.valid, result.problem
    assert result.bag_info["External-Identifier"] == "pkg"
    paths = {f.path for f in result.files}
    assert {
        "data/records/plans/plan/p1.json",
        "data/records/esign/document/doc.pdf",
        "data/records/plans/index.json",
        "data/audit/audit-extract.json",
        "data/metadata/description.json",
    } <= paths
    assert all(len(f.sha256) == 64 for f in result.files)


def test_a_changed_or_missing_file_fails() -> None:
    data = package()
    changed = _replace(data, "bag/data/records/plans/plan/p1.json", b'{"a":2}')
    result = verify_package(changed)
    assert not result.valid
    assert "p1.json" in result.problem
    not_a_tar = verify_package(b"not a tar at all")
    assert not not_a_tar.valid


def test_record_ids_cannot_escape_the_bag() -> None:
    path = record_path(record("../../etc/passwd"))
    assert path.startswith("records/plans/plan/")
    assert ".." not in path.split("/")
    assert verify_package(package(record("../../x"), record("a/b"))).valid
