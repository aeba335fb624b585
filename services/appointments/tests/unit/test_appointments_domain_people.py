"""Assignees, reminders and history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kotopolku.appointments.domain import (
    AppointmentDomainError,
    AppointmentKind,
    Assignee,
    AssigneeKind,
    ReminderState,
    changes,
    client_person_key,
    default_leads,
    includes_client,
    plan_reminders,
    reconcile,
    validate_assignees,
    validate_lead_minutes,
)
from kotopolku.appointments.domain.reminders import reminder_key, reminder_variables

CLIENT = "0b6b5b8e-2f0a-4f7e-9f3e-1d2c3b4a5f60"
STAFF = Assignee(AssigneeKind.MUNICIPAL_STAFF, "sub-1", "Outi  Ohjaaja ")
THE_CLIENT = Assignee(AssigneeKind.CLIENT)


def _error(call: object, *args: object, **kwargs: object) -> AppointmentDomainError:
    with pytest.raises(AppointmentDomainError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value


def test_valid_assignees_are_normalised() -> None:
    checked = validate_assignees(
        [
            STAFF,
            THE_CLIENT,
            Assignee(AssigneeKind.WELFARE_AREA_STAFF, "sub-2", organisation="pirkanmaa"),
            Assignee(AssigneeKind.PROVIDER_STAFF, "sub-3", organisation="opisto"),
            Assignee(AssigneeKind.INTERPRETER, "sub-4", organisation="tulkkaus"),
        ],
        CLIENT,
    )
    assert checked[0].display_name == "Outi Ohjaaja"
    assert [a.person_key(CLIENT) for a in checked] == [
        "sub-1",
        f"client:{CLIENT}",
        "sub-2",
        "sub-3",
        "sub-4",
    ]
    assert includes_client(checked)
    assert not includes_client([STAFF])
    assert client_person_key(CLIENT) == f"client:{CLIENT}"


@pytest.mark.parametrize(
    ("people", "field", "message"),
    [
        ([], "assignees", "at least one"),
        ([STAFF] * 21, "assignees", "at most 20"),
        ([STAFF, STAFF], "assignees[1]", "already assigned"),
        ([THE_CLIENT, THE_CLIENT], "assignees[1]", "already assigned"),
        ([Assignee(AssigneeKind.CLIENT, "sub-1")], "assignees[0].subject", "must be empty"),
        (
            [Assignee(AssigneeKind.CLIENT, organisation="x")],
            "assignees[0].organisation",
            "must be empty",
        ),
        ([Assignee(AssigneeKind.MUNICIPAL_STAFF)], "assignees[0].subject", "is required"),
        (
            [Assignee(AssigneeKind.MUNICIPAL_STAFF, "client:abc")],
            "assignees[0].subject",
            "not a user",
        ),
        ([Assignee(AssigneeKind.MUNICIPAL_STAFF, "a b")], "assignees[0].subject", "identifier"),
        ([Assignee(AssigneeKind.MUNICIPAL_STAFF, "x" * 65)], "assignees[0].subject", "identifier"),
        (
            [Assignee(AssigneeKind.MUNICIPAL_STAFF, "s", organisation="o")],
            "assignees[0].organisation",
            "must be empty",
        ),
        ([Assignee(AssigneeKind.INTERPRETER, "s")], "assignees[0].organisation", "is required"),
        (
            [Assignee(AssigneeKind.WELFARE_AREA_STAFF, "s")],
            "assignees[0].organisation",
            "is required",
        ),
        (
            [Assignee(AssigneeKind.MUNICIPAL_STAFF, "s", "n" * 201)],
            "assignees[0].display_name",
            "at most 200",
        ),
    ],
)
def test_invalid_assignees(people: list[Assignee], field: str, message: str) -> None:
    error = _error(validate_assignees, people, CLIENT)
    assert error.field == field
    assert message in error.message


def test_lead_minutes() -> None:
    assert validate_lead_minutes([60, 1440], AppointmentKind.APPOINTMENT, True) == [1440, 60]
    assert validate_lead_minutes([], AppointmentKind.TASK, False) == []
    assert validate_lead_minutes([5, 20160], AppointmentKind.EVENT, True) == [20160, 5]


@pytest.mark.parametrize(
    ("leads", "kind", "with_client", "field", "message"),
    [
        ([60], AppointmentKind.TASK, True, "reminder_lead_minutes", "a task has no reminders"),
        ([60], AppointmentKind.APPOINTMENT, False, "reminder_lead_minutes", "not an assignee"),
        (
            [1, 2, 3, 4, 5, 6],
            AppointmentKind.APPOINTMENT,
            True,
            "reminder_lead_minutes",
            "at most 5",
        ),
        ([4], AppointmentKind.APPOINTMENT, True, "reminder_lead_minutes[0]", "between 5 and"),
        ([60, 20161], AppointmentKind.APPOINTMENT, True, "reminder_lead_minutes[1]", "between"),
        ([60, 60], AppointmentKind.APPOINTMENT, True, "reminder_lead_minutes[1]", "twice"),
    ],
)
def test_invalid_lead_minutes(
    leads: list[int], kind: AppointmentKind, with_client: bool, field: str, message: str
) -> None:
    error = _error(validate_lead_minutes, leads, kind, with_client)
    assert (error.field, message in error.message) == (field, True)


def test_default_leads_only_where_a_reminder_makes_sense() -> None:
    assert default_leads([60, 1440, 60], AppointmentKind.APPOINTMENT, True) == [1440, 60]
    assert default_leads([1440], AppointmentKind.TASK, True) == []
    assert default_leads([1440], AppointmentKind.EVENT, False) == []


START = datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 09:00 Helsinki, after the autumn change


def test_reminder_variables_are_what_the_template_declares() -> None:
    assert reminder_variables(START, "Toinen linja 4", "Kotoutumispalvelut") == {
        "date": "25.10.2026",
        "time": "09.00",
        "location": "Toinen linja 4",
        "organiser": "Kotoutumispalvelut",
    }
    # 00:30 Helsinki on 1 March is still 28 February in UTC.
    assert (
        reminder_variables(datetime(2026, 2, 28, 22, 30, tzinfo=UTC), "x", "y")["date"]
        == "1.3.2026"
    )


def test_planned_reminders_skip_passed_moments_and_have_stable_keys() -> None:
    now = START - timedelta(hours=2)
    planned = plan_reminders("a1", [1440, 60, 180], START, "Paikka", "Toimisto", "", now)
    assert [(r.lead_minutes, r.send_at) for r in planned] == [(60, START - timedelta(hours=1))]
    again = plan_reminders("a1", [60], START, "Paikka", "Toimisto", "", now)
    assert again[0].idempotency_key == planned[0].idempotency_key
    assert planned[0].idempotency_key.startswith("appointment-reminder:a1:60:")
    assert len(planned[0].idempotency_key) <= 200
    # Anything the reminder says changes the key.
    for other in (
        plan_reminders("a1", [60], START + timedelta(minutes=5), "Paikka", "Toimisto", "", now),
        plan_reminders("a1", [60], START, "Muu paikka", "Toimisto", "", now),
        plan_reminders("a1", [60], START, "Paikka", "Toimisto", "ar", now),
        plan_reminders("a2", [60], START, "Paikka", "Toimisto", "", now),
    ):
        assert other[0].idempotency_key != planned[0].idempotency_key
    assert reminder_key("a", 1, START, "", {"b": "1", "a": "2"}) == reminder_key(
        "a", 1, START, "", {"a": "2", "b": "1"}
    )


def test_reconcile_cancels_the_unwanted_and_schedules_the_missing() -> None:
    now = START - timedelta(days=3)
    wanted = plan_reminders("a1", [1440, 60], START, "P", "O", "", now)
    keys = [r.idempotency_key for r in wanted]
    plan = reconcile(["old", keys[0]], wanted)
    assert plan.cancel == ["old"]
    assert [r.idempotency_key for r in plan.schedule] == [keys[1]]
    assert reconcile(keys, wanted).schedule == []
    assert reconcile(keys, []).cancel == sorted(keys)


def test_active_reminder_states() -> None:
    assert {s for s in ReminderState if s.is_active} == {
        ReminderState.PENDING,
        ReminderState.SCHEDULED,
    }


def test_history_changes_are_field_by_field() -> None:
    found = changes(
        {"title": "A", "team": "", "assignees": [{"s": 1}], "gone": "x"},
        {"title": "B", "team": "", "assignees": [{"s": 1}], "new": ["ä"]},
    )
    assert [(c.field, c.before, c.after) for c in found] == [
        ("gone", '"x"', ""),
        ("new", "", '["ä"]'),
        ("title", '"A"', '"B"'),
    ]
    assert changes({"a": None}, {"a": ""}) == []
