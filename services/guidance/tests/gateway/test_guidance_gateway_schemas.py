"""The JSON shapes of the guidance API: what an anonymous visit's body can hold, enum values
both ways, and examples on every request body in the OpenAPI document."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kotopolku.gateway.app import create_app
from kotopolku.gateway.guidance_schemas import (
    AnonymousVisit,
    AnonymousVisitCreate,
    Visit,
    VisitCreate,
    VisitPatch,
)
from kotopolku.guidance.v1 import guidance_pb2 as pb

POINT = "7b0f1d5e-6a43-4a8c-9a7e-2f0e4f7d9c11"
ANONYMOUS = {
    "service_point_id": POINT,
    "visited_on": "2026-03-02",
    "channel": "on-site",
    "language": "ar",
    "age_band": "18-to-29",
    "topics": ["housing", "residence-permit"],
    "interpreter": {"used": True, "language": "ar"},
    "referrals": ["kela", "welfare-social-services"],
    "follow_up": "return-visit",
}


def test_an_anonymous_visit_round_trips_through_its_message() -> None:
    message = AnonymousVisitCreate.model_validate(ANONYMOUS).message()
    assert message.age_band == pb.AGE_BAND_18_TO_29
    assert list(message.topics) == [pb.TOPIC_HOUSING, pb.TOPIC_RESIDENCE_PERMIT]
    message.id, message.municipality_code = "v-1", "091"
    back = AnonymousVisit.of(message).model_dump(mode="json")
    assert back == {**ANONYMOUS, "id": "v-1", "municipality_code": "091", "linked": False}


@pytest.mark.parametrize(
    "extra",
    [
        {"client_id": "c-1"},
        {"notes": "Nimi ja puhelinnumero"},
        {"first_names": "Amina"},
        {"visited_at": "2026-03-02T10:15:00"},
        {"follow_up": "staff-contacts-client"},
        {"follow_up_due": "2026-03-09"},
        {"topics": ["asunnon haku"]},
    ],
)
def test_an_anonymous_visit_takes_nothing_but_its_codes(extra: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AnonymousVisitCreate.model_validate({**ANONYMOUS, **extra})


def test_a_visit_patch_names_the_fields_present_nulls_included() -> None:
    patch = VisitPatch.model_validate({"follow_up": "none", "follow_up_due": None})
    message, mask = patch.message_and_mask()
    assert mask == ["follow_up", "follow_up_due"]
    assert (message.follow_up, message.follow_up_due) == (pb.FOLLOW_UP_NONE, "")


def test_a_client_visit_round_trips() -> None:
    body = VisitCreate.model_validate(
        {
            "visited_on": "2026-03-02",
            "channel": "video",
            "language": "uk",
            "topics": ["employment"],
            "follow_up": "check-referral",
            "follow_up_due": "2026-03-16",
        }
    )
    message = body.message("client-1")
    assert (message.client_id, message.channel) == ("client-1", pb.CHANNEL_VIDEO)
    shown = Visit.of(message)
    assert (shown.channel, shown.follow_up, shown.service_point_id) == (
        "video",
        "check-referral",
        None,
    )


def test_every_guidance_request_body_has_an_example() -> None:
    schema = create_app().openapi()
    components = schema["components"]["schemas"]
    bodies = []
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            if "guidance" not in operation.get("tags", []) or "requestBody" not in operation:
                continue
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            bodies.append((path, ref.rsplit("/", 1)[-1]))
    assert len(bodies) >= 12
    for path, name in bodies:
        properties = components[name]["properties"]
        assert any("examples" in p for p in properties.values()), (path, name)
