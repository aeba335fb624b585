"""Rules of a signing request (allekirjoituspyyntö): who signs, in which order, by when.

A plan is signed by its client and an officer of the authority responsible for it; a
multi-sector plan also by the welfare area taking part. In a sequential request a party may sign
only after everyone before it; in a parallel one in any order. A request is PENDING until every
party has signed (COMPLETED), a party declines (DECLINED), an officer cancels it (CANCELLED), or
its deadline — the last day to sign, a Finnish calendar day — has passed (EXPIRED). Expiry is
derived from the date, so no job has to run for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Final

from kotopolku.esign.domain.errors import EsignDomainError, NotASigner, SigningStateError
from kotopolku.esign.domain.model import (
    PlanKind,
    RequestStatus,
    Signer,
    SignerParty,
    SignerStatus,
    SigningOrder,
    finnish_time,
)

DEFAULT_DEADLINE_DAYS: Final = 14
MAX_DEADLINE_DAYS: Final = 90
# Reminders go out in the morning, Finnish time, not at the minute the request was made.
REMINDER_HOUR: Final = 9
MAX_REASON: Final = 1000


def required_parties(kind: PlanKind) -> tuple[SignerParty, ...]:
    """Every party who must sign a plan of ``kind``, in the default signing order."""
    if kind is PlanKind.MULTI_SECTOR:
        return (SignerParty.OFFICER, SignerParty.CLIENT, SignerParty.WELFARE_AREA)
    return (SignerParty.OFFICER, SignerParty.CLIENT)


def signers_for(
    kind: PlanKind, requested: Sequence[SignerParty], welfare_area: str
) -> list[Signer]:
    """The signers of a new request: the requested order, or the default one. Each required
    party exactly once, and no one else."""
    required = required_parties(kind)
    order = list(requested) or list(required)
    seen: set[SignerParty] = set()
    for index, party in enumerate(order):
        if party not in required:
            raise EsignDomainError(
                f"signers[{index}]", f"{party.value} does not sign a {kind.value} plan"
            )
        if party in seen:
            raise EsignDomainError(f"signers[{index}]", f"{party.value} is given twice")
        seen.add(party)
    missing = [p.value for p in required if p not in seen]
    if missing:
        raise EsignDomainError("signers", "missing required parties: " + ", ".join(missing))
    if SignerParty.WELFARE_AREA in seen and not welfare_area:
        raise SigningStateError("plan_id", "the multi-sector plan names no welfare area")
    return [
        Signer(
            position=index + 1,
            party=party,
            welfare_area=welfare_area if party is SignerParty.WELFARE_AREA else "",
        )
        for index, party in enumerate(order)
    ]


def deadline_for(requested: date | None, today: date) -> date:
    if requested is None:
        return today + timedelta(days=DEFAULT_DEADLINE_DAYS)
    if requested < today:
        raise EsignDomainError("deadline", "must not be in the past")
    if requested > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise EsignDomainError("deadline", f"must be at most {MAX_DEADLINE_DAYS} days ahead")
    return requested


def status_on(stored: RequestStatus, deadline: date, today: date) -> RequestStatus:
    """The status as of ``today``: a pending request whose last day has passed has expired."""
    if stored is RequestStatus.PENDING and today > deadline:
        return RequestStatus.EXPIRED
    return stored


def signer_statuses(order: SigningOrder, signers: Sequence[Signer]) -> list[SignerStatus]:
    statuses: list[SignerStatus] = []
    earlier_done = True
    for signer in sorted(signers, key=lambda s: s.position):
        if signer.signed:
            statuses.append(SignerStatus.SIGNED)
        elif signer.declined:
            statuses.append(SignerStatus.DECLINED)
        elif order is SigningOrder.PARALLEL or earlier_done:
            statuses.append(SignerStatus.PENDING)
        else:
            statuses.append(SignerStatus.WAITING)
        earlier_done = earlier_done and signer.signed
    return statuses


def pending_parties(order: SigningOrder, signers: Sequence[Signer]) -> frozenset[SignerParty]:
    ordered = sorted(signers, key=lambda s: s.position)
    return frozenset(
        s.party
        for s, status in zip(ordered, signer_statuses(order, ordered), strict=True)
        if status is SignerStatus.PENDING
    )


@dataclass(frozen=True, slots=True)
class Signing:
    """What one signature does: the signer it fills in and the request's signers afterwards."""

    signer: Signer
    signers: tuple[Signer, ...]

    @property
    def completes(self) -> bool:
        return all(s.signed for s in self.signers)

    @property
    def status(self) -> RequestStatus:
        return RequestStatus.COMPLETED if self.completes else RequestStatus.PENDING


def _check_open(status: RequestStatus, deadline: date, today: date) -> None:
    current = status_on(status, deadline, today)
    if current is RequestStatus.EXPIRED:
        raise SigningStateError(
            "status", f"the deadline {deadline.isoformat()} has passed; make a new request"
        )
    if current is not RequestStatus.PENDING:
        raise SigningStateError("status", f"the request is {current.value.lower()}")


def _own_signer(signers: Sequence[Signer], party: SignerParty) -> Signer:
    found = next((s for s in signers if s.party is party), None)
    if found is None:
        raise NotASigner("party", f"{party.value} is not a party of this request")
    if found.signed:
        raise SigningStateError("status", f"the {party.value.lower()} has already signed")
    return found


def sign(
    order: SigningOrder,
    status: RequestStatus,
    deadline: date,
    today: date,
    signers: Sequence[Signer],
    party: SignerParty,
) -> Signing:
    _check_open(status, deadline, today)
    signer = _own_signer(signers, party)
    if pending_parties(order, signers).isdisjoint({party}):
        waiting_for = [
            s.party.value for s in sorted(signers, key=lambda s: s.position) if not s.signed
        ]
        raise SigningStateError(
            "status", f"not yet the {party.value.lower()}'s turn; waiting for {waiting_for[0]}"
        )
    signed = replace(signer, signed=True)
    return Signing(signed, tuple(signed if s.position == signer.position else s for s in signers))


def decline(
    status: RequestStatus,
    deadline: date,
    today: date,
    signers: Sequence[Signer],
    party: SignerParty,
    reason: str,
) -> Signer:
    """A party refuses to sign: the request ends as DECLINED."""
    _check_open(status, deadline, today)
    if not reason.strip():
        raise EsignDomainError("reason", "is required")
    if len(reason) > MAX_REASON:
        raise EsignDomainError("reason", f"must be at most {MAX_REASON} characters")
    return replace(_own_signer(signers, party), declined=True)


def check_cancellable(status: RequestStatus, deadline: date, today: date, reason: str) -> None:
    if status_on(status, deadline, today) is not RequestStatus.PENDING:
        raise SigningStateError(
            "status",
            f"only a pending request can be cancelled, this one is "
            f"{status_on(status, deadline, today).value.lower()}",
        )
    if len(reason) > MAX_REASON:
        raise EsignDomainError("reason", f"must be at most {MAX_REASON} characters")


def reminder_at(deadline: date, days_before: int, now: datetime) -> datetime | None:
    """When to remind a signer who has not signed: the morning ``days_before`` days before the
    deadline; None when that moment has already passed."""
    day = deadline - timedelta(days=days_before)
    moment = datetime.combine(day, time(REMINDER_HOUR), tzinfo=finnish_time())
    return moment if moment > now else None
