"""Domain errors and their gRPC form.

A domain error carries a stable ``type`` (a slug that clients may program against), a human
``title`` and ``detail``, and the offending fields. Inside the system it travels as a gRPC status
with ``google.rpc.ErrorInfo`` (reason = type) and ``google.rpc.BadRequest`` details; the gateway
turns it into RFC 9457 problem+json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "kotopolku"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str


class DomainError(Exception):
    status: grpc.StatusCode = grpc.StatusCode.INTERNAL
    type: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str, *, violations: Sequence[FieldViolation] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.violations = tuple(violations)


class InvalidArgument(DomainError):
    status = grpc.StatusCode.INVALID_ARGUMENT
    type = "validation-error"
    title = "The request is not valid"

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgument:
        return cls(description, violations=[FieldViolation(field, description)])


class NotFound(DomainError):
    status = grpc.StatusCode.NOT_FOUND
    type = "not-found"
    title = "Not found"


class AlreadyExists(DomainError):
    status = grpc.StatusCode.ALREADY_EXISTS
    type = "conflict"
    title = "The resource already exists"


class IdempotencyKeyReused(DomainError):
    status = grpc.StatusCode.ALREADY_EXISTS
    type = "idempotency-key-reused"
    title = "The Idempotency-Key was used for a different request"


class StaleVersion(DomainError):
    status = grpc.StatusCode.FAILED_PRECONDITION
    type = "stale-version"
    title = "The resource has changed since it was read"


class InvalidState(DomainError):
    status = grpc.StatusCode.FAILED_PRECONDITION
    type = "invalid-state"
    title = "The operation is not allowed in the resource's current state"


class PermissionDenied(DomainError):
    status = grpc.StatusCode.PERMISSION_DENIED
    type = "forbidden"
    title = "Not allowed"


class Unauthenticated(DomainError):
    status = grpc.StatusCode.UNAUTHENTICATED
    type = "unauthenticated"
    title = "Authentication required"


class DependencyUnavailable(DomainError):
    """Another service this call needs did not answer; the caller may retry."""

    status = grpc.StatusCode.UNAVAILABLE
    type = "service-unavailable"
    title = "A service this call needs is not available"

    @classmethod
    def of(cls, service: str, error: grpc.aio.AioRpcError) -> DependencyUnavailable:
        # The status name only: a remote message text may carry data we must not pass on.
        return cls(f"The {service} service did not answer ({error.code().name}); try again")


class DatabaseUnavailable(DomainError):
    """The service's own database did not answer (it is down or restarting); the call may be
    retried. Whether a write that failed this way was committed is unknown to the service too:
    a retry with the same idempotency key or expected version is safe."""

    status = grpc.StatusCode.UNAVAILABLE
    type = "service-unavailable"
    title = "The service's database is not available"


# What another service answers when the caller cannot see a record: the same as a missing one.
NOT_VISIBLE_CODES = frozenset(
    {grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED}
)


def to_rpc_status(error: DomainError) -> status_pb2.Status:
    info = error_details_pb2.ErrorInfo(
        reason=error.type, domain=ERROR_DOMAIN, metadata={"title": error.title}
    )
    status = status_pb2.Status(code=error.status.value[0], message=error.detail)
    status.details.add().Pack(info)
    if error.violations:
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in error.violations
            ]
        )
        status.details.add().Pack(bad_request)
    return status


def to_grpc_status(error: DomainError) -> grpc.Status:
    return rpc_status.to_status(to_rpc_status(error))


@dataclass(frozen=True, slots=True)
class RemoteError:
    """A failed call as the caller sees it: code, type, texts and field violations."""

    code: grpc.StatusCode
    type: str
    title: str
    detail: str
    violations: tuple[FieldViolation, ...]


_CODE_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def parse_rpc_error(error: grpc.aio.AioRpcError) -> RemoteError:
    """Reads the structured details a Kotopolku service put into a failed call."""
    code = error.code()
    kind, title, violations = "", "", []
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                kind, title = info.reason, info.metadata.get("title", "")
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations = [FieldViolation(v.field, v.description) for v in bad.field_violations]
        code = _CODE_BY_NUMBER.get(status.code, code)
    return RemoteError(
        code=code,
        type=kind,
        title=title,
        detail=error.details() or "",
        violations=tuple(violations),
    )


__all__ = [
    "NOT_VISIBLE_CODES",
    "AlreadyExists",
    "DatabaseUnavailable",
    "DependencyUnavailable",
    "DomainError",
    "FieldViolation",
    "IdempotencyKeyReused",
    "InvalidArgument",
    "InvalidState",
    "NotFound",
    "PermissionDenied",
    "RemoteError",
    "StaleVersion",
    "Unauthenticated",
    "parse_rpc_error",
    "to_grpc_status",
]
