"""X-Road (Suomi.fi-palveluväylä) REST headers: read when present, checked for shape, passed on.

Behind a security server every call carries the calling subsystem (``X-Road-Client``), the
message id (``X-Road-Id``) and optionally the end user (``X-Road-UserId``) and the case
(``X-Road-Issue``). The gateway only checks their form; whether a subsystem may call at all is
decided by the service that owns the allow-list (e.g. the welfare service). The values travel in
the caller assertion and are kept in the audit record of everything the call did.
"""

from __future__ import annotations

import re
from typing import Final

from starlette.datastructures import Headers

from kotopolku.common.errors import FieldViolation
from kotopolku.common.identity import XRoadHeaders
from kotopolku.gateway.problems import Problem

MAX_LENGTH: Final = 255
# INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEMCODE: a client of a REST call is always a subsystem.
_CLIENT: Final = re.compile(r"[^/\s]+/[^/\s]+/[^/\s]+/[^/\s]+")
_HEADERS: Final = {
    "client": "X-Road-Client",
    "message_id": "X-Road-Id",
    "user_id": "X-Road-UserId",
    "issue": "X-Road-Issue",
}


def _problem(header: str, value: str) -> str | None:
    if len(value) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if not value.isprintable():
        return "must be printable text"
    if header == "X-Road-Client" and not _CLIENT.fullmatch(value):
        return "must name a subsystem: INSTANCE/MEMBERCLASS/MEMBERCODE/SUBSYSTEMCODE"
    return None


def xroad_headers(headers: Headers) -> XRoadHeaders | None:
    """The X-Road headers of a request, or None when it carries none; 422 for a malformed one."""
    values = {name: headers.get(header, "").strip() for name, header in _HEADERS.items()}
    if not any(values.values()):
        return None
    violations = [
        FieldViolation(_HEADERS[name], problem)
        for name, value in values.items()
        if value and (problem := _problem(_HEADERS[name], value)) is not None
    ]
    if values["client"] == "" and any(values.values()):
        violations.append(
            FieldViolation("X-Road-Client", "is required with the other X-Road headers")
        )
    if violations:
        raise Problem(
            422,
            "validation-error",
            "The request is not valid",
            "Invalid X-Road header: " + ", ".join(v.field for v in violations),
            violations=violations,
        )
    return XRoadHeaders(**values)
