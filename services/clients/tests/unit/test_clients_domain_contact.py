"""Unit tests for e-mail and phone number validation."""

from __future__ import annotations

import pytest

from kotopolku.clients.domain.contact import validate_email, validate_phone
from kotopolku.clients.domain.errors import ClientDomainError, InvalidEmail, InvalidPhone
from kotopolku.clients.domain.model import validate_email as reexported_email
from kotopolku.clients.domain.model import validate_phone as reexported_phone

# --- e-mail ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("matti.virtanen@example.fi", "matti.virtanen@example.fi"),
        ("  Matti.Virtanen@Example.FI \n", "Matti.Virtanen@example.fi"),
        ("a@b.co", "a@b.co"),
        ("first+tag@sub.domain.example.com", "first+tag@sub.domain.example.com"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("user_name-1@my-domain.org", "user_name-1@my-domain.org"),
        ("matti@hämeenlinna.fi", "matti@hämeenlinna.fi"),
        ("matti@HÄMEENLINNA.FI", "matti@hämeenlinna.fi"),
        ("x@xn--hmeenlinna-q5a.fi", "x@xn--hmeenlinna-q5a.fi"),
        ("x@example.xn--p1ai", "x@example.xn--p1ai"),
        ("1@123.example.fi", "1@123.example.fi"),
    ],
)
def test_valid_emails(text: str, expected: str) -> None:
    assert validate_email(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("matti.example.fi", "exactly one '@'"),
        ("matti@@example.fi", "exactly one '@'"),
        ("a@b@example.fi", "exactly one '@'"),
        ("@example.fi", "before '@' is empty"),
        ("matti@", "domain after '@' is empty"),
        ("matti virtanen@example.fi", "part before '@' may contain only"),
        (".matti@example.fi", "part before '@' may contain only"),
        ("matti.@example.fi", "part before '@' may contain only"),
        ("matti..v@example.fi", "part before '@' may contain only"),
        ("mätti@example.fi", "part before '@' may contain only"),
        ('"matti"@example.fi', "part before '@' may contain only"),
        ("matti@localhost", "at least two parts"),
        ("matti@example..fi", "each part of the domain"),
        ("matti@ä..fi", "not a valid domain name"),
        ("matti@" + "ä" * 70 + ".fi", "not a valid domain name"),
        ("matti@ex ample.fi", "each part of the domain"),
        ("matti@-example.fi", "each part of the domain"),
        ("matti@example-.fi", "each part of the domain"),
        ("matti@example.fi.", "each part of the domain"),
        ("matti@exa_mple.fi", "each part of the domain"),
        ("matti@" + "a" * 64 + ".fi", "each part of the domain"),
        ("matti@example.f", "top-level domain"),
        ("matti@example.123", "top-level domain"),
        ("matti@[192.168.0.1]", "each part of the domain"),
        ("a" * 65 + "@example.fi", "longer than 64"),
        ("a@" + ("b" * 60 + ".") * 5 + "fi", "longer than 254"),
    ],
)
def test_invalid_emails(text: str, fragment: str) -> None:
    with pytest.raises(InvalidEmail) as info:
        validate_email(text)
    assert fragment in str(info.value)
    assert info.value.field == "contact.email"
    assert isinstance(info.value, ClientDomainError)


def test_email_error_does_not_repeat_the_address() -> None:
    with pytest.raises(InvalidEmail) as info:
        validate_email("secret.person@localhost")
    assert "secret" not in str(info.value)
    assert "localhost" not in str(info.value)


def test_email_field_override() -> None:
    with pytest.raises(InvalidEmail) as info:
        validate_email("nope", field="referral.contact.email")
    assert info.value.field == "referral.contact.email"


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("040 123 4567", "+358401234567"),
        ("0401234567", "+358401234567"),
        ("040-123 4567", "+358401234567"),
        ("050 123 45 67", "+358501234567"),
        ("09 123 4567", "+35891234567"),
        ("(09) 123 4567", "+35891234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("+358 (0)40 123 4567", "+358401234567"),
        ("+358401234567", "+358401234567"),
        ("00358 40 123 4567", "+358401234567"),
        ("  +358 18 12345  ", "+3581812345"),  # Åland
        ("+46 70 123 45 67", "+46701234567"),
        ("+7 912 345-67-89", "+79123456789"),
        ("+380 67 123 4567", "+380671234567"),
        ("0046 8 123 456 78", "+46812345678"),
        ("+252.61.123.4567", "+252611234567"),
        ("+1 (555) 123/4567", "+15551234567"),
        ("+683 4002", "+6834002"),  # 7 digits, Niue
        ("+123456789012345", "+123456789012345"),  # 15 digits
        ("0 1234 567 890 12", "+358123456789012"),  # longest Finnish number
        ("01234 5", "+35812345"),  # shortest Finnish number
    ],
)
def test_valid_phones(text: str, expected: str) -> None:
    assert validate_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("40 123 4567", "must start with + or 00"),
        ("358401234567", "must start with + or 00"),
        ("phone", "must start with + or 00"),
        ("+358 40 123 4567 ext 5", "only digits"),
        ("040 123 456a", "only digits"),
        ("+358+401234567", "only digits"),
        ("+", "digits"),
        ("+358 ٤٠ 123 4567", "only digits"),
        ("+0358401234567", "country code must not start with 0"),
        ("000358401234567", "country code must not start with 0"),
        ("+12345", "7-15 digits"),
        ("+1234567890123456", "7-15 digits"),
        ("+3580401234567", "leading 0 of the area code"),
        ("0401", "7-15 digits"),
        ("+358 1234", "at least 5 digits after +358"),
        ("01234", "at least 5 digits after +358"),
        ("0 1234 567 890 123", "7-15 digits"),
    ],
)
def test_invalid_phones(text: str, fragment: str) -> None:
    with pytest.raises(InvalidPhone) as info:
        validate_phone(text)
    assert fragment in str(info.value)
    assert info.value.field == "contact.phone"


def test_phone_error_does_not_repeat_the_number() -> None:
    with pytest.raises(InvalidPhone) as info:
        validate_phone("+3580401234567")
    assert "401234567" not in str(info.value)


def test_phone_field_override() -> None:
    with pytest.raises(InvalidPhone) as info:
        validate_phone("x", field="referral.contact.phone")
    assert info.value.field == "referral.contact.phone"


def test_model_reexports_contact_validators() -> None:
    assert reexported_email is validate_email
    assert reexported_phone is validate_phone
