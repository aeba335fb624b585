"""Matching listed people to clients, and what a list changes on a target it names again."""

from __future__ import annotations

from datetime import date

from kotopolku.clients.domain.outreach import OutreachStatus, TargetGroup
from kotopolku.clients.domain.outreach_import import ListedPerson
from kotopolku.clients.domain.outreach_match import (
    KnownTarget,
    client_values_from_target,
    match_client,
    relist,
    status_of_new_target,
)
from kotopolku.common.testing import temporary_henkilotunnus

CODE = temporary_henkilotunnus(date(1990, 1, 15), 901)
SA = TargetGroup.SOCIAL_ASSISTANCE
HOME_CARE = TargetGroup.CHILD_HOME_CARE_ALLOWANCE


def person(**overrides: object) -> ListedPerson:
    values: dict[str, object] = {
        "key": f"hetu:{CODE}",
        "henkilotunnus": CODE,
        "source_person_id": "",
        "first_names": "Amina",
        "last_name": "Hassan",
        "date_of_birth": date(1990, 1, 15),
        "groups": {SA: date(2024, 3, 1)},
        "languages": ["so"],
        "contact": {"phone": "+358401234567"},
        **overrides,
    }
    return ListedPerson(**values)  # type: ignore[arg-type]


def known(**overrides: object) -> KnownTarget:
    values: dict[str, object] = {
        "status": OutreachStatus.OPEN,
        "first_permit_date": date(2024, 3, 1),
        "groups": frozenset({SA}),
        "client_id": None,
        "languages": ("so",),
        "contact": {"phone": "+358401234567"},
        **overrides,
    }
    return KnownTarget(**values)  # type: ignore[arg-type]


def test_matching_is_by_identity_code_only() -> None:
    clients = {CODE: "client-1"}
    assert match_client(CODE, clients) == "client-1"
    assert match_client(temporary_henkilotunnus(date(1990, 1, 15), 902), clients) is None
    # No code: nobody is guessed, however well a name might fit.
    assert match_client(None, clients) is None
    assert match_client("", clients) is None


def test_a_new_target_is_a_client_only_when_matched() -> None:
    assert status_of_new_target("client-1") is OutreachStatus.CLIENT
    assert status_of_new_target(None) is OutreachStatus.OPEN


def test_the_same_listing_again_changes_nothing() -> None:
    change = relist(known(), person(), None)
    assert not change.changed
    assert change.values(known()) == {}


def test_another_group_is_added_and_nothing_else() -> None:
    change = relist(
        known(), person(groups={SA: date(2024, 3, 1), HOME_CARE: date(2024, 3, 1)}), None
    )
    assert change.changed
    assert change.new_groups == {HOME_CARE: date(2024, 3, 1)}
    assert change.values(known()) == {}


def test_an_earlier_permit_date_moves_the_window_a_later_one_does_not() -> None:
    earlier = relist(known(), person(groups={SA: date(2023, 12, 1)}), None)
    assert earlier.values(known()) == {
        "first_permit_date": date(2023, 12, 1),
        "window_ends_on": date(2026, 12, 1),
    }
    assert not relist(known(), person(groups={SA: date(2024, 6, 1)}), None).changed


def test_a_client_found_later_is_matched_whatever_the_status() -> None:
    for status in (
        OutreachStatus.OPEN,
        OutreachStatus.NOT_REACHED,
        OutreachStatus.REACHED,
        OutreachStatus.DECLINED,
    ):
        change = relist(known(status=status), person(), "client-1")
        assert change.values(known()) == {"client_id": "client-1", "status": "CLIENT"}
    # Already a client (or linked): nothing to match.
    assert not relist(known(status=OutreachStatus.CLIENT, client_id="c0"), person(), "c1").changed
    assert not relist(known(client_id="c0"), person(), "c1").changed


def test_lists_fill_in_what_the_target_lacks_and_overwrite_nothing() -> None:
    bare = known(languages=(), contact={})
    change = relist(bare, person(contact={"phone": "+358401234567", "email": "a@example.fi"}), None)
    assert change.values(bare) == {
        "languages": ["so"],
        "contact": {"phone": "+358401234567", "email": "a@example.fi"},
    }
    corrected = known(languages=("ar",), contact={"phone": "+358409999999"})
    change = relist(
        corrected, person(contact={"phone": "+358401234567", "email": "a@example.fi"}), None
    )
    assert change.values(corrected) == {
        "contact": {"phone": "+358409999999", "email": "a@example.fi"}
    }


def test_a_client_record_from_what_the_lists_carried() -> None:
    values = client_values_from_target(
        first_names="Olena",
        last_name="Kovalenko",
        date_of_birth=date(2001, 11, 2),
        henkilotunnus="021101A903J",
        languages=["uk"],
        contact={"email": "olena@example.fi"},
        first_permit_date=date(2025, 5, 20),
        groups=frozenset({TargetGroup.INTERNATIONAL_PROTECTION}),
        segment="PLACED",
    )
    assert values == {
        "first_names": "Olena",
        "last_name": "Kovalenko",
        "date_of_birth": date(2001, 11, 2),
        "henkilotunnus": "021101A903J",
        "languages": ["uk"],
        "contact": {
            "email": "olena@example.fi",
            "phone": "",
            "post_office": "",
            "postal_code": "",
            "street_address": "",
        },
        "segment": "PLACED",
        "residence_permit_type": "INTERNATIONAL_PROTECTION",
        "first_permit_date": date(2025, 5, 20),
        "status": "ACTIVE",
    }
    other = client_values_from_target(
        first_names="Mary",
        last_name="Okafor",
        date_of_birth=date(1979, 3, 8),
        henkilotunnus=None,
        languages=[],
        contact={},
        first_permit_date=date(2024, 10, 1),
        groups=frozenset({TargetGroup.TRAFFICKING_VICTIM}),
        segment=None,
    )
    assert other["residence_permit_type"] is None
    assert other["henkilotunnus"] is None
