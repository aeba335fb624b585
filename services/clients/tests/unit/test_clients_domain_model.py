"""Unit tests for the clients service's value types, transitions and small validators."""

from __future__ import annotations

import enum
import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kotopolku.clients.domain.errors import (
    ClientDomainError,
    InvalidConsent,
    InvalidMunicipalityCode,
    InvalidTransition,
)
from kotopolku.clients.domain.model import (
    ClientSegment,
    ClientStatus,
    ConsentPurpose,
    FamilyRelation,
    ReferralStatus,
    ResidencePermitType,
    consent_is_valid,
    finnish_time,
    transition_referral,
    validate_consent_period,
    validate_consent_purpose,
    validate_municipality_code,
)

# --- enums -------------------------------------------------------------------------------------

PROTO_ENUMS = {
    ClientSegment: ("CLIENT_SEGMENT_", ["SELF_MOVED", "PLACED", "QUOTA_REFUGEE"]),
    ClientStatus: ("CLIENT_STATUS_", ["ACTIVE", "INACTIVE", "ARCHIVED"]),
    ResidencePermitType: (
        "RESIDENCE_PERMIT_TYPE_",
        [
            "CONTINUOUS",
            "TEMPORARY",
            "PERMANENT",
            "EU_REGISTRATION",
            "TEMPORARY_PROTECTION",
            "INTERNATIONAL_PROTECTION",
            "OTHER",
        ],
    ),
    FamilyRelation: (
        "FAMILY_RELATION_",
        ["SPOUSE", "CHILD", "PARENT", "GUARDIAN", "SIBLING", "OTHER"],
    ),
    ReferralStatus: ("REFERRAL_STATUS_", ["RECEIVED", "ACCEPTED", "DECLINED"]),
}


@pytest.mark.parametrize("enum_type", list(PROTO_ENUMS), ids=lambda e: e.__name__)
def test_enum_members_match_proto_names(enum_type: type[enum.StrEnum]) -> None:
    prefix, names = PROTO_ENUMS[enum_type]
    members = list(enum_type)
    assert [m.name for m in members] == names
    for member in members:
        assert member.value == member.name
        assert enum_type[(prefix + member.value).removeprefix(prefix)] is member
        assert "UNSPECIFIED" not in member.value


def test_enums_are_strings() -> None:
    assert ClientSegment.PLACED == "PLACED"
    assert f"{ClientStatus.ARCHIVED}" == "ARCHIVED"


def test_segment_docstring_has_finnish_terms() -> None:
    doc = ClientSegment.__doc__ or ""
    for term in ("kuntaan muuttava", "kuntapaikalle ohjattava", "kiintiöpakolainen"):
        assert term in doc


@pytest.mark.parametrize(
    ("permit", "letter"),
    [
        (ResidencePermitType.CONTINUOUS, "A"),
        (ResidencePermitType.TEMPORARY, "B"),
        (ResidencePermitType.PERMANENT, "P"),
        (ResidencePermitType.EU_REGISTRATION, None),
        (ResidencePermitType.TEMPORARY_PROTECTION, None),
        (ResidencePermitType.INTERNATIONAL_PROTECTION, None),
        (ResidencePermitType.OTHER, None),
    ],
)
def test_permit_letters(permit: ResidencePermitType, letter: str | None) -> None:
    assert permit.permit_letter == letter


# --- family relations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relation", "inverse"),
    [
        (FamilyRelation.SPOUSE, FamilyRelation.SPOUSE),
        (FamilyRelation.CHILD, FamilyRelation.PARENT),
        (FamilyRelation.PARENT, FamilyRelation.CHILD),
        (FamilyRelation.GUARDIAN, FamilyRelation.OTHER),
        (FamilyRelation.SIBLING, FamilyRelation.SIBLING),
        (FamilyRelation.OTHER, FamilyRelation.OTHER),
    ],
)
def test_family_relation_inverse(relation: FamilyRelation, inverse: FamilyRelation) -> None:
    assert relation.inverse() is inverse


def test_inverse_is_an_involution_except_for_guardian() -> None:
    for relation in FamilyRelation:
        if relation is FamilyRelation.GUARDIAN:
            assert relation.inverse().inverse() is FamilyRelation.OTHER
        else:
            assert relation.inverse().inverse() is relation


# --- referral transitions ----------------------------------------------------------------------

ALLOWED = {
    (ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED),
    (ReferralStatus.RECEIVED, ReferralStatus.DECLINED),
}


@pytest.mark.parametrize(
    ("current", "target"),
    list(itertools.product(ReferralStatus, repeat=2)),
    ids=lambda s: s.value,
)
def test_referral_transitions(current: ReferralStatus, target: ReferralStatus) -> None:
    if (current, target) in ALLOWED:
        assert transition_referral(current, target) is target
        return
    with pytest.raises(InvalidTransition) as info:
        transition_referral(current, target)
    error = info.value
    assert error.field == "status"
    assert isinstance(error, ClientDomainError)
    assert f"from {current.value} to {target.value}" in str(error)


def test_decided_referral_message_says_final() -> None:
    with pytest.raises(InvalidTransition, match="already ACCEPTED and its decision is final"):
        transition_referral(ReferralStatus.ACCEPTED, ReferralStatus.DECLINED)


def test_received_to_received_message() -> None:
    with pytest.raises(InvalidTransition, match="can only be accepted or declined"):
        transition_referral(ReferralStatus.RECEIVED, ReferralStatus.RECEIVED)


def test_transition_field_override() -> None:
    with pytest.raises(InvalidTransition) as info:
        transition_referral(
            ReferralStatus.DECLINED, ReferralStatus.ACCEPTED, field="referral.status"
        )
    assert info.value.field == "referral.status"


