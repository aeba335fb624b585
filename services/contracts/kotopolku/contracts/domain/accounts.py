"""The chart of account codes of compensable costs (tiliöintinumerot), Integration Act 681/2023
ch. 8 §§ 64–65 and 68 as the reference architecture §3.4.12 names them.

A cost gets its account code when the invoice is booked in the finance system; the code decides
which compensation the cost belongs to and which eligibility rules apply to it
(:mod:`.eligibility`). The codes are this system's (four digits in the 43xx range of purchased
services, as in a municipal chart of accounts); a municipality maps them to its own finance
codes. The table is documented in docs/compensation-claims.md; the assignment of each cost type
to its section of the Act and the time limits should be confirmed by the municipality's finance
against the Act in force (they change: e.g. HE 192/2024).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from kotopolku.contracts.domain.errors import ContractsDomainError


class CompensationType(enum.StrEnum):
    INTERPRETING = "INTERPRETING"
    SPECIAL_COSTS = "SPECIAL_COSTS"
    QUOTA_REFUGEE_SOCIAL_WELFARE = "QUOTA_REFUGEE_SOCIAL_WELFARE"
    INITIAL_PHASE = "INITIAL_PHASE"
    RECEPTION_PREPARATION = "RECEPTION_PREPARATION"


class TargetGroup(enum.StrEnum):
    """Whose costs a type compensates."""

    # Kotoutumislain korvausten kohderyhmä: placed persons (international or temporary
    # protection) and quota refugees.
    COMPENSATION_TARGET_GROUP = "COMPENSATION_TARGET_GROUP"
    QUOTA_REFUGEES = "QUOTA_REFUGEES"


@dataclass(frozen=True, slots=True)
class AccountCode:
    code: str
    name_fi: str
    name_en: str
    compensation_type: CompensationType
    legal_basis: str
    target_group: TargetGroup
    # Years after the first residence permit or registration; 0: no limit.
    time_limit_years: int
    # Whether the activity may precede the first permit (preparing for arrival).
    before_arrival: bool = False

    @property
    def eligibility(self) -> str:
        who = (
            "quota refugees"
            if self.target_group is TargetGroup.QUOTA_REFUGEES
            else "placed persons (international or temporary protection) and quota refugees"
        )
        limit = (
            "no time limit"
            if not self.time_limit_years
            else f"for {self.time_limit_years} years from the first residence permit"
        )
        return f"{who}; {limit}"


_BASIS: Final = "Integration Act 681/2023 ch. 8 (§§ 64–65, 68)"

CHART: Final[tuple[AccountCode, ...]] = (
    AccountCode(
        "4391",
        "Tulkkaus- ja käännöspalvelut",
        "Interpreting and translation",
        CompensationType.INTERPRETING,
        _BASIS,
        TargetGroup.COMPENSATION_TARGET_GROUP,
        0,
    ),
    AccountCode(
        "4392",
        "Sosiaali- ja terveydenhuollon erityiskustannukset",
        "Special costs of social and health care",
        CompensationType.SPECIAL_COSTS,
        _BASIS,
        TargetGroup.COMPENSATION_TARGET_GROUP,
        10,
    ),
    AccountCode(
        "4393",
        "Kiintiöpakolaisten sosiaalihuollon kustannukset",
        "Social welfare costs of quota refugees",
        CompensationType.QUOTA_REFUGEE_SOCIAL_WELFARE,
        _BASIS,
        TargetGroup.QUOTA_REFUGEES,
        3,
    ),
    AccountCode(
        "4394",
        "Alkuvaiheen kustannukset (saapuminen, ensimmäiset päivät)",
        "Initial-phase costs (arrival, the first days)",
        CompensationType.INITIAL_PHASE,
        _BASIS,
        TargetGroup.COMPENSATION_TARGET_GROUP,
        1,
    ),
    AccountCode(
        "4395",
        "Kiintiöpakolaisten vastaanottoon varautuminen (asunnon vuokra ennen saapumista)",
        "Preparing to receive quota refugees (rent of a flat before arrival)",
        CompensationType.RECEPTION_PREPARATION,
        _BASIS,
        TargetGroup.QUOTA_REFUGEES,
        1,
        before_arrival=True,
    ),
)
_BY_CODE: Final = {account.code: account for account in CHART}


def account(code: str, *, field: str = "account_code") -> AccountCode:
    """The account code of the chart; raises for any other code."""
    found = _BY_CODE.get(code.strip())
    if found is None:
        raise ContractsDomainError(
            field, "is not an account code of compensable costs (see GET /v1/account-codes)"
        )
    return found


def codes_of(compensation_type: CompensationType) -> tuple[str, ...]:
    return tuple(a.code for a in CHART if a.compensation_type is compensation_type)
