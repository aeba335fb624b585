"""Archival packages as BagIt bags (RFC 8493), made and checked by the Library of Congress'
``bagit`` library, stored as one uncompressed tar.

Layout of a bag::

    bagit.txt, bag-info.txt                 the bag's declaration and descriptive fields
    manifest-sha256.txt, manifest-sha512.txt  a checksum of every payload file
    tagmanifest-sha256.txt, …               checksums of the tag files
    data/metadata/description.json          who, what, record types, retention, publicity
    data/records/<service>/index.json       every record: type, id, dates, relations, file
    data/records/<service>/<type>/<id>.json a record as its service exported it (or .pdf, …)
    data/audit/audit-extract.json           the client's audit trail at packaging time

The record files hold the bytes the services exported, unchanged, so their SHA-256 in the index is
the services' own. The library works on directories; these functions run in a worker thread.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import bagit

from kotopolku.common.client_records import canonical_json

TAR_MEDIA_TYPE: Final = "application/x-tar"
CHECKSUMS: Final = ("sha256", "sha512")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_EXTENSIONS: Final = {"application/json": "json", "application/pdf": "pdf"}


@dataclass(frozen=True, slots=True)
class PackagedRecord:
    service: str
    record_type: str
    record_id: str
    media_type: str
    content: bytes
    sha256: str
    created_at: str
    updated_at: str
    related: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BagContents:
    records: Sequence[PackagedRecord]
    audit_extract: bytes
    description: Mapping[str, Any]
    bag_info: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class PackageFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Verification:
    valid: bool
    problem: str = ""
    bag_info: dict[str, str] = field(default_factory=dict)
    files: tuple[PackageFile, ...] = ()


def record_path(record: PackagedRecord) -> str:
    """Where a record lives inside data/: safe names only, whatever its id holds."""
    extension = _EXTENSIONS.get(record.media_type, "bin")
    name = _UNSAFE.sub("_", record.record_id.replace("/", "__"))[:180]
    kind = record.record_type.split(".", 1)[-1]
    return f"records/{record.service}/{_UNSAFE.sub('_', kind)}/{name}.{extension}"


def _write(root: Path, relative: str, content: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _index(records: Sequence[PackagedRecord]) -> dict[str, list[dict[str, Any]]]:
    by_service: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_service.setdefault(record.service, []).append(
            {
                "record_type": record.record_type,
                "record_id": record.record_id,
                "media_type": record.media_type,
                "sha256": record.sha256,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
                "related": list(record.related),
                "file": f"data/{record_path(record)}",
            }
        )
    return by_service


def build_package(contents: BagContents) -> bytes:
    """The bag as a tar; the bag is validated before it is handed back."""
    with tempfile.TemporaryDirectory(prefix="kotopolku-bag-") as directory:
        root = Path(directory) / "bag"
        root.mkdir()
        for record in contents.records:
            _write(root, record_path(record), record.content)
        for service, index in _index(contents.records).items():
            _write(root, f"records/{service}/index.json", _pretty(index))
        _write(root, "audit/audit-extract.json", contents.audit_extract)
        _write(root, "metadata/description.json", _pretty(contents.description))
        bag = bagit.make_bag(
            str(root), dict(contents.bag_info), processes=1, checksums=list(CHECKSUMS)
        )
        bag.validate(processes=1)
        return _tar(root)


def _pretty(document: Any) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True).encode() + b"\n"


def _tar(root: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = archive.gettarinfo(str(path), arcname=f"bag/{path.relative_to(root).as_posix()}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o644
            with path.open("rb") as file:
                archive.addfile(info, file)
    return buffer.getvalue()


def verify_package(data: bytes) -> Verification:
    """Unpacks the tar (regular files only, nothing outside the bag) and validates the bag:
    every payload file against both manifests, no file missing or added, the tag files."""
    with tempfile.TemporaryDirectory(prefix="kotopolku-verify-") as directory:
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
                archive.extractall(directory, filter="data")
        except (tarfile.TarError, OSError) as error:
            return Verification(False, f"the package is not a readable tar: {type(error).__name__}")
        root = Path(directory) / "bag"
        try:
            bag = bagit.Bag(str(root))
            bag.validate(processes=1)
        except bagit.BagValidationError as error:
            return Verification(False, _problem(error))
        except bagit.BagError as error:
            return Verification(False, f"not a bag: {error}")
        files = _files(bag)
        info = {str(k): _text(v) for k, v in bag.info.items()}
        return Verification(True, "", info, files)


def _text(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _problem(error: Any) -> str:
    details = getattr(error, "details", None) or []
    text = "; ".join(str(d) for d in details[:5]) if details else str(error)
    return text[:1000]


def _files(bag: Any) -> tuple[PackageFile, ...]:
    root = Path(bag.path)
    listed = []
    for path, digests in sorted(bag.payload_entries().items()):
        size = (root / path).stat().st_size
        listed.append(PackageFile(path, size, digests.get("sha256", "")))
    return tuple(listed)


def exported_json(document: Any) -> bytes:
    return canonical_json(document)
