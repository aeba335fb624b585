"""Booking states and visibility, durations, dialects, translation revisions and variables,
voices and audio checks."""

from __future__ import annotations

import io
import wave
from datetime import UTC, datetime, timedelta

import pytest

from kotopolku.interpretation.domain import (
    BookingStatus,
    InterpretationDomainError,
    InvalidTransition,
    TextKind,
    UnsupportedLanguage,
    check_completion_time,
    check_placeholders,
    next_revision,
    placeholders,
    transition,
    validate_dialect,
    validate_duration,
    validate_key,
    validate_text,
    visible_to_interpreter,
)
from kotopolku.interpretation.domain.speech import (
    InvalidAudio,
    SpeechRate,
    inspect_wav,
    require_voice,
    speakable_languages,
    validate_speech_text,
    voice_for,
)

S = BookingStatus
ALLOWED = {
    (S.REQUESTED, S.CONFIRMED),
    (S.REQUESTED, S.CANCELLED),
    (S.CONFIRMED, S.COMPLETED),
    (S.CONFIRMED, S.CANCELLED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_every_transition(current: BookingStatus, target: BookingStatus) -> None:
    if (current, target) in ALLOWED:
        assert transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as info:
            transition(current, target)
        assert info.value.field == "status"


def test_final_states() -> None:
    assert {s for s in S if s.is_final} == {S.COMPLETED, S.CANCELLED}


def test_completion_only_once_begun() -> None:
    start = datetime(2026, 10, 22, 7, 0, tzinfo=UTC)
    check_completion_time(start, start)
    with pytest.raises(InvalidTransition, match="before it begins"):
        check_completion_time(start, start - timedelta(seconds=1))


def test_interpreters_see_their_services_open_bookings_and_their_own() -> None:
    assert visible_to_interpreter("tulkkaus", None, "tulkkaus", "me")
    assert visible_to_interpreter("tulkkaus", "me", "tulkkaus", "me")
    assert not visible_to_interpreter("tulkkaus", "someone-else", "tulkkaus", "me")
    assert not visible_to_interpreter("muu", None, "tulkkaus", "me")
    assert not visible_to_interpreter("tulkkaus", None, None, "me")
    assert not visible_to_interpreter("tulkkaus", None, "", "me")


@pytest.mark.parametrize(("minutes", "ok"), [(14, False), (15, True), (480, True), (481, False)])
def test_durations(minutes: int, ok: bool) -> None:
    if ok:
        assert validate_duration(minutes) == minutes
    else:
        with pytest.raises(InterpretationDomainError, match="between 15 and 480"):
            validate_duration(minutes)


def test_dialects() -> None:
    assert validate_dialect("  Iraqi   Arabic ") == "Iraqi Arabic"
    assert validate_dialect("") == ""
    for bad in ("x" * 61, "a\x00b"):
        with pytest.raises(InterpretationDomainError):
            validate_dialect(bad)


@pytest.mark.parametrize("key", ["appointment-reminder", "office.opening-hours", "a", "x_1"])
def test_good_keys(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["", "Appointment", "-a", "a b", "ä", "x" * 101])
def test_bad_keys(key: str) -> None:
    with pytest.raises(InterpretationDomainError):
        validate_key(key)


def test_texts() -> None:
    assert validate_text("  Hei\nmaailma ") == "Hei\nmaailma"
    for bad, message in (("", "required"), ("x" * 4001, "at most"), ("a\x07", "control")):
        with pytest.raises(InterpretationDomainError, match=message):
            validate_text(bad)


def test_template_variables_must_match_the_source() -> None:
    source = "Muistutus {{ date }} klo {{time}}, {{ location }}"
    assert placeholders(source) == {"date", "time", "location"}
    check_placeholders(
        TextKind.MESSAGE_TEMPLATE, "Reminder {{date}} {{ time }} {{location}}", source
    )
    with pytest.raises(InterpretationDomainError, match="missing location; unknown place"):
        check_placeholders(TextKind.MESSAGE_TEMPLATE, "{{ date }} {{ time }} {{ place }}", source)
    # Short texts and originals have no such rule.
    check_placeholders(TextKind.SHORT_TEXT, "no variables", source)
    check_placeholders(TextKind.MESSAGE_TEMPLATE, "{{ anything }}", None)


def test_revisions() -> None:
    assert next_revision(None, 0) == 1
    assert next_revision(3, 3) == 4
    for current, expected in ((None, 1), (3, 2), (3, 0)):
        with pytest.raises(InterpretationDomainError, match="latest revision") as info:
            next_revision(current, expected)
        assert info.value.field == "expected_revision"


VOICES = ["af", "ar", "en-gb", "en-us", "fa", "fi", "ku", "ru", "sv", "uk", "cmn", "nb"]


@pytest.mark.parametrize(
    ("language", "voice"),
    [
        ("fi", "fi"),
        ("sv", "sv"),
        ("en", "en-gb"),
        ("ar", "ar"),
        ("uk", "uk"),
        ("ru", "ru"),
        ("fa", "fa"),
        ("prs", "fa"),
        ("kmr", "ku"),
        ("zh", "cmn"),
        ("no", "nb"),
        ("so", None),
        ("ti", None),
    ],
)
def test_voices(language: str, voice: str | None) -> None:
    assert voice_for(language, VOICES) == voice


def test_an_unsupported_language_is_named() -> None:
    with pytest.raises(UnsupportedLanguage, match="'so' cannot be read aloud") as info:
        require_voice("so", VOICES)
    assert info.value.field == "language"
    assert "prs" in speakable_languages(VOICES)
    assert "so" not in speakable_languages(VOICES)


def test_speech_texts() -> None:
    assert validate_speech_text(" Hei \n hei ") == "Hei hei"
    with pytest.raises(InterpretationDomainError, match="required"):
        validate_speech_text("  ")
    with pytest.raises(InterpretationDomainError, match="at most 1000"):
        validate_speech_text("x" * 1001)
    assert SpeechRate.SLOW.words_per_minute < SpeechRate.NORMAL.words_per_minute


def _wav(frames: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(22050)
        writer.writeframes(b"\x00\x01" * frames)
    return buffer.getvalue()


def test_audio_checks() -> None:
    info = inspect_wav(_wav(22050))
    assert (info.sample_rate, info.channels, info.sample_width, info.duration_ms) == (
        22050,
        1,
        2,
        1000,
    )
    for bad in (b"", b"RIFF0000WAVEjunk", _wav(0)):
        with pytest.raises(InvalidAudio):
            inspect_wav(bad)
