"""Value types of the clients service: enums, state transitions and small validators.

The enum values are the names of the members, which are also the suffixes of the matching
protobuf enum names (``ClientSegment.PLACED`` ↔ ``CLIENT_SEGMENT_PLACED``), so mapping either
way is ``Enum[proto_name.removeprefix(prefix)]`` / ``prefix + member.value``. ``*_UNSPECIFIED``
has no domain member: it means "not given" and must be handled (rejected or defaulted) by the
service. ``validate_email`` and ``validate_phone`` live in :mod:`.contact` and are re-exported.
"""

from __future__ import annotations

import enum
import functools
import re
from datetime import date, datetime, tzinfo
from typing import Final
from zoneinfo import ZoneInfo

from kotopolku.clients.domain.contact import validate_email, validate_phone
from kotopolku.clients.domain.errors import (
    ClientDomainError,
    InvalidConsent,
    InvalidMunicipalityCode,
    InvalidTransition,
)

__all__ = [
    "ClientDomainError",
    "ClientSegment",
    "ClientStatus",
    "ConsentPurpose",
    "FamilyRelation",
    "InvalidConsent",
    "InvalidMunicipalityCode",
    "InvalidTransition",
    "ReferralStatus",
    "ResidencePermitType",
    "consent_is_valid",
    "finnish_time",
    "transition_referral",
    "validate_consent_period",
    "validate_consent_purpose",
    "validate_email",
    "validate_municipality_code",
    "validate_phone",
]


class ClientSegment(enum.StrEnum):
    """Which way the client came to the municipality (asiakasryhmä).

    * ``SELF_MOVED`` — kuntaan muuttava: moved to the municipality on their own.
    * ``PLACED`` — kuntapaikalle ohjattava: placed in the municipality (kuntapaikka) from a
      reception centre after receiving international protection.
    * ``QUOTA_REFUGEE`` — kiintiöpakolainen: resettled refugee within Finland's refugee quota.
    """

    SELF_MOVED = "SELF_MOVED"
    PLACED = "PLACED"
    QUOTA_REFUGEE = "QUOTA_REFUGEE"


