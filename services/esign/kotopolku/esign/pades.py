"""PAdES signatures (pyHanko): signing a PDF with a municipality's certificate and checking
what a PDF's signatures say.

Every signature is an incremental update: the bytes signed before stay as they were, and each
signature covers everything before it. A document is intact when every signature's digest
matches, every certificate chains to a trusted root, nothing but further signatures was added
after the first one, and the last signature covers the whole file (so no unsigned update was
appended).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from kotopolku.esign.domain.approval import ApprovalRecord, from_reason

# pyHanko logs a traceback for every modification it finds; a tampered upload is an answer,
# not an error of this service.
for _noisy in ("pyhanko.sign.diff_analysis", "pyhanko.sign.validation"):
    logging.getLogger(_noisy).setLevel(logging.CRITICAL)

_ACCEPTED_CHANGES: Final = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def sign_pdf(
    content: bytes,
    signer: SimpleSigner,
    *,
    field_name: str,
    reason: str,
    location: str,
    name: str,
) -> bytes:
    """``content`` with one more PAdES signature (an invisible signature field)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    output = signers.PdfSigner(metadata, signer=signer).sign_pdf(writer)
    return bytes(output.getvalue())


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    field_name: str
    certificate_subject: str
    signed_at: datetime | None
    intact: bool
    trusted: bool
    unchanged_since: bool
    covers_whole_file: bool
    reason: str
    approval: ApprovalRecord | None


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    intact: bool
    sha256: str
    signatures: tuple[SignatureCheck, ...]
    problem: str


def _check(signature: Any, roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    reason = str(signature.sig_object.get("/Reason", ""))
    return SignatureCheck(
        field_name=str(signature.field_name),
        certificate_subject=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        unchanged_since=bool(
            status.docmdp_ok is not False and status.modification_level in _ACCEPTED_CHANGES
        ),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        reason=reason,
        approval=from_reason(reason),
    )


def _problem(checks: tuple[SignatureCheck, ...]) -> str:
    if not checks:
        return "the document has no signatures"
    for check in checks:
        if not check.intact:
            return f"signature {check.field_name} does not match the document: it was changed"
        if not check.trusted:
            return f"signature {check.field_name} is not made with a trusted certificate"
        if not check.unchanged_since:
            return f"the document was changed after signature {check.field_name}"
    if not checks[-1].covers_whole_file:
        return "the document was changed after its last signature"
    return ""


def verify_pdf(content: bytes, roots: list[asn1_x509.Certificate]) -> DocumentCheck:
    digest = sha256(content)
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        checks = tuple(_check(signature, roots) for signature in reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        return DocumentCheck(
            False, digest, (), f"not a readable signed PDF ({type(error).__name__})"
        )
    problem = _problem(checks)
    return DocumentCheck(not problem, digest, checks, problem)
