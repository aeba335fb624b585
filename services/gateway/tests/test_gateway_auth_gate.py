"""Which requests the authentication gate lets through without a token: the operations the
OpenAPI document declares public, and nothing else (auth/gate.py)."""

from __future__ import annotations

from kotopolku.gateway.app import create_app
from kotopolku.gateway.auth.gate import operations_of

DOCUMENT = {
    "security": [{"keycloak": []}],
    "paths": {
        "/v1/calendars/people/{subject}": {"get": {}},
        "/v1/calendars/me.ics": {"get": {}},
        "/v1/calendar-feeds/{token}.ics": {"get": {"security": []}},
        "/v1/calendar-feeds/current": {"get": {}, "delete": {}},
        "/healthz": {"get": {"security": []}},
    },
}


def _match(method: str, path: str) -> tuple[str, bool] | None:
    found = next(
        (o for o in operations_of(DOCUMENT) if o.method == method and o.pattern.match(path)),
        None,
    )
    return (found.template, found.public) if found else None


def test_only_operations_declared_without_security_are_public() -> None:
    assert _match("GET", "/v1/calendar-feeds/abc-DEF_123.ics") == (
        "/v1/calendar-feeds/{token}.ics",
        True,
    )
    assert _match("GET", "/v1/calendar-feeds/current") == ("/v1/calendar-feeds/current", False)
    assert _match("DELETE", "/v1/calendar-feeds/current") == ("/v1/calendar-feeds/current", False)
    assert _match("GET", "/v1/calendars/me.ics") == ("/v1/calendars/me.ics", False)
    assert _match("GET", "/v1/calendars/people/x") == ("/v1/calendars/people/{subject}", False)


def test_parameters_match_one_segment_and_unknown_requests_nothing() -> None:
    assert _match("GET", "/v1/calendars/people/x/y") is None
    assert _match("GET", "/v1/calendar-feeds/a/b.ics") is None
    assert _match("POST", "/v1/calendar-feeds/current") is None
    # Only the API is gated; health and metrics are not API operations.
    assert _match("GET", "/healthz") is None


def test_the_gateway_declares_only_the_secret_links_public() -> None:
    public = sorted(o.template for o in operations_of(create_app().openapi()) if o.public)
    assert public == [
        "/v1/calendar-feeds/{token}.ics",
        "/v1/feedback/links/{token}",
        "/v1/feedback/links/{token}/answer",
    ]