class ClientStatus(enum.StrEnum):
    """Status of a client record: asiakkuus voimassa / päättynyt / arkistoitu."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    ARCHIVED = "ARCHIVED"


class ResidencePermitType(enum.StrEnum):
    """Kind of residence permit or right of residence (oleskelulupa / oleskeluoikeus).

    * ``CONTINUOUS`` — jatkuva oleskelulupa (A).
    * ``TEMPORARY`` — tilapäinen oleskelulupa (B).
    * ``PERMANENT`` — pysyvä oleskelulupa (P; also P-EU, pitkään oleskelleen kolmannen maan
      kansalaisen EU-oleskelulupa).
    * ``EU_REGISTRATION`` — EU-kansalaisen oleskeluoikeuden rekisteröinti.
    * ``TEMPORARY_PROTECTION`` — tilapäinen suojelu.
    * ``INTERNATIONAL_PROTECTION`` — kansainvälinen suojelu (pakolaisasema tai toissijainen
      suojelu).
    * ``OTHER`` — muu.
    """

    CONTINUOUS = "CONTINUOUS"
    TEMPORARY = "TEMPORARY"
    PERMANENT = "PERMANENT"
    EU_REGISTRATION = "EU_REGISTRATION"
    TEMPORARY_PROTECTION = "TEMPORARY_PROTECTION"
    INTERNATIONAL_PROTECTION = "INTERNATIONAL_PROTECTION"
    OTHER = "OTHER"

    @property
    def permit_letter(self) -> str | None:
        """The letter printed on the permit card (A, B, P), or ``None`` if there is none."""
        return _PERMIT_LETTERS.get(self)


_PERMIT_LETTERS: Final[dict[ResidencePermitType, str]] = {
    ResidencePermitType.CONTINUOUS: "A",
    ResidencePermitType.TEMPORARY: "B",
    ResidencePermitType.PERMANENT: "P",
}


class ConsentPurpose(enum.StrEnum):
    """Well-known purposes of a client's consent (suostumuksen käyttötarkoitus).

    The values are the strings used in the API (``Consent.purpose``):

    * ``WELFARE_AREA_DISCLOSURE`` — tietojen luovutus hyvinvointialueelle.
    * ``FAMILY_PLAN`` — perhekohtainen kotoutumissuunnitelma: sharing information between
      family members' plans.
    * ``EMPLOYMENT_AUTHORITY_DISCLOSURE`` — tietojen luovutus työllisyysviranomaiselle.
    * ``EDUCATION_PROVIDER_DISCLOSURE`` — tietojen luovutus koulutuksen järjestäjälle.
    * ``COUNSELLING_VISIT_LINK`` — nimettömän neuvontakäynnin liittäminen asiakkaan tietoihin
      (the guidance service checks it before linking an anonymous visit to the client).

    Add members here as new purposes are agreed; stored purposes must stay readable.
    """

    WELFARE_AREA_DISCLOSURE = "welfare-area-disclosure"
    FAMILY_PLAN = "family-plan"
    EMPLOYMENT_AUTHORITY_DISCLOSURE = "employment-authority-disclosure"
    EDUCATION_PROVIDER_DISCLOSURE = "education-provider-disclosure"
    COUNSELLING_VISIT_LINK = "counselling-visit-link"


class FamilyRelation(enum.StrEnum):
    """What the related client is to the client: ``CHILD`` means the related one is a child.

    * ``SPOUSE`` — puoliso, ``CHILD`` — lapsi, ``PARENT`` — vanhempi,
      ``GUARDIAN`` — huoltaja tai edustaja, ``SIBLING`` — sisarus, ``OTHER`` — muu.
    """

    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    GUARDIAN = "GUARDIAN"
    SIBLING = "SIBLING"
    OTHER = "OTHER"

    def inverse(self) -> FamilyRelation:
        """The relation seen from the other side: if B is A's CHILD, A is B's PARENT.

        There is no "ward" member, so the inverse of ``GUARDIAN`` is ``OTHER`` (a guardian or a
        representative of an unaccompanied minor is not necessarily a parent). That is lossy:
        ``GUARDIAN.inverse().inverse()`` is ``OTHER``; keep the direction that was stated.
        """
        return _INVERSES[self]


_INVERSES: Final[dict[FamilyRelation, FamilyRelation]] = {
    FamilyRelation.SPOUSE: FamilyRelation.SPOUSE,
    FamilyRelation.CHILD: FamilyRelation.PARENT,
    FamilyRelation.PARENT: FamilyRelation.CHILD,
    FamilyRelation.GUARDIAN: FamilyRelation.OTHER,
    FamilyRelation.SIBLING: FamilyRelation.SIBLING,
    FamilyRelation.OTHER: FamilyRelation.OTHER,
}


class ReferralStatus(enum.StrEnum):
    """State of a referral from another authority: vastaanotettu / hyväksytty / hylätty."""

    RECEIVED = "RECEIVED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


_REFERRAL_TRANSITIONS: Final = frozenset(
    {
        (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED),
        (ReferralStatus.RECEIVED, ReferralStatus.DECLINED),
    }
)


def transition_referral(
    current: ReferralStatus, target: ReferralStatus, *, field: str = "status"
) -> ReferralStatus:
    """Return ``target`` if a referral may move from ``current`` to it.

    Only RECEIVED → ACCEPTED and RECEIVED → DECLINED are allowed; a decided referral is final
    and deciding it again (even the same way) raises :class:`InvalidTransition`. Idempotent
    retries must be recognised by the service (idempotency key) before calling this.
    """
    if (current, target) not in _REFERRAL_TRANSITIONS:
        if current is not ReferralStatus.RECEIVED:
            detail = f"the referral is already {current.value} and its decision is final"
        else:
            detail = "a received referral can only be accepted or declined"
        raise InvalidTransition(
            field, f"referral cannot move from {current.value} to {target.value}: {detail}"
        )
    return target


_MUNICIPALITY_CODE: Final = re.compile(r"[0-9]{3}")


def validate_municipality_code(code: str, *, field: str = "municipality_code") -> str:
    """Return the municipality code (kuntanumero, e.g. ``"091"`` Helsinki) trimmed.

    It must be exactly three ASCII digits; leading zeros are significant, so pass a string.
    Whether a municipality with that code exists is not checked (codes change with mergers).
    """
    normalised = code.strip()
    if not _MUNICIPALITY_CODE.fullmatch(normalised):
        raise InvalidMunicipalityCode(
            field,
            f"municipality code must be exactly 3 digits, like '091', got {normalised[:16]!r}",
        )
    return normalised


def validate_consent_purpose(purpose: str, *, field: str = "purpose") -> ConsentPurpose:
    """Return the :class:`ConsentPurpose` for its API string, e.g. ``"family-plan"``."""
    try:
        return ConsentPurpose(purpose.strip())
    except ValueError:
        known = ", ".join(member.value for member in ConsentPurpose)
        raise InvalidConsent(field, f"unknown consent purpose; known purposes: {known}") from None


def validate_consent_period(
    valid_from: date, valid_until: date | None, *, field: str = "valid_until"
) -> None:
    """Check that a consent's validity period is not empty: ``valid_until`` ≥ ``valid_from``."""
    if valid_until is not None and valid_until < valid_from:
        raise InvalidConsent(field, "valid_until must not be before valid_from")


@functools.cache
def finnish_time() -> tzinfo:
    """Time zone in which the calendar dates of consents are read (Europe/Helsinki)."""
    return ZoneInfo("Europe/Helsinki")


def consent_is_valid(
    valid_from: date,
    valid_until: date | None,
    withdrawn_at: datetime | None,
    at: datetime,
) -> bool:
    """Whether a consent is in force at the moment ``at``.

    ``valid_from`` and ``valid_until`` are Finnish calendar dates and both inclusive
    (``valid_until`` ``None``: until withdrawn); a withdrawal takes effect at ``withdrawn_at``
    exactly (the consent is no longer valid at that instant). ``at`` and ``withdrawn_at`` must
    be timezone-aware; :class:`ValueError` (not a domain error: a programming error) otherwise.
    """
    if at.tzinfo is None or (withdrawn_at is not None and withdrawn_at.tzinfo is None):
        raise ValueError("consent_is_valid() needs timezone-aware datetimes")
    day = at.astimezone(finnish_time()).date()
    if day < valid_from:
        return False
    if valid_until is not None and day > valid_until:
        return False
    return withdrawn_at is None or at < withdrawn_at
