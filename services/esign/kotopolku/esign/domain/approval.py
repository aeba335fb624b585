"""The approval a signature records, written into the signature dictionary's ``/Reason``.

Each party's approval is a PAdES signature made with the municipality's certificate; the party,
the person (Keycloak subject), the strength and time of their authentication, the time of the
approval and the signing request are written into its reason, which the signature covers. The
form is ``Kotopolku approval; party=CLIENT; subject=…; acr=…; auth_time=…; signed_at=…;
request=…`` — readable in any PDF reader and parsed back by verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from urllib.parse import quote, unquote

from kotopolku.esign.domain.model import SignerParty

PREFIX: Final = "Kotopolku approval"
_SAFE: Final = ":/.-_@+"


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    party: SignerParty
    subject: str
    signed_at: datetime
    authentication_context: str
    authenticated_at: datetime | None
    signing_request_id: str


def _time(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


def to_reason(record: ApprovalRecord) -> str:
    fields = {
        "party": record.party.value,
        "subject": record.subject,
        "acr": record.authentication_context,
        "auth_time": _time(record.authenticated_at),
        "signed_at": _time(record.signed_at),
        "request": record.signing_request_id,
    }
    return "; ".join([PREFIX, *(f"{k}={quote(v, safe=_SAFE)}" for k, v in fields.items())])


def _parse_time(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def from_reason(reason: str) -> ApprovalRecord | None:
    """The record in a reason this service wrote; None for any other text."""
    head, _, rest = reason.partition("; ")
    if head != PREFIX:
        return None
    fields = dict(part.partition("=")[::2] for part in rest.split("; "))
    try:
        signed_at = _parse_time(unquote(fields["signed_at"]))
        if signed_at is None:
            return None
        return ApprovalRecord(
            party=SignerParty(fields["party"]),
            subject=unquote(fields["subject"]),
            signed_at=signed_at,
            authentication_context=unquote(fields.get("acr", "")),
            authenticated_at=_parse_time(unquote(fields.get("auth_time", ""))),
            signing_request_id=unquote(fields.get("request", "")),
        )
    except (KeyError, ValueError):
        return None
