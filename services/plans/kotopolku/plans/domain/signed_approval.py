"""Approval by electronic signature (sähköinen allekirjoitus).

The e-signature service renders a submitted plan, has every party sign the rendering and then
reports the signed approvals. They count as the approvals of the version that was rendered, so
that version must still be the plan's: a plan changed after rendering was not what was signed.
Parties who had already approved the same version by hand keep their approval.
"""

from __future__ import annotations

from dataclasses import dataclass

from kotopolku.plans.domain.errors import InvalidPlanContent, InvalidTransition, PlanStateError
from kotopolku.plans.domain.model import ApprovalParty, PlanStatus


@dataclass(frozen=True, slots=True)
class SignedApprovalDecision:
    """The parties whose approval is to be recorded now; the plan then becomes ACTIVE."""

    new_parties: frozenset[ApprovalParty]
    status: PlanStatus = PlanStatus.ACTIVE


def record_signed(
    status: PlanStatus,
    version: int,
    signed_version: int,
    already: frozenset[ApprovalParty],
    signed: frozenset[ApprovalParty],
) -> SignedApprovalDecision:
    missing = set(ApprovalParty) - signed
    if missing:
        names = ", ".join(sorted(p.value for p in missing))
        raise InvalidPlanContent("approvals", f"every party must have signed; missing: {names}")
    if status is not PlanStatus.AWAITING_APPROVAL:
        raise InvalidTransition(
            "status",
            f"only a plan awaiting approval can be approved, this one is {status.value}",
        )
    if version != signed_version:
        raise PlanStateError(
            "plan_version",
            f"the plan was changed after it was rendered for signing "
            f"(signed version {signed_version}, now {version})",
        )
    return SignedApprovalDecision(frozenset(signed - already))


def signed_reason(signing_request_id: str, document_sha256: str) -> str:
    """The status change's reason: names the signed document, and marks the request recorded."""
    return (
        f"approved by electronic signature (signing request {signing_request_id}, "
        f"document sha256 {document_sha256})"
    )
