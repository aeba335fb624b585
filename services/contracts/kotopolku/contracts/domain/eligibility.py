"""Which clients' costs are compensable, as far as the recorded client data can decide it.

Applied (each from the client record of the clients service, read when a claim is assembled):

1. **Target group.** Costs of quota refugees only (account codes for quota refugees): the client's
   segment is *quota refugee*. Other codes: the client is in the target group of the
   compensations: segment *placed* (kuntapaikalle ohjattu) or *quota refugee*, or residence
   permit type *international protection* or *temporary protection*. A self-moved client (work,
   study, family) with another permit is not. Neither segment nor permit recorded: undecided,
   refused until recorded.
2. **Time limit.** For codes with a limit of N years: the activity lies within N years from the
   first residence permit or registration (first_permit_date); without that date it cannot be
   decided and is refused.
3. **Order.** The activity is not before the first permit or registration, except costs of
   preparing to receive a quota refugee, which by nature come before arrival.

Not checked here, because the system holds no data for it (the officer checks them, as the
reference says, in UMA and with finance before claiming): whether the permit is still valid and
the person is in Migri's register as compensable; a temporary-protection holder's home
municipality (kotikunta); family members of protected persons and victims of trafficking who are
in the target group without such a permit or segment; the ELY centre's decision that special
costs require; whether the invoice was paid. The municipality's placement agreement with the ELY
centre is checked when a claim is assembled, from its contracts.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Final

from kotopolku.contracts.domain.accounts import AccountCode, TargetGroup

PLACED: Final = "PLACED"
QUOTA_REFUGEE: Final = "QUOTA_REFUGEE"
SELF_MOVED: Final = "SELF_MOVED"
PROTECTION_PERMITS: Final = frozenset({"INTERNATIONAL_PROTECTION", "TEMPORARY_PROTECTION"})


@dataclass(frozen=True, slots=True)
class ClientFacts:
    """What the clients service records about a client that eligibility depends on."""

    segment: str | None
    residence_permit_type: str | None
    first_permit_date: date | None


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _target_group_reasons(rule: TargetGroup, facts: ClientFacts) -> list[str]:
    if rule is TargetGroup.QUOTA_REFUGEES:
        if facts.segment is None:
            return ["the client's segment is not recorded, so quota-refugee status is unknown"]
        if facts.segment != QUOTA_REFUGEE:
            return ["this cost is compensated only for quota refugees"]
        return []
    if facts.segment in (PLACED, QUOTA_REFUGEE):
        return []
    if facts.residence_permit_type in PROTECTION_PERMITS:
        return []
    if facts.segment is None and facts.residence_permit_type is None:
        return [
            "eligibility cannot be established: record the client's segment or residence "
            "permit type"
        ]
    return [
        "the client is not in the target group of the compensations (placed persons with "
        "international or temporary protection, and quota refugees)"
    ]


def ineligibility_reasons(code: AccountCode, facts: ClientFacts, activity_date: date) -> list[str]:
    """Why this cost of this client is not compensable; empty when it is."""
    reasons = _target_group_reasons(code.target_group, facts)
    first = facts.first_permit_date
    if code.time_limit_years:
        if first is None:
            reasons.append(
                "the date of the client's first residence permit or registration is not "
                f"recorded, so the {code.time_limit_years}-year limit cannot be checked"
            )
        elif activity_date >= add_years(first, code.time_limit_years):
            reasons.append(
                f"the activity is more than {code.time_limit_years} years after the client's "
                "first residence permit or registration"
            )
    if first is not None and activity_date < first and not code.before_arrival:
        reasons.append("the activity precedes the client's first residence permit or registration")
    return reasons
