"""The principals of the authorisation matrix: who calls, with which real Keycloak token.

The records the matrix reads and changes belong to Helsinki (091) and are about the client user
``client.amina``; a multi-sector assessment and plan name the welfare area ``pirkanmaa``, and a
language test is ordered from the provider organisation ``opisto``. Each principal has a one-letter
code, used in the policy table (``policy.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from e2e.conftest import Api
from e2e.keycloak_tokens import service_token, user_token
from e2e.personal_data import SENT

OWNING_MUNICIPALITY = "091"
RECORDS_WELFARE_AREA = "pirkanmaa"
RECORDS_PROVIDER = "opisto"


@dataclass(frozen=True)
class Principal:
    code: str
    name: str
    description: str
    token: Callable[[], str | None]


PRINCIPALS: tuple[Principal, ...] = (
    Principal(
        "M",
        "owner-officer",
        "municipal officer of the owning municipality (helsinki.officer, 091)",
        lambda: user_token("helsinki.officer"),
    ),
    Principal(
        "m",
        "other-officer",
        "municipal officer of another municipality (tampere.officer, 837)",
        lambda: user_token("tampere.officer"),
    ),
    Principal(
        "E",
        "employment-officer",
        "employment officer of the owning municipality (helsinki.employment, 091)",
        lambda: user_token("helsinki.employment"),
    ),
    Principal(
        "w",
        "other-welfare-area",
        "welfare-area account of another area (service account welfare-vantaa-kerava)",
        lambda: service_token("welfare-vantaa-kerava", "welfare-vantaa-kerava-secret"),
    ),
    Principal(
        "P",
        "provider",
        "service provider the language test is ordered from (provider.opisto)",
        lambda: user_token("provider.opisto"),
    ),
    Principal(
        "C",
        "client-self",
        "the client the records are about (client.amina)",
        lambda: user_token("client.amina"),
    ),
    Principal(
        "c",
        "other-client",
        "another client (client.oleksandr)",
        lambda: user_token("client.oleksandr"),
    ),
    Principal(
        "R",
        "referrer",
        "referring authority (service account referrer-migri)",
        lambda: service_token("referrer-migri", "referrer-migri-secret"),
    ),
    Principal("-", "no-token", "no access token", lambda: None),
)
BY_CODE = {p.code: p for p in PRINCIPALS}


class PrincipalApi(Api):
    """An API client whose token is fetched for every request: e2e.keycloak_tokens caches it
    and renews it before it expires, so a long run never sends an expired one."""

    def __init__(self, http: httpx.Client, principal: Principal) -> None:
        self.principal = principal
        super().__init__(http, principal.token())

    @property  # type: ignore[override]
    def token(self) -> str | None:
        token = self.principal.token()
        SENT.remember_token(token)
        return token

    @token.setter
    def token(self, value: str | None) -> None:
        """The first token is set by Api.__init__; later ones come from the cache."""


def api_of(http: httpx.Client, principal: Principal) -> Api:
    return PrincipalApi(http, principal)
