"""Outreach rules: the three-year window, sources and groups, who a person is, how contact
outcomes move a target, and when a target may become a client."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.clients.domain import ClientDomainError
from kotopolku.clients.domain.outreach import (
    DEFAULT_LEAVING_DAYS,
    ContactOutcome,
    OutreachStatus,
    TargetGroup,
    TargetListSource,
    check_source_reports_group,
    is_reached,
    leaving_window_until,
    may_convert_to_client,
    person_key,
    status_after_contact,
    window_end,
    within_window,
)

S = OutreachStatus
OUT = ContactOutcome


@pytest.mark.parametrize(
    ("first_permit", "ends"),
    [
        (date(2023, 3, 15), date(2026, 3, 15)),
        (date(2023, 12, 31), date(2026, 12, 31)),
        (date(2024, 1, 1), date(2027, 1, 1)),
        # 29 February: the last day of February three years later.
        (date(2024, 2, 29), date(2027, 2, 28)),
        (date(2020, 2, 29), date(2023, 2, 28)),
        # Three years on is itself a leap year: the same day exists.
        (date(2021, 2, 28), date(2024, 2, 28)),
    ],
)
def test_the_window_ends_on_the_third_anniversary(first_permit: date, ends: date) -> None:
    assert window_end(first_permit) == ends


def test_the_last_day_of_the_window_is_still_inside_it() -> None:
    permit = date(2023, 6, 1)
    assert within_window(permit, date(2026, 6, 1))
    assert not within_window(permit, date(2026, 6, 2))
    assert within_window(permit, permit)
    assert not within_window(permit, date(2023, 5, 31))


def test_leap_day_permit_window_ends_on_28_february() -> None:
    permit = date(2024, 2, 29)
    assert within_window(permit, date(2027, 2, 28))
    assert not within_window(permit, date(2027, 3, 1))


def test_leaving_window_days_default_and_bounds() -> None:
    today = date(2026, 3, 1)
    assert leaving_window_until(today, 0) == date(2026, 5, 30)
    assert (leaving_window_until(today, 0) - today).days == DEFAULT_LEAVING_DAYS
    assert leaving_window_until(today, 1) == date(2026, 3, 2)
    assert leaving_window_until(today, 366) == date(2027, 3, 2)
    for days in (-1, 367, 10_000):
        with pytest.raises(ClientDomainError) as info:
            leaving_window_until(today, days)
        assert info.value.field == "within_days"


REPORTS = {
    TargetListSource.KELA: {TargetGroup.SOCIAL_ASSISTANCE, TargetGroup.CHILD_HOME_CARE_ALLOWANCE},
    TargetListSource.MIGRI: {
        TargetGroup.INTERNATIONAL_PROTECTION,
        TargetGroup.TRAFFICKING_VICTIM,
    },
    TargetListSource.DVV: set(TargetGroup),
}


@pytest.mark.parametrize("source", list(TargetListSource))
@pytest.mark.parametrize("group", list(TargetGroup))
def test_each_source_reports_only_its_groups(source: TargetListSource, group: TargetGroup) -> None:
    if group in REPORTS[source]:
        check_source_reports_group(source, group)
        return
    with pytest.raises(ClientDomainError) as info:
        check_source_reports_group(source, group)
    assert info.value.field == "target_group"
    assert source.value in info.value.message


def test_a_person_is_their_identity_code_or_the_sources_own_id() -> None:
    assert person_key("150190-901S", TargetListSource.KELA, "X1") == "hetu:150190-901S"
    assert person_key("150190-901S", TargetListSource.MIGRI, "") == "hetu:150190-901S"
    # Without a code, the source's identifier means something only within that source.
    assert person_key(None, TargetListSource.MIGRI, "MIG-1") == "migri:MIG-1"
    assert person_key(None, TargetListSource.DVV, "MIG-1") != person_key(
        None, TargetListSource.MIGRI, "MIG-1"
    )
    with pytest.raises(ClientDomainError) as info:
        person_key(None, TargetListSource.KELA, "")
    assert info.value.field == "henkilotunnus"


@pytest.mark.parametrize(
    ("current", "outcome", "after"),
    [
        (S.OPEN, OUT.REACHED, S.REACHED),
        (S.OPEN, OUT.NOT_REACHED, S.NOT_REACHED),
        (S.OPEN, OUT.DECLINED, S.DECLINED),
        (S.NOT_REACHED, OUT.NOT_REACHED, S.NOT_REACHED),
        (S.NOT_REACHED, OUT.REACHED, S.REACHED),
        (S.NOT_REACHED, OUT.DECLINED, S.DECLINED),
        # A follow-up nobody answered does not undo the reaching.
        (S.REACHED, OUT.NOT_REACHED, S.REACHED),
        (S.REACHED, OUT.REACHED, S.REACHED),
        (S.REACHED, OUT.DECLINED, S.DECLINED),
        (S.DECLINED, OUT.NOT_REACHED, S.DECLINED),
        # A person who declined may change their mind.
        (S.DECLINED, OUT.REACHED, S.REACHED),
        (S.DECLINED, OUT.DECLINED, S.DECLINED),
    ],
)
def test_contact_outcomes_move_the_status(
    current: OutreachStatus, outcome: ContactOutcome, after: OutreachStatus
) -> None:
    assert status_after_contact(current, outcome) is after


@pytest.mark.parametrize("outcome", list(ContactOutcome))
def test_a_client_gets_no_more_outreach_contacts(outcome: ContactOutcome) -> None:
    with pytest.raises(ClientDomainError):
        status_after_contact(S.CLIENT, outcome)


@pytest.mark.parametrize("status", list(OutreachStatus))
def test_who_may_become_a_client(status: OutreachStatus) -> None:
    # A new record only for a reached person; linking to an existing one from any open status.
    if status is S.REACHED:
        may_convert_to_client(status, existing_client=False)
    else:
        with pytest.raises(ClientDomainError):
            may_convert_to_client(status, existing_client=False)
    if status is S.CLIENT:
        with pytest.raises(ClientDomainError):
            may_convert_to_client(status, existing_client=True)
    else:
        may_convert_to_client(status, existing_client=True)


def test_reached_means_reached_declined_or_client() -> None:
    assert {s for s in OutreachStatus if is_reached(s)} == {S.REACHED, S.DECLINED, S.CLIENT}
