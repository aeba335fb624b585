"""The code lists of the welfare service. A value is the lower-case, hyphenated suffix of its
protobuf name (``ServiceNeed.MENTAL_HEALTH`` ↔ ``SERVICE_NEED_MENTAL_HEALTH``, JSON
``mental-health``)."""

from __future__ import annotations

import enum


class PlacementBasis(enum.StrEnum):
    """Why a person is placed in a municipality (kuntapaikalle ohjaamisen peruste)."""

    ASYLUM = "asylum"
    TEMPORARY_PROTECTION = "temporary-protection"
    QUOTA_REFUGEE = "quota-refugee"


class FamilyRole(enum.StrEnum):
    PRINCIPAL = "principal"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER_RELATIVE = "other-relative"


class ServiceNeed(enum.StrEnum):
    """Known social and health service needs (palvelutarpeet), a closed list."""

    MENTAL_HEALTH = "mental-health"
    TRAUMA_SUPPORT = "trauma-support"
    SUBSTANCE_USE = "substance-use"
    CHRONIC_ILLNESS = "chronic-illness"
    DISABILITY = "disability"
    MOBILITY_AID = "mobility-aid"
    PREGNANCY = "pregnancy"
    MEDICAL_FOLLOW_UP = "medical-follow-up"
    REHABILITATION = "rehabilitation"
    CHILD_WELFARE = "child-welfare"
    EARLY_CHILDHOOD_SUPPORT = "early-childhood-support"
    ELDERLY_CARE = "elderly-care"
    HOME_CARE = "home-care"
    SOCIAL_WORK = "social-work"
    HOUSING_SUPPORT = "housing-support"


class AgeBand(enum.StrEnum):
    AGE_0_2 = "0-2"
    AGE_3_6 = "3-6"
    AGE_7_12 = "7-12"
    AGE_13_17 = "13-17"
    AGE_18_29 = "18-29"
    AGE_30_49 = "30-49"
    AGE_50_64 = "50-64"
    AGE_65_74 = "65-74"
    AGE_75_PLUS = "75-plus"


class PlacementState(enum.StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class PlacementDecision(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class ReceptionStage(enum.StrEnum):
    NOT_APPLICABLE = "not-applicable"
    PREPARING = "preparing"
    READY = "ready"
    ARRIVAL_SCHEDULED = "arrival-scheduled"
    RECEIVED = "received"


class ReceptionTaskKind(enum.StrEnum):
    """The arrival-day tasks of a quota refugee reception (§3.4.9)."""

    TRANSPORT = "transport"
    FIRST_GROCERIES = "first-groceries"
    INTERPRETER = "interpreter"
    INITIAL_INFO = "initial-info"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ConsultationState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DECIDED = "decided"


class Recommendation(enum.StrEnum):
    SUPPORTS = "supports"
    SUPPORTS_WITH_CONDITIONS = "supports-with-conditions"
    HAS_CONCERNS = "has-concerns"


class CooperationState(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class DataCategory(enum.StrEnum):
    """What may cross to a welfare area: multi-sector data, and a transfer notice on consent."""

    MULTI_SECTOR_ASSESSMENT = "multi-sector-assessment"
    MULTI_SECTOR_PLAN = "multi-sector-plan"
    RECEPTION_TRANSFER = "reception-transfer"


class BasisKind(enum.StrEnum):
    """The ground of a disclosure (luovutusperuste)."""

    LEGAL = "legal"
    CONSENT = "consent"
