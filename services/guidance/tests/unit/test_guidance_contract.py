"""The contract's structure: enums map both ways, anonymous visits have no field that could hold
personal data, and the access rules deny by default."""

from __future__ import annotations

from datetime import date

import pytest
from google.protobuf.descriptor import FieldDescriptor

from kotopolku.common.errors import InvalidArgument, PermissionDenied
from kotopolku.common.identity import Caller, Role
from kotopolku.guidance import access
from kotopolku.guidance.domain import (
    AgeBand,
    ArticleAction,
    ArticleStatus,
    Channel,
    FollowUp,
    ReferralTarget,
    SeriesStatus,
    TaskStatus,
    Topic,
)
from kotopolku.guidance.enums import from_proto, to_proto
from kotopolku.guidance.tables import ANONYMOUS_VISIT_COLUMNS, anonymous_visits
from kotopolku.guidance.v1 import guidance_pb2 as pb
from kotopolku.guidance.validation import anonymous_values

ENUMS = [
    Channel,
    Topic,
    AgeBand,
    ReferralTarget,
    FollowUp,
    SeriesStatus,
    TaskStatus,
    ArticleStatus,
    ArticleAction,
]


@pytest.mark.parametrize("kind", ENUMS)
def test_every_domain_code_has_its_protobuf_twin(kind: type) -> None:
    for member in kind:  # type: ignore[attr-defined]
        assert from_proto(kind, to_proto(member)) is member
    assert from_proto(kind, 0) is None
    assert from_proto(kind, 999) is None
    assert to_proto(None) == 0


def test_protobuf_enums_have_no_member_the_domain_lacks() -> None:
    for kind in ENUMS:
        wrapper = {
            Channel: pb.Channel,
            Topic: pb.Topic,
            AgeBand: pb.AgeBand,
            ReferralTarget: pb.ReferralTarget,
            FollowUp: pb.FollowUp,
            SeriesStatus: pb.SeriesStatus,
            TaskStatus: pb.TaskStatus,
            ArticleStatus: pb.ArticleStatus,
            ArticleAction: pb.ArticleAction,
        }[kind]
        assert len(wrapper.keys()) == len(kind) + 1  # + UNSPECIFIED


def test_an_anonymous_visit_has_no_field_that_could_hold_personal_data() -> None:
    """Strings are identifiers, a language code or a date; everything else is a code."""
    fields = pb.AnonymousVisit.DESCRIPTOR.fields_by_name
    strings = {name for name, f in fields.items() if f.type == FieldDescriptor.TYPE_STRING}
    assert strings == {"id", "municipality_code", "service_point_id", "visited_on", "language"}
    messages = {name for name, f in fields.items() if f.type == FieldDescriptor.TYPE_MESSAGE}
    assert messages == {"interpreter"}
    assert set(pb.Interpretation.DESCRIPTOR.fields_by_name) == {"used", "language"}
    assert set(ANONYMOUS_VISIT_COLUMNS) == set(anonymous_visits.c.keys())


def test_anonymous_values_are_only_codes_a_language_a_date_and_a_point() -> None:
    message = pb.AnonymousVisit(
        service_point_id="7b0f1d5e-6a43-4a8c-9a7e-2f0e4f7d9c11",
        visited_on="2026-03-02",
        channel=pb.CHANNEL_CHAT,
        language="UK",
        age_band=pb.AGE_BAND_NOT_TOLD,
        topics=[pb.TOPIC_RESIDENCE_PERMIT],
        follow_up=pb.FOLLOW_UP_NONE,
    )
    values = anonymous_values(message, date(2026, 3, 2))
    assert values == {
        "visited_on": date(2026, 3, 2),
        "channel": "CHAT",
        "language": "uk",
        "topics": ["RESIDENCE_PERMIT"],
        "interpreter_used": False,
        "interpreter_language": None,
        "referrals": [],
        "follow_up": "NONE",
        "age_band": "NOT_TOLD",
        "service_point_id": "7b0f1d5e-6a43-4a8c-9a7e-2f0e4f7d9c11",
    }
    with pytest.raises(InvalidArgument) as info:
        anonymous_values(pb.AnonymousVisit(language="klingon"), date(2026, 3, 2))
    assert {v.field for v in info.value.violations} == {
        "visited_on",
        "channel",
        "language",
        "topics",
        "follow_up",
        "age_band",
        "service_point_id",
    }


def caller(role: str, municipality: str | None = "091") -> Caller:
    return Caller("someone", frozenset({role}), "integration-services", municipality=municipality)


@pytest.mark.parametrize("role", [Role.MUNICIPAL_OFFICER, Role.EMPLOYMENT_OFFICER])
def test_officers_record_and_read(role: str) -> None:
    assert access.writer(caller(role)) == "091"
    assert access.reader(caller(role)) == "091"
    assert access.editor(caller(role)) == "091"


def test_managers_read_and_edit_the_knowledge_base_but_do_not_record_visits() -> None:
    manager = caller(Role.MANAGER)
    assert access.reader(manager) == "091"
    assert access.service_point_writer(manager) == "091"
    assert access.editor_of(manager) == "091"
    with pytest.raises(PermissionDenied):
        access.writer(manager)


@pytest.mark.parametrize(
    "role",
    [
        Role.CLIENT,
        Role.WELFARE_AREA_WORKER,
        Role.SERVICE_PROVIDER,
        Role.AUDITOR,
        Role.INTERPRETER,
        Role.ARCHIVIST,
        Role.ADMIN,
    ],
)
def test_other_people_only_read_published_articles(role: str) -> None:
    person = caller(role)
    access.knowledge_reader(person)
    assert access.editor_of(person) is None
    for rule in (access.writer, access.reader, access.editor):
        with pytest.raises(PermissionDenied):
            rule(person)


def test_a_referring_authority_and_staff_without_a_municipality_get_nothing() -> None:
    referrer = caller(Role.REFERRER, None)
    with pytest.raises(PermissionDenied):
        access.knowledge_reader(referrer)
    with pytest.raises(PermissionDenied):
        access.editor_of(referrer)
    with pytest.raises(PermissionDenied):
        access.writer(caller(Role.MUNICIPAL_OFFICER, None))
