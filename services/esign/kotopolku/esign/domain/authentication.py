"""The strength of a signer's authentication, as evidence of an approval.

Keycloak puts the level of the login into the access token's ``acr`` claim and its time into
``auth_time``. In production the client authenticates with strong electronic identification
(Suomi.fi e-Identification), whose levels are the FICORA/Traficom and eIDAS levels of assurance
below; the dev realm's password logins give Keycloak's own ``"1"``. The value is recorded as
given; the level is derived for people to read.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Final

from kotopolku.esign.domain.errors import SigningStateError


class AssuranceLevel(enum.StrEnum):
    """eIDAS levels of assurance (varmuustaso), and what is not one of them."""

    HIGH = "high"
    SUBSTANTIAL = "substantial"
    LOW = "low"
    UNSPECIFIED = "unspecified"


_LEVELS: Final = {
    "http://ftn.ficora.fi/2017/loa3": AssuranceLevel.HIGH,
    "http://ftn.ficora.fi/2017/loa2": AssuranceLevel.SUBSTANTIAL,
    "http://eidas.europa.eu/LoA/high": AssuranceLevel.HIGH,
    "http://eidas.europa.eu/LoA/substantial": AssuranceLevel.SUBSTANTIAL,
    "http://eidas.europa.eu/LoA/low": AssuranceLevel.LOW,
}


def assurance_level(acr: str) -> AssuranceLevel:
    return _LEVELS.get(acr, AssuranceLevel.UNSPECIFIED)


def authenticated_at(auth_time: int | None) -> datetime | None:
    return None if auth_time is None else datetime.fromtimestamp(auth_time, UTC)


def check_recent(
    at: datetime | None, now: datetime, max_age: timedelta, *, required: bool = True
) -> None:
    """A client approves only soon after signing in, so the recorded authentication is the one
    that approved: an old session must sign in again. Keycloak sets ``auth_time`` on browser
    logins but not on password-grant tokens; unless ``required``, such a token approves and the
    time is recorded as unknown."""
    if at is None:
        if not required:
            return
        raise SigningStateError(
            "auth_time", "the sign-in time is unknown; sign in again to approve"
        )
    if now - at > max_age:
        minutes = int(max_age.total_seconds() // 60)
        raise SigningStateError(
            "auth_time", f"the sign-in is older than {minutes} minutes; sign in again to approve"
        )
