"""Value types of the plans service.

The enum values are the names of the members, which are also the suffixes of the matching
protobuf enum names (``PlanKind.FAMILY`` ↔ ``PLAN_KIND_FAMILY``). ``*_UNSPECIFIED`` has no domain
member: it means "not given" and the service rejects or defaults it.
"""

from __future__ import annotations

import enum
import functools
from datetime import tzinfo
from zoneinfo import ZoneInfo


class PlanKind(enum.StrEnum):
    """* ``INDIVIDUAL`` — kotoutumissuunnitelma.
    * ``MULTI_SECTOR`` — monialainen kotoutumissuunnitelma, made with the welfare area.
    * ``FAMILY`` — perheen kotoutumissuunnitelma, made with the guardians' consent.
    """

    INDIVIDUAL = "INDIVIDUAL"
    MULTI_SECTOR = "MULTI_SECTOR"
    FAMILY = "FAMILY"

    @property
    def is_individual(self) -> bool:
        """A plan of one person (individual or multi-sector), as opposed to a family plan."""
        return self is not PlanKind.FAMILY


class PlanStatus(enum.StrEnum):
    """luonnos / hyväksyttävänä / voimassa / keskeytetty / päättynyt."""

    DRAFT = "DRAFT"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    ENDED = "ENDED"


class ResponsibleAuthority(enum.StrEnum):
    """* ``MUNICIPALITY`` — kunnan kotoutumisen edistämisestä vastaava viranomainen.
    * ``EMPLOYMENT_AUTHORITY`` — työvoimaviranomainen.
    """

    MUNICIPALITY = "MUNICIPALITY"
    EMPLOYMENT_AUTHORITY = "EMPLOYMENT_AUTHORITY"


class GoalCategory(enum.StrEnum):
    """Kotoutuminen / työllistyminen tai yrittäjyys / koulutus / terveys ja hyvinvointi /
    yhteiskunnalliset valmiudet."""

    INTEGRATION = "INTEGRATION"
    EMPLOYMENT_OR_ENTREPRENEURSHIP = "EMPLOYMENT_OR_ENTREPRENEURSHIP"
    EDUCATION = "EDUCATION"
    HEALTH_AND_WELLBEING = "HEALTH_AND_WELLBEING"
    SOCIETAL = "SOCIETAL"


class PlanServiceStatus(enum.StrEnum):
    """State of an agreed service: suunniteltu / ilmoittautunut / käynnissä / suoritettu /
    keskeytynyt."""

    PLANNED = "PLANNED"
    ENROLLED = "ENROLLED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    INTERRUPTED = "INTERRUPTED"

    @property
    def is_finished(self) -> bool:
        return self in (PlanServiceStatus.COMPLETED, PlanServiceStatus.INTERRUPTED)


class ApprovalParty(enum.StrEnum):
    CLIENT = "CLIENT"
    OFFICER = "OFFICER"


class ReviewReason(enum.StrEnum):
    """Why a review (tarkistaminen) is made: the six-monthly schedule, the client's request, a
    material change in the client's situation, or a transfer to the other authority."""

    SCHEDULED = "SCHEDULED"
    CLIENT_REQUEST = "CLIENT_REQUEST"
    MATERIAL_CHANGE = "MATERIAL_CHANGE"
    TRANSFER = "TRANSFER"


class ReviewOutcome(enum.StrEnum):
    """What a review decides: the plan goes on (resumed if suspended), is suspended, or ends."""

    CONTINUE = "CONTINUE"
    SUSPEND = "SUSPEND"
    END = "END"


@functools.cache
def finnish_time() -> tzinfo:
    """The time zone whose calendar the plan's dates are in (Europe/Helsinki)."""
    return ZoneInfo("Europe/Helsinki")
