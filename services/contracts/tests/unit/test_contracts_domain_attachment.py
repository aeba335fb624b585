"""Attachment types, sizes, names and checksums."""

from __future__ import annotations

import hashlib

import pytest

from kotopolku.contracts.domain.attachment import (
    check_content,
    check_expected_sha256,
    validate_filename,
    validate_media_type,
)
from kotopolku.contracts.domain.errors import ContractsDomainError

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_media_types() -> None:
    assert validate_media_type("Application/PDF; charset=binary") == "application/pdf"
    for bad in ("", "application/x-msdownload", "text/html", "image/svg+xml"):
        with pytest.raises(ContractsDomainError):
            validate_media_type(bad)


@pytest.mark.parametrize(
    ("media_type", "content"),
    [
        ("application/pdf", PDF),
        ("image/png", PNG),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("text/plain", "Vuokrasopimus, liite 1 — ääkköset".encode()),
        (DOCX, b"PK\x03\x04\x14\x00"),
    ],
)
def test_content_that_matches_its_type(media_type: str, content: bytes) -> None:
    check_content(media_type, content, 1000)


@pytest.mark.parametrize(
    ("media_type", "content", "message"),
    [
        ("application/pdf", PNG, "does not look like application/pdf"),
        ("application/pdf", b"MZ\x90\x00", "does not look like"),
        ("image/png", PDF, "does not look like"),
        (DOCX, PDF, "does not look like"),
        ("text/plain", b"\xff\xfe\x00", "not UTF-8"),
        ("text/plain", b"a\x00b", "not plain text"),
        ("application/pdf", b"", "is empty"),
        ("application/pdf", PDF + b"x" * 1000, "larger than the limit of 1000 bytes"),
    ],
)
def test_content_that_is_refused(media_type: str, content: bytes, message: str) -> None:
    with pytest.raises(ContractsDomainError, match=message):
        check_content(media_type, content, 1000)


def test_file_names() -> None:
    assert validate_filename("  Vuokrasopimus 2026.pdf ") == "Vuokrasopimus 2026.pdf"
    for bad in (
        "",
        "../etc/passwd",
        "a/b.pdf",
        "C:\\x.pdf",
        ".hidden",
        "x.pdf.",
        "a\nb",
        "x" * 201,
    ):
        with pytest.raises(ContractsDomainError):
            validate_filename(bad)


def test_expected_checksum() -> None:
    actual = hashlib.sha256(PDF).hexdigest()
    check_expected_sha256("", actual)
    check_expected_sha256(actual.upper(), actual)
    with pytest.raises(ContractsDomainError, match="corrupted"):
        check_expected_sha256(hashlib.sha256(b"other").hexdigest(), actual)
    with pytest.raises(ContractsDomainError, match="64 hexadecimal"):
        check_expected_sha256("abc", actual)
