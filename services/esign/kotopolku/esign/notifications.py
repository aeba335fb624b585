"""The messages the e-signature service hands to other services: the invitation and reminder
to a client (messaging service) and the signed approval of a plan (plans service)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from kotopolku.common.clock import as_utc, to_timestamp
from kotopolku.esign.domain.model import SignerParty
from kotopolku.esign.rendering.document import MUNICIPALITIES
from kotopolku.esign.rendering.pdf import format_date
from kotopolku.messaging.v1 import messaging_pb2
from kotopolku.plans.v1 import plans_pb2

TEMPLATE: Final = "plan-signature-request"
_APPROVING_PARTIES: Final = {
    SignerParty.CLIENT: plans_pb2.APPROVAL_PARTY_CLIENT,
    SignerParty.OFFICER: plans_pb2.APPROVAL_PARTY_OFFICER,
}


def client_notification(
    row: Any, position: int, purpose: str, signing_url_template: str, send_at: datetime | None
) -> messaging_pb2.SendNotificationRequest:
    """An invitation (``purpose`` "invitation") or a reminder to sign, in the document's
    language; the messaging service finds the client's contact details itself."""
    names = MUNICIPALITIES.get(row.municipality_code)
    request = messaging_pb2.SendNotificationRequest(
        idempotency_key=f"esign:{row.id}:{position}:{purpose}",
        client_id=row.client_id,
        municipality_code=row.municipality_code,
        template_key=TEMPLATE,
        language=row.language,
        variables={
            "sign_url": signing_url_template.format(id=row.id),
            "deadline": format_date(row.deadline, "fi"),
            "organiser": names[0] if names else row.municipality_code,
        },
    )
    if send_at is not None:
        request.send_at.FromDatetime(as_utc(send_at))
    return request


def signed_approval(row: Any, signer_rows: list[Any]) -> plans_pb2.RecordSignedApprovalRequest:
    """The approvals the plans service keeps: the client's and the officer's."""
    return plans_pb2.RecordSignedApprovalRequest(
        plan_id=row.plan_id,
        plan_version=row.plan_version,
        signing_request_id=row.id,
        document_sha256=row.document_sha256,
        approvals=[
            plans_pb2.SignedApproval(
                party=_APPROVING_PARTIES[SignerParty(s.party)],
                subject=s.subject,
                approved_at=to_timestamp(s.signed_at),
            )
            for s in signer_rows
            if SignerParty(s.party) in _APPROVING_PARTIES
        ],
    )