# --- municipality codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("091", "091"), ("837", "837"), ("005", "005"), (" 049 ", "049"), ("000", "000")],
)
def test_valid_municipality_codes(code: str, expected: str) -> None:
    assert validate_municipality_code(code) == expected


@pytest.mark.parametrize("code", ["", "91", "0091", "9a1", "09 1", "-91", "٠٩١", "abc", "91.0"])
def test_invalid_municipality_codes(code: str) -> None:
    with pytest.raises(InvalidMunicipalityCode, match="exactly 3 digits") as info:
        validate_municipality_code(code)
    assert info.value.field == "municipality_code"


def test_municipality_field_override() -> None:
    with pytest.raises(InvalidMunicipalityCode) as info:
        validate_municipality_code("1", field="referral.municipality_code")
    assert info.value.field == "referral.municipality_code"


# --- consents ----------------------------------------------------------------------------------

HELSINKI_SUMMER = timezone(timedelta(hours=3))
HELSINKI_WINTER = timezone(timedelta(hours=2))


def at(year: int, month: int, day: int, hour: int = 12, tz: timezone = UTC) -> datetime:
    return datetime(year, month, day, hour, tzinfo=tz)


def test_consent_open_ended() -> None:
    assert consent_is_valid(date(2025, 1, 1), None, None, at(2025, 1, 1))
    assert consent_is_valid(date(2025, 1, 1), None, None, at(2040, 1, 1))
    assert not consent_is_valid(date(2025, 1, 1), None, None, at(2024, 12, 31))


def test_consent_dates_are_inclusive() -> None:
    assert consent_is_valid(date(2025, 1, 1), date(2025, 1, 31), None, at(2025, 1, 31))
    assert not consent_is_valid(date(2025, 1, 1), date(2025, 1, 31), None, at(2025, 2, 1))
    assert consent_is_valid(date(2025, 1, 1), date(2025, 1, 1), None, at(2025, 1, 1))


def test_consent_withdrawal_takes_effect_at_the_instant() -> None:
    withdrawn = at(2025, 3, 1, 10)
    assert consent_is_valid(date(2025, 1, 1), None, withdrawn, withdrawn - timedelta(seconds=1))
    assert not consent_is_valid(date(2025, 1, 1), None, withdrawn, withdrawn)
    assert not consent_is_valid(date(2025, 1, 1), None, withdrawn, at(2025, 6, 1))


def test_consent_withdrawn_before_start_is_never_valid() -> None:
    withdrawn = at(2024, 12, 1)
    assert not consent_is_valid(date(2025, 1, 1), None, withdrawn, at(2025, 1, 2))


def test_consent_days_are_finnish_days() -> None:
    # 22:30 UTC on 31 December is already 1 January in Helsinki (UTC+2 in winter).
    late = datetime(2024, 12, 31, 22, 30, tzinfo=UTC)
    assert consent_is_valid(date(2025, 1, 1), None, None, late)
    assert not consent_is_valid(date(2024, 1, 1), date(2024, 12, 31), None, late)
    # 21:30 UTC on 30 June is 00:30 on 1 July in Helsinki (UTC+3 in summer).
    summer = datetime(2025, 6, 30, 21, 30, tzinfo=UTC)
    assert consent_is_valid(date(2025, 7, 1), None, None, summer)
    assert consent_is_valid(date(2025, 7, 1), None, None, at(2025, 7, 1, 0, HELSINKI_SUMMER))
    assert not consent_is_valid(date(2025, 1, 2), None, None, at(2025, 1, 1, 23, HELSINKI_WINTER))


def test_finnish_time_zone() -> None:
    assert finnish_time() is finnish_time()
    assert datetime(2025, 1, 1, tzinfo=finnish_time()).utcoffset() == timedelta(hours=2)
    assert datetime(2025, 7, 1, tzinfo=finnish_time()).utcoffset() == timedelta(hours=3)


def test_consent_needs_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        consent_is_valid(date(2025, 1, 1), None, None, datetime(2025, 1, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        consent_is_valid(
            date(2025, 1, 1),
            None,
            datetime(2025, 1, 3),
            at(2025, 1, 2),
        )


def test_consent_period() -> None:
    validate_consent_period(date(2025, 1, 1), None)
    validate_consent_period(date(2025, 1, 1), date(2025, 1, 1))
    validate_consent_period(date(2025, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidConsent, match="must not be before") as info:
        validate_consent_period(date(2025, 1, 2), date(2025, 1, 1))
    assert info.value.field == "valid_until"
    with pytest.raises(InvalidConsent) as info:
        validate_consent_period(date(2025, 1, 2), date(2025, 1, 1), field="consent.valid_until")
    assert info.value.field == "consent.valid_until"


@pytest.mark.parametrize("purpose", list(ConsentPurpose))
def test_consent_purposes_round_trip(purpose: ConsentPurpose) -> None:
    assert validate_consent_purpose(purpose.value) is purpose
    assert validate_consent_purpose(f" {purpose.value} ") is purpose


def test_consent_purposes_from_the_api_examples() -> None:
    assert validate_consent_purpose("welfare-area-disclosure") is (
        ConsentPurpose.WELFARE_AREA_DISCLOSURE
    )
    assert validate_consent_purpose("family-plan") is ConsentPurpose.FAMILY_PLAN


@pytest.mark.parametrize("purpose", ["", "FAMILY-PLAN", "family_plan", "anything"])
def test_unknown_consent_purpose(purpose: str) -> None:
    with pytest.raises(InvalidConsent, match="unknown consent purpose") as info:
        validate_consent_purpose(purpose)
    assert info.value.field == "purpose"
    assert "family-plan" in str(info.value)
