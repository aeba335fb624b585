"""Attachments (liitteet) of contracts and evidence of costs: accepted file types, size limits and
file names.

Only document and image types an officer needs are accepted, and the content must look like the
type it claims to be (its first bytes), so a renamed executable is not stored as a PDF. Office
documents are ZIP containers; their type is taken from the declared media type once the
container signature matches.
"""

from __future__ import annotations

from typing import Final

from kotopolku.contracts.domain.errors import ContractsDomainError

DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
MAX_FILENAME_LENGTH: Final = 200
_ZIP: Final = (b"PK\x03\x04",)

# Media type → accepted leading bytes (None: text, checked as UTF-8 instead).
ACCEPTED_TYPES: Final[dict[str, tuple[bytes, ...] | None]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/plain": None,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _ZIP,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _ZIP,
    "application/vnd.oasis.opendocument.text": _ZIP,
    "application/vnd.oasis.opendocument.spreadsheet": _ZIP,
}
_FORBIDDEN_IN_NAME: Final = set('/\\:*?"<>|')


def validate_media_type(value: str, *, field: str = "media_type") -> str:
    media_type = value.split(";", 1)[0].strip().lower()
    if not media_type:
        raise ContractsDomainError(field, "is required")
    if media_type not in ACCEPTED_TYPES:
        accepted = ", ".join(sorted(ACCEPTED_TYPES))
        raise ContractsDomainError(field, f"is not an accepted file type ({accepted})")
    return media_type


def validate_filename(value: str, *, field: str = "filename") -> str:
    name = value.strip()
    if not name:
        raise ContractsDomainError(field, "is required")
    if len(name) > MAX_FILENAME_LENGTH:
        raise ContractsDomainError(field, f"must be at most {MAX_FILENAME_LENGTH} characters")
    if (
        not name.isprintable()
        or _FORBIDDEN_IN_NAME.intersection(name)
        or name.startswith(".")
        or name.endswith((".", " "))
    ):
        raise ContractsDomainError(
            field, 'must be a plain file name without a path or the characters / \\ : * ? " < > |'
        )
    return name


def check_content(
    media_type: str, content: bytes, max_bytes: int, *, field: str = "content"
) -> None:
    """Size within limits and content that looks like its declared type."""
    if not content:
        raise ContractsDomainError(field, "is empty")
    if len(content) > max_bytes:
        raise ContractsDomainError(field, f"is larger than the limit of {max_bytes} bytes")
    signatures = ACCEPTED_TYPES[media_type]
    if signatures is None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ContractsDomainError(field, "is not UTF-8 text") from None
        if "\x00" in text:
            raise ContractsDomainError(field, "is not plain text")
        return
    if not content.startswith(signatures):
        raise ContractsDomainError(field, f"does not look like {media_type}")


def check_expected_sha256(expected: str, actual: str, *, field: str = "expected_sha256") -> None:
    wanted = expected.strip().lower()
    if not wanted:
        return
    if len(wanted) != 64 or any(c not in "0123456789abcdef" for c in wanted):
        raise ContractsDomainError(field, "must be 64 hexadecimal digits")
    if wanted != actual:
        raise ContractsDomainError(
            field, "does not match the SHA-256 of the content received: the upload is corrupted"
        )
