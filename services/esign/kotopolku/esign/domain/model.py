"""Value types of the e-signature service.

Enum values are the suffixes of the matching protobuf enum names (``SignerParty.CLIENT`` ↔
``SIGNER_PARTY_CLIENT``).
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo


class DocumentKind(enum.StrEnum):
    """What is signed: the integration plan (kotoutumissuunnitelma); contracts later."""

    INTEGRATION_PLAN = "INTEGRATION_PLAN"


class SigningOrder(enum.StrEnum):
    """Peräkkäin (one after another, in the signers' order) or rinnakkain (in any order)."""

    SEQUENTIAL = "SEQUENTIAL"
    PARALLEL = "PARALLEL"


class SignerParty(enum.StrEnum):
    """asiakas / virkailija / hyvinvointialueen edustaja."""

    CLIENT = "CLIENT"
    OFFICER = "OFFICER"
    WELFARE_AREA = "WELFARE_AREA"


class RequestStatus(enum.StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def is_final(self) -> bool:
        return self is not RequestStatus.PENDING


class SignerStatus(enum.StrEnum):
    WAITING = "WAITING"
    PENDING = "PENDING"
    SIGNED = "SIGNED"
    DECLINED = "DECLINED"


class PlanActivation(enum.StrEnum):
    NOT_DUE = "NOT_DUE"
    QUEUED = "QUEUED"
    RECORDED = "RECORDED"
    REFUSED = "REFUSED"


class PlanKind(enum.StrEnum):
    """The plan kinds whose parties differ (the plans service's PlanKind)."""

    INDIVIDUAL = "INDIVIDUAL"
    MULTI_SECTOR = "MULTI_SECTOR"
    FAMILY = "FAMILY"


@dataclass(frozen=True, slots=True)
class Authentication:
    """How strongly and when a signer authenticated: the token's ``acr`` and ``auth_time``."""

    context: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Signer:
    """One party of a request and what it has done so far."""

    position: int
    party: SignerParty
    welfare_area: str = ""
    signed: bool = False
    declined: bool = False


@functools.cache
def finnish_time() -> tzinfo:
    return ZoneInfo("Europe/Helsinki")
