"""Outreach (tavoittaminen, reference architecture §3.4.4): target groups, the three-year window,
who a listed person is, and how contact outcomes move a target along.

The municipality must reach, for an assessment of service need, the immigrants on non-temporary
social assistance or on child home-care allowance, those under international protection and
victims of trafficking, "whose first residence permit or residence card was granted, or right of
residence registered, at most three years ago" — unless they have already come to the
municipality's integration services by themselves. The lists come from Kela (Kelmu), DVV and
Migri.

Decisions:

* **The window** ends on the third anniversary of the first permit date, inclusive: on that day
  exactly three years have passed, which is still "at most three years". A permit dated 29
  February ends its window on 28 February (the last day of the month, as the Finnish act on
  computing time limits, 150/1930, reads periods in years).
* **A person** is one target per municipality: recognised by identity code, or — for people the
  lists give without one — by the identifier of the person in the source's own register
  (e.g. a Migri customer number), which is only comparable within that source. Never by name.
* **Sources vouch for their own groups**: Kela lists only its benefits (social assistance, child
  home-care allowance), Migri only protection and trafficking; a DVV extract is combined by the
  municipality with what it obtained on request (tietopyyntömenettely), so it may name any group.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Final

from kotopolku.clients.domain.errors import ClientDomainError, InvalidTransition

__all__ = [
    "DEFAULT_LEAVING_DAYS",
    "MAX_LEAVING_DAYS",
    "UNCONCLUDED",
    "WINDOW_YEARS",
    "ContactChannel",
    "ContactOutcome",
    "OutreachStatus",
    "TargetGroup",
    "TargetListSource",
    "check_source_reports_group",
    "is_reached",
    "leaving_window_until",
    "may_convert_to_client",
    "person_key",
    "status_after_contact",
    "window_end",
    "within_window",
]

WINDOW_YEARS: Final = 3
DEFAULT_LEAVING_DAYS: Final = 90
MAX_LEAVING_DAYS: Final = 366


class TargetGroup(enum.StrEnum):
    """Tavoittamisen kohderyhmä. Values are the codes of the import format."""

    SOCIAL_ASSISTANCE = "social-assistance"
    CHILD_HOME_CARE_ALLOWANCE = "child-home-care-allowance"
    INTERNATIONAL_PROTECTION = "international-protection"
    TRAFFICKING_VICTIM = "trafficking-victim"


class TargetListSource(enum.StrEnum):
    KELA = "kela"
    DVV = "dvv"
    MIGRI = "migri"


_GROUPS_BY_SOURCE: Final[dict[TargetListSource, frozenset[TargetGroup]]] = {
    TargetListSource.KELA: frozenset(
        {TargetGroup.SOCIAL_ASSISTANCE, TargetGroup.CHILD_HOME_CARE_ALLOWANCE}
    ),
    TargetListSource.MIGRI: frozenset(
        {TargetGroup.INTERNATIONAL_PROTECTION, TargetGroup.TRAFFICKING_VICTIM}
    ),
    TargetListSource.DVV: frozenset(TargetGroup),
}


class OutreachStatus(enum.StrEnum):
    """Where reaching the person stands.

    * ``OPEN`` — tavoittamatta: nobody has tried yet.
    * ``NOT_REACHED`` — tried, not reached; still to be reached.
    * ``REACHED`` — tavoitettu, not (yet) a client.
    * ``DECLINED`` — reached, declined the services (kieltäytyi).
    * ``CLIENT`` — a client of the municipality (matched when listed, or reached and made one).
    """

    OPEN = "OPEN"
    NOT_REACHED = "NOT_REACHED"
    REACHED = "REACHED"
    DECLINED = "DECLINED"
    CLIENT = "CLIENT"


# Outreach not concluded: these are the people who may still drop out of the window unreached
# or unserved.
UNCONCLUDED: Final = (OutreachStatus.OPEN, OutreachStatus.NOT_REACHED, OutreachStatus.REACHED)


class ContactOutcome(enum.StrEnum):
    REACHED = "REACHED"
    NOT_REACHED = "NOT_REACHED"
    DECLINED = "DECLINED"


class ContactChannel(enum.StrEnum):
    PHONE = "PHONE"
    SMS = "SMS"
    LETTER = "LETTER"
    EMAIL = "EMAIL"
    VISIT = "VISIT"
    OTHER = "OTHER"


def window_end(first_permit_date: date) -> date:
    """The last day of the outreach window: the third anniversary (29 Feb → 28 Feb)."""
    year = first_permit_date.year + WINDOW_YEARS
    try:
        return first_permit_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def within_window(first_permit_date: date, today: date) -> bool:
    return first_permit_date <= today <= window_end(first_permit_date)


def leaving_window_until(today: date, within_days: int) -> date:
    """The last window end a "leaving soon" list covers; ``within_days`` 0 means the default."""
    days = within_days or DEFAULT_LEAVING_DAYS
    if not 1 <= days <= MAX_LEAVING_DAYS:
        raise ClientDomainError("within_days", f"must be between 1 and {MAX_LEAVING_DAYS}")
    return date.fromordinal(today.toordinal() + days)


def check_source_reports_group(source: TargetListSource, group: TargetGroup) -> None:
    if group not in _GROUPS_BY_SOURCE[source]:
        allowed = ", ".join(sorted(_GROUPS_BY_SOURCE[source]))
        raise ClientDomainError(
            "target_group", f"a {source.value} list does not report {group.value} (only {allowed})"
        )


def person_key(henkilotunnus: str | None, source: TargetListSource, source_person_id: str) -> str:
    """How the municipality's targets recognise a person again: the identity code, or the
    source register's own identifier when the lists give no code."""
    if henkilotunnus:
        return f"hetu:{henkilotunnus}"
    if not source_person_id:
        raise ClientDomainError("henkilotunnus", "is required when source_person_id is empty")
    return f"{source.value}:{source_person_id}"


def status_after_contact(current: OutreachStatus, outcome: ContactOutcome) -> OutreachStatus:
    """The status a contact attempt leaves.

    A failed attempt after the person was reached (a follow-up call nobody answered) is
    recorded but does not undo the reaching. A client's outreach is over.
    """
    if current is OutreachStatus.CLIENT:
        raise InvalidTransition("outcome", "the person is already a client; outreach is over")
    if outcome is ContactOutcome.REACHED:
        return OutreachStatus.REACHED
    if outcome is ContactOutcome.DECLINED:
        return OutreachStatus.DECLINED
    if current in (OutreachStatus.REACHED, OutreachStatus.DECLINED):
        return current
    return OutreachStatus.NOT_REACHED


def may_convert_to_client(current: OutreachStatus, *, existing_client: bool) -> None:
    """Creating a client record needs the person reached (they agreed to services); linking to
    a record that already exists only states a fact, so it is allowed until outreach is over."""
    if current is OutreachStatus.CLIENT:
        raise InvalidTransition("target_id", "the person is already a client")
    if not existing_client and current is not OutreachStatus.REACHED:
        raise InvalidTransition(
            "target_id",
            "a client record is created only for a reached person; record the contact first",
        )


def is_reached(status: OutreachStatus) -> bool:
    return status in (OutreachStatus.REACHED, OutreachStatus.DECLINED, OutreachStatus.CLIENT)
