"""The reviewed code lists of counselling visits: channel, topic, age band, referral target and
follow-up. Anonymous visits hold nothing but these codes, a language code, a date and a service
point, so what a list allows is what an anonymous record can say."""

from __future__ import annotations

import enum


class Channel(enum.StrEnum):
    """Asiointikanava: paikan päällä, puhelin, chat, video."""

    ON_SITE = "ON_SITE"
    PHONE = "PHONE"
    CHAT = "CHAT"
    VIDEO = "VIDEO"


class Topic(enum.StrEnum):
    """Asiointiaihe (what the visit was about)."""

    HOUSING = "HOUSING"
    EMPLOYMENT = "EMPLOYMENT"
    EDUCATION = "EDUCATION"
    LANGUAGE_STUDIES = "LANGUAGE_STUDIES"
    HEALTH_SERVICES = "HEALTH_SERVICES"
    SOCIAL_SECURITY = "SOCIAL_SECURITY"
    RESIDENCE_PERMIT = "RESIDENCE_PERMIT"
    FAMILY = "FAMILY"
    FINANCES = "FINANCES"
    DIGITAL_SERVICES = "DIGITAL_SERVICES"
    EVERYDAY_LIFE = "EVERYDAY_LIFE"
    LEISURE = "LEISURE"
    OTHER = "OTHER"


class AgeBand(enum.StrEnum):
    """Ikäryhmä, as the visitor tells it (or NOT_TOLD)."""

    UNDER_18 = "UNDER_18"
    FROM_18_TO_29 = "18_TO_29"
    FROM_30_TO_44 = "30_TO_44"
    FROM_45_TO_64 = "45_TO_64"
    AGED_65_OR_OVER = "65_OR_OVER"
    NOT_TOLD = "NOT_TOLD"


class ReferralTarget(enum.StrEnum):
    """Where the visitor was referred (ohjaus muihin palveluihin)."""

    WELFARE_SOCIAL_SERVICES = "WELFARE_SOCIAL_SERVICES"
    WELFARE_HEALTH_SERVICES = "WELFARE_HEALTH_SERVICES"
    MENTAL_HEALTH_SERVICES = "MENTAL_HEALTH_SERVICES"
    EMPLOYMENT_SERVICES = "EMPLOYMENT_SERVICES"
    EDUCATION = "EDUCATION"
    LANGUAGE_TRAINING = "LANGUAGE_TRAINING"
    KELA = "KELA"
    MIGRI = "MIGRI"
    DVV = "DVV"
    HOUSING_SERVICES = "HOUSING_SERVICES"
    LEGAL_AID = "LEGAL_AID"
    ORGANISATION = "ORGANISATION"
    INTEGRATION_ASSESSMENT = "INTEGRATION_ASSESSMENT"
    OTHER = "OTHER"


class FollowUp(enum.StrEnum):
    """Jatkotoimenpide after the visit."""

    NONE = "NONE"
    RETURN_VISIT = "RETURN_VISIT"
    STAFF_CONTACTS_CLIENT = "STAFF_CONTACTS_CLIENT"
    CHECK_REFERRAL = "CHECK_REFERRAL"

    @property
    def needs_a_known_client(self) -> bool:
        """Staff act on it later, so they must know who the visitor is."""
        return self in (FollowUp.STAFF_CONTACTS_CLIENT, FollowUp.CHECK_REFERRAL)


# Follow-ups an anonymous visit can carry: nobody can be contacted or checked on.
ANONYMOUS_FOLLOW_UPS = frozenset(f for f in FollowUp if not f.needs_a_known_client)
