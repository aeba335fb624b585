"""From a validated access token to the caller that services see.

Roles come from the realm roles and the gateway client's roles; tenant claims (municipality,
welfare area) and the client's identity code come from user attributes mapped into the token.
The purpose of use is chosen per request from an allow-list (``X-Purpose-Of-Use``), with a default
that follows the caller's role.
"""

from __future__ import annotations

from typing import Any, Final

from kotopolku.common.identity import Caller, Role

KNOWN_ROLES: Final = frozenset(
    {
        Role.MUNICIPAL_OFFICER,
        Role.EMPLOYMENT_OFFICER,
        Role.WELFARE_AREA_WORKER,
        Role.SERVICE_PROVIDER,
        Role.CLIENT,
        Role.REFERRER,
        Role.MANAGER,
        Role.AUDITOR,
        Role.ADMIN,
        Role.INTERPRETER,
        Role.ARCHIVIST,
    }
)

# käyttötarkoitus: why personal data is processed; recorded in every audit event.
PURPOSES: Final = frozenset(
    {
        "integration-services",
        "self-service",
        "referral",
        "audit-review",
        "welfare-cooperation",
        "service-provision",
        "management",
        "administration",
        "interpretation",
        "archiving",
    }
)
_DEFAULT_PURPOSE_BY_ROLE: Final = (
    (Role.MUNICIPAL_OFFICER, "integration-services"),
    (Role.EMPLOYMENT_OFFICER, "integration-services"),
    (Role.WELFARE_AREA_WORKER, "welfare-cooperation"),
    (Role.SERVICE_PROVIDER, "service-provision"),
    (Role.REFERRER, "referral"),
    (Role.AUDITOR, "audit-review"),
    (Role.MANAGER, "management"),
    (Role.CLIENT, "self-service"),
    (Role.ADMIN, "administration"),
    (Role.INTERPRETER, "interpretation"),
    (Role.ARCHIVIST, "archiving"),
)


def roles_from_claims(claims: dict[str, Any], audience: str) -> frozenset[str]:
    realm = claims.get("realm_access", {}).get("roles", [])
    client = claims.get("resource_access", {}).get(audience, {}).get("roles", [])
    return frozenset(str(r) for r in [*realm, *client]) & KNOWN_ROLES


def default_purpose(roles: frozenset[str]) -> str:
    return next(
        (p for role, p in _DEFAULT_PURPOSE_BY_ROLE if role in roles), "integration-services"
    )


def _text(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value not in (None, "") else None


def _epoch_seconds(value: Any) -> int | None:
    """``auth_time`` as whole seconds; anything that is not a number is ignored."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def caller_from_claims(claims: dict[str, Any], audience: str, purpose: str | None) -> Caller:
    roles = roles_from_claims(claims, audience)
    return Caller(
        subject=str(claims["sub"]),
        roles=roles,
        purpose=purpose or default_purpose(roles),
        municipality=_text(claims, "municipality"),
        welfare_area=_text(claims, "welfare_area"),
        # A referring authority's service account, or a service provider's organisation.
        organisation=_text(claims, "referrer_org") or _text(claims, "organisation"),
        henkilotunnus=_text(claims, "hetu") if Role.CLIENT in roles else None,
        acr=_text(claims, "acr"),
        auth_time=_epoch_seconds(claims.get("auth_time")),
    )
