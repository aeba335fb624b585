"""What each channel puts on the wire: e-mail headers and parts, SMS numbers, Suomi.fi body."""

from __future__ import annotations

import pytest

from kotopolku.messaging.channels.base import OutgoingMessage, PermanentFailure
from kotopolku.messaging.channels.email import build_email, message_id
from kotopolku.messaging.channels.sms import e164
from kotopolku.messaging.channels.suomifi import electronic_message
from kotopolku.messaging.domain.templates import TemplateText, render

ARABIC = render(
    TemplateText(
        key="k", language="ar", subject="موعد {{ v }}", body_text="نص {{ v }}", variables=("v",)
    ),
    {"v": "1"},
)
MESSAGE = OutgoingMessage("d-1", "kotopolku-d-1", ARABIC)


def test_an_email_carries_the_key_as_message_id_and_both_parts() -> None:
    mail = build_email(MESSAGE, "client@example.fi", "Helsinki <kotoutuminen@hel.example.fi>")
    assert mail["Message-ID"] == "<kotopolku-d-1@hel.example.fi>"
    assert mail["Content-Language"] == "ar"
    assert mail["Auto-Submitted"] == "auto-generated"
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    assert 'dir="rtl"' in html.get_content()
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert "نص 1" in text.get_content()


def test_message_id_without_a_sender_domain() -> None:
    assert message_id("k", "noreply") == "<k@kotopolku.invalid>"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("040 123 4567", "+358401234567"),
        ("+358 40 1234567", "+358401234567"),
        ("00468123456", "+468123456"),
        ("(040) 123-4567", "+358401234567"),
    ],
)
def test_phone_numbers_become_e164(given: str, expected: str) -> None:
    assert e164(given) == expected


@pytest.mark.parametrize("given", ["", "12", "+0123456789", "abc"])
def test_unusable_phone_numbers_fail_permanently(given: str) -> None:
    with pytest.raises(PermanentFailure):
        e164(given)


def test_a_suomifi_message_has_the_rest_api_shape() -> None:
    body = electronic_message(MESSAGE, "010190-999W", "kotopolku-service")
    assert body["externalId"] == "kotopolku-d-1"
    assert body["recipient"] == {"id": "010190-999W"}
    assert body["sender"] == {"serviceId": "kotopolku-service"}
    assert body["electronic"]["title"] == ARABIC.subject
    assert body["electronic"]["bodyFormat"] == "Text"
