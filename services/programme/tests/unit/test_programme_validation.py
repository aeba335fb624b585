"""Messages to validated values: every bad field is reported at once, with its path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kotopolku.common.errors import InvalidArgument
from kotopolku.programme.domain import CefrLevel, InterruptionReason, ServiceType
from kotopolku.programme.v1 import programme_pb2 as pb
from kotopolku.programme.validation import (
    SERVICE_FIELDS,
    EnrolmentDates,
    check_service,
    completion_values,
    enrolment_values,
    interruption_values,
    parse_date,
    provider_values,
    reference,
    service_values,
)

UUID = "6f1c1a52-9d61-4a8f-8f8e-0b1d7a1e2c3d"
DATES = EnrolmentDates(
    start=date(2026, 2, 2),
    enrolled_on=date(2026, 2, 1),
    last_attendance=None,
    today=date(2026, 3, 2),
)


def fields(error: pytest.ExceptionInfo[InvalidArgument]) -> set[str]:
    return {v.field for v in error.value.violations}


def test_dates() -> None:
    assert parse_date("2026-03-02", "d", required=True) == date(2026, 3, 2)
    assert parse_date("", "d", required=False) is None
    for bad in ("2026-3-2", "20260302", "2026-02-30", "1999-12-31", "2026-03-02T00:00"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_date(bad, "d", required=True)
    with pytest.raises(ValueError, match="required"):
        parse_date("", "d", required=True)


def test_references() -> None:
    assert reference(" plan-1 ", "plan_id") == "plan-1"
    for bad in ("", "a b", "x" * 65, "a\x00"):
        with pytest.raises(ValueError):  # noqa: PT011
            reference(bad, "plan_id")


class TestProvider:
    def test_create_values(self) -> None:
        values = provider_values(
            pb.Provider(
                id="opisto",
                name=" Opisto ",
                business_id="0112038-9",
                contacts=[pb.ProviderContact(name="Outi", phone="040 1234567")],
            )
        )
        assert values == {
            "id": "opisto",
            "name": "Opisto",
            "business_id": "0112038-9",
            "contacts": [{"name": "Outi", "email": "", "phone": "+358401234567"}],
        }

    def test_every_bad_field(self) -> None:
        message = pb.Provider(
            id="X",
            business_id="0112038-8",
            contacts=[pb.ProviderContact(email="bad", phone="bad"), pb.ProviderContact(name="N")],
        )
        with pytest.raises(InvalidArgument) as error:
            provider_values(message)
        assert fields(error) == {
            "id",
            "name",
            "business_id",
            "contacts[0].name",
            "contacts[0].email",
            "contacts[0].phone",
            "contacts[1]",
        }

    def test_update_mask(self) -> None:
        assert provider_values(pb.Provider(name="Uusi"), ["name"]) == {"name": "Uusi"}
        with pytest.raises(InvalidArgument) as error:
            provider_values(pb.Provider(), ["id", "municipality_code"])
        assert fields(error) == {"update_mask.id", "update_mask.municipality_code"}
        with pytest.raises(InvalidArgument) as error:
            provider_values(pb.Provider(), [])
        assert fields(error) == {"update_mask"}


def service_message(**overrides: Any) -> pb.CatalogueService:
    values: dict[str, Any] = {
        "type": pb.SERVICE_TYPE_LANGUAGE_TRAINING,
        "provider_id": "opisto",
        "languages": ["fi"],
        "location": "Opistotie 1",
        "capacity": 10,
        "intake_dates": ["2026-08-10", "2026-03-02"],
        "valid_from": "2026-01-01",
    }
    values.update(overrides)
    return pb.CatalogueService(**values)


def checked(message: pb.CatalogueService) -> dict[str, Any]:
    values, collector = service_values(message)
    values["intake_dates"] = check_service(values, SERVICE_FIELDS, 0, collector)
    collector.raise_if_any()
    return values


class TestService:
    def test_create_values(self) -> None:
        values = checked(service_message(languages=["fin", "fi", "ARA"], schedule="  ma  9–13 "))
        assert values == {
            "type": ServiceType.LANGUAGE_TRAINING,
            "name": "",
            "description": "",
            "provider_id": "opisto",
            "languages": ["fi", "ar"],
            "location": "Opistotie 1",
            "remote": False,
            "capacity": 10,
            "schedule": "ma 9–13",
            "intake_dates": [date(2026, 3, 2), date(2026, 8, 10)],
            "valid_from": date(2026, 1, 1),
            "valid_until": None,
        }

    def test_every_bad_field(self) -> None:
        message = service_message(
            type=pb.SERVICE_TYPE_MUNICIPALITY_DEFINED,
            provider_id="Opisto!",
            languages=["fi", "zz", "qaa"],
            location="",
            capacity=0,
            schedule="x" * 501,
            intake_dates=["2026-01-05", "huomenna"],
            valid_from="2026-02-01",
            valid_until="2026-01-31",
        )
        with pytest.raises(InvalidArgument) as error:
            checked(message)
        assert fields(error) == {
            "name",
            "provider_id",
            "languages[1]",
            "languages[2]",
            "location",
            "capacity",
            "schedule",
            "intake_dates[1]",
            "valid_until",
        }

    def test_intakes_are_checked_against_a_valid_period_only(self) -> None:
        with pytest.raises(InvalidArgument) as error:
            checked(service_message(intake_dates=["2025-05-05"], valid_from="2026-13-01"))
        assert fields(error) == {"valid_from"}
        with pytest.raises(InvalidArgument) as error:
            checked(service_message(intake_dates=["2025-05-05", "2026-05-05"]))
        assert fields(error) == {"intake_dates[0]"}

    def test_language_count(self) -> None:
        with pytest.raises(InvalidArgument) as error:
            checked(service_message(languages=[]))
        assert fields(error) == {"languages"}
        with pytest.raises(InvalidArgument) as error:
            checked(service_message(languages=["x1"]))
        assert fields(error) == {"languages[0]"}

    def test_update_uses_the_stored_record_for_rules_across_fields(self) -> None:
        stored = checked(service_message(intake_dates=["2026-06-01"]))
        values, collector = service_values(
            service_message(valid_until="2026-05-31"), ["valid_until"]
        )
        check_service({**stored, **values}, values, 0, collector)
        with pytest.raises(InvalidArgument) as error:
            collector.raise_if_any()
        assert fields(error) == {"intake_dates[0]"}

        # Both changed together: remote without an address is fine.
        message = service_message(location="", remote=True)
        values, collector = service_values(message, ["location", "remote"])
        check_service({**stored, **values}, values, 0, collector)
        collector.raise_if_any()

    def test_removing_the_address_of_a_service_that_is_not_remote(self) -> None:
        stored = checked(service_message())
        values, collector = service_values(service_message(location=""), ["location"])
        check_service({**stored, **values}, values, 0, collector)
        with pytest.raises(InvalidArgument) as error:
            collector.raise_if_any()
        assert fields(error) == {"location"}

    def test_capacity_below_active_enrolments(self) -> None:
        stored = checked(service_message())
        values, collector = service_values(service_message(capacity=3), ["capacity"])
        check_service({**stored, **values}, values, 4, collector)
        with pytest.raises(InvalidArgument, match="capacity"):
            collector.raise_if_any()


def enrolment_request(**overrides: str) -> pb.CreateEnrolmentRequest:
    values = {
        "plan_id": "plan-1",
        "plan_service_id": "ps-1",
        "programme_service_id": UUID,
        "client_id": UUID.upper(),
        "participant_display_name": " Amina  Hassan ",
        "start_date": "",
    }
    values.update(overrides)
    return pb.CreateEnrolmentRequest(**values)


def test_enrolment_values() -> None:
    assert enrolment_values(enrolment_request()) == {
        "plan_id": "plan-1",
        "plan_service_id": "ps-1",
        "programme_service_id": UUID,
        "client_id": UUID,
        "participant_display_name": "Amina Hassan",
        "start_date": None,
    }
    with pytest.raises(InvalidArgument) as error:
        enrolment_values(
            pb.CreateEnrolmentRequest(client_id="x", programme_service_id="y", start_date="z")
        )
    assert fields(error) == {
        "plan_id",
        "plan_service_id",
        "programme_service_id",
        "client_id",
        "participant_display_name",
        "start_date",
    }


def test_interruption_values() -> None:
    values = interruption_values(
        pb.Interruption(date="2026-02-20", reason=pb.INTERRUPTION_REASON_EMPLOYMENT), DATES
    )
    assert values == {
        "date": date(2026, 2, 20),
        "reason": InterruptionReason.EMPLOYMENT,
        "details": "",
    }
    with pytest.raises(InvalidArgument) as error:
        interruption_values(pb.Interruption(date="2026-03-03", details="a\x00"), DATES)
    assert fields(error) == {"date", "reason", "details"}
    with pytest.raises(InvalidArgument) as error:
        interruption_values(pb.Interruption(reason=pb.INTERRUPTION_REASON_OTHER), DATES)
    assert fields(error) == {"date", "details"}


FULL = pb.LanguageTestResult(
    reading=pb.CEFR_LEVEL_A1,
    writing=pb.CEFR_LEVEL_A2,
    listening=pb.CEFR_LEVEL_B1,
    speaking=pb.CEFR_LEVEL_C2,
)


def test_completion_values() -> None:
    day, result = completion_values(
        pb.Completion(completion_date="2026-03-01", language_test=FULL),
        ServiceType.INTEGRATION_TRAINING,
        DATES,
    )
    assert day == date(2026, 3, 1)
    assert result is not None
    assert (result.reading, result.speaking) == (CefrLevel.A1, CefrLevel.C2)
    assert completion_values(
        pb.Completion(completion_date="2026-03-01"), ServiceType.GUIDANCE, DATES
    ) == (date(2026, 3, 1), None)
    with pytest.raises(InvalidArgument) as error:
        completion_values(
            pb.Completion(
                completion_date="2026-02-01",
                language_test=pb.LanguageTestResult(reading=pb.CEFR_LEVEL_B2),
            ),
            ServiceType.INTEGRATION_TRAINING,
            DATES,
        )
    assert fields(error) == {
        "completion_date",
        "language_test.writing",
        "language_test.listening",
        "language_test.speaking",
    }
