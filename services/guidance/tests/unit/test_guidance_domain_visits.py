"""Rules of counselling visits: dates, topics, referrals, interpretation and follow-up."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.guidance.domain import (
    ANONYMOUS_FOLLOW_UPS,
    FollowUp,
    GuidanceDomainError,
    Interpretation,
    ReferralTarget,
    Topic,
    validate_follow_up,
    validate_interpretation,
    validate_referrals,
    validate_text,
    validate_topics,
    validate_visit_date,
)

TODAY = date(2026, 3, 2)


def test_a_visit_is_dated_today_or_earlier_and_after_1999() -> None:
    assert validate_visit_date(TODAY, TODAY) == TODAY
    assert validate_visit_date(date(2000, 1, 1), TODAY) == date(2000, 1, 1)
    with pytest.raises(GuidanceDomainError, match="future") as info:
        validate_visit_date(date(2026, 3, 3), TODAY, field="visit.visited_on")
    assert info.value.field == "visit.visited_on"
    with pytest.raises(GuidanceDomainError, match="2000"):
        validate_visit_date(date(1999, 12, 31), TODAY)


def test_topics_are_required_and_listed_once() -> None:
    assert validate_topics([Topic.HOUSING, Topic.FAMILY]) == (Topic.HOUSING, Topic.FAMILY)
    with pytest.raises(GuidanceDomainError, match="at least one") as info:
        validate_topics([])
    assert info.value.field == "topics"
    with pytest.raises(GuidanceDomainError) as info:
        validate_topics([Topic.HOUSING, Topic.FAMILY, Topic.HOUSING], field="visit.topics")
    assert info.value.field == "visit.topics[2]"


def test_referrals_may_be_none_but_not_repeated() -> None:
    assert validate_referrals([]) == ()
    assert validate_referrals([ReferralTarget.KELA]) == (ReferralTarget.KELA,)
    with pytest.raises(GuidanceDomainError) as info:
        validate_referrals([ReferralTarget.KELA, ReferralTarget.KELA])
    assert info.value.field == "referrals[1]"


@pytest.mark.parametrize(
    ("used", "language", "expected"),
    [
        (True, "ar", Interpretation(True, "ar")),
        (False, None, Interpretation(False, None)),
        (False, "", Interpretation(False, None)),
    ],
)
def test_an_interpreter_has_a_language_and_only_then(
    used: bool, language: str | None, expected: Interpretation
) -> None:
    assert validate_interpretation(used, language) == expected


@pytest.mark.parametrize(("used", "language"), [(True, None), (True, ""), (False, "ar")])
def test_interpreter_language_mismatch_names_the_language(used: bool, language: str | None) -> None:
    with pytest.raises(GuidanceDomainError) as info:
        validate_interpretation(used, language, field="visit.interpreter")
    assert info.value.field == "visit.interpreter.language"


def test_anonymous_visitors_cannot_be_followed_up_by_staff() -> None:
    assert {FollowUp.NONE, FollowUp.RETURN_VISIT} == ANONYMOUS_FOLLOW_UPS
    for kind in FollowUp:
        due = TODAY if kind.needs_a_known_client else None
        if kind in ANONYMOUS_FOLLOW_UPS:
            assert validate_follow_up(kind, due, TODAY, anonymous=True) == (kind, due)
        else:
            with pytest.raises(GuidanceDomainError, match="anonymous") as info:
                validate_follow_up(kind, due, TODAY, anonymous=True)
            assert info.value.field == "follow_up"
            assert validate_follow_up(kind, due, TODAY, anonymous=False) == (kind, due)


def test_a_follow_up_by_staff_has_a_due_date_not_before_the_visit() -> None:
    with pytest.raises(GuidanceDomainError, match="required") as info:
        validate_follow_up(FollowUp.CHECK_REFERRAL, None, TODAY, anonymous=False)
    assert info.value.field == "follow_up_due"
    with pytest.raises(GuidanceDomainError, match="before"):
        validate_follow_up(FollowUp.STAFF_CONTACTS_CLIENT, date(2026, 3, 1), TODAY, anonymous=False)
    with pytest.raises(GuidanceDomainError, match="only") as info:
        validate_follow_up(FollowUp.RETURN_VISIT, TODAY, TODAY, anonymous=False)
    assert info.value.field == "follow_up_due"


def test_free_text_is_bounded_and_printable() -> None:
    assert validate_text("  rivi 1\r\nrivi 2\t ", field="notes", max_length=20) == "rivi 1\nrivi 2"
    assert validate_text("   ", field="notes", max_length=5) == ""
    with pytest.raises(GuidanceDomainError, match="required"):
        validate_text("", field="reason", max_length=5, required=True)
    with pytest.raises(GuidanceDomainError, match="at most 5"):
        validate_text("kuusi!", field="notes", max_length=5)
    with pytest.raises(GuidanceDomainError, match="control"):
        validate_text("a\x00b", field="notes", max_length=5)
