"""Pure domain rules of the clients service: no I/O, no framework imports.

Modules: :mod:`.errors` (``ClientDomainError`` and subclasses, each with a ``field``),
:mod:`.henkilotunnus`, :mod:`.names` (search normalisation), :mod:`.languages`,
:mod:`.contact` (e-mail, phone) and :mod:`.model` (enums, transitions, consents).
"""

from kotopolku.clients.domain.contact import validate_email, validate_phone
from kotopolku.clients.domain.errors import (
    ClientDomainError,
    InvalidConsent,
    InvalidEmail,
    InvalidHenkilotunnus,
    InvalidLanguageCode,
    InvalidMunicipalityCode,
    InvalidPhone,
    InvalidTransition,
)
from kotopolku.clients.domain.henkilotunnus import Henkilotunnus, parse_henkilotunnus
from kotopolku.clients.domain.languages import validate_language_code
from kotopolku.clients.domain.model import (
    ClientSegment,
    ClientStatus,
    ConsentPurpose,
    FamilyRelation,
    ReferralStatus,
    ResidencePermitType,
    consent_is_valid,
    transition_referral,
    validate_consent_period,
    validate_consent_purpose,
    validate_municipality_code,
)
from kotopolku.clients.domain.names import (
    QueryToken,
    fold,
    name_tokens,
    phonetic_key,
    prefix_token,
    query_keys,
    search_keys,
)

__all__ = [
    "ClientDomainError",
    "ClientSegment",
    "ClientStatus",
    "ConsentPurpose",
    "FamilyRelation",
    "Henkilotunnus",
    "InvalidConsent",
    "InvalidEmail",
    "InvalidHenkilotunnus",
    "InvalidLanguageCode",
    "InvalidMunicipalityCode",
    "InvalidPhone",
    "InvalidTransition",
    "QueryToken",
    "ReferralStatus",
    "ResidencePermitType",
    "consent_is_valid",
    "fold",
    "name_tokens",
    "parse_henkilotunnus",
    "phonetic_key",
    "prefix_token",
    "query_keys",
    "search_keys",
    "transition_referral",
    "validate_consent_period",
    "validate_consent_purpose",
    "validate_email",
    "validate_language_code",
    "validate_municipality_code",
    "validate_phone",
]
