from __future__ import annotations

import grpc
import pytest

from kotopolku.common import pagination
from kotopolku.common.errors import (
    FieldViolation,
    InvalidArgument,
    StaleVersion,
    to_rpc_status,
)
from kotopolku.common.outbox import MAX_BACKOFF_SECONDS, backoff_seconds


def test_domain_error_carries_type_title_and_fields_in_the_status() -> None:
    from google.rpc import error_details_pb2

    error = InvalidArgument(
        "Invalid value in: henkilotunnus",
        violations=[FieldViolation("henkilotunnus", "bad checksum")],
    )
    status = to_rpc_status(error)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info)
    assert status.details[1].Unpack(bad)
    assert info.reason == "validation-error"
    assert info.metadata["title"] == InvalidArgument.title
    assert [(v.field, v.description) for v in bad.field_violations] == [
        ("henkilotunnus", "bad checksum")
    ]


def test_error_without_fields_has_only_error_info() -> None:
    status = to_rpc_status(StaleVersion("at version 3"))
    assert status.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert len(status.details) == 1


def test_page_tokens_round_trip_and_reject_garbage() -> None:
    token = pagination.encode_token({"s": "virtanen anna", "i": "42"})
    assert pagination.decode_token(token) == {"s": "virtanen anna", "i": "42"}
    assert pagination.decode_token("") is None
    with pytest.raises(InvalidArgument) as raised:
        pagination.decode_token("%%%")
    assert raised.value.violations[0].field == "page_token"


def test_page_size_defaults_and_caps() -> None:
    assert pagination.page_size(0) == pagination.DEFAULT_PAGE_SIZE
    assert pagination.page_size(10_000) == pagination.MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument):
        pagination.page_size(-1)


def test_outbox_backoff_grows_and_is_capped() -> None:
    delays = [backoff_seconds(n) for n in range(1, 12)]
    assert delays == sorted(delays)
    assert delays[0] < 1
    assert delays[-1] == MAX_BACKOFF_SECONDS


def test_unexpected_errors_are_logged_without_their_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kotopolku.common.logging import log_unexpected

    # Built at run time like real data, so the source line in the stack does not contain it.
    values = ["Snarvels" + "son", "210258" + "-978X"]
    try:
        raise ValueError("INSERT failed for " + " ".join(values))
    except ValueError as error:
        log_unexpected(error, rpc_method="/x/Y")
    (record,) = caplog.records
    assert record.error_type == "ValueError"  # type: ignore[attr-defined]
    assert "test_common_errors.py" in record.stack  # type: ignore[attr-defined]
    text = record.getMessage() + str(record.__dict__)
    assert "Snarvelsson" not in text
    assert "210258" not in text
