"""Reading aloud with the real speech engine (espeak-ng): playable WAV of non-trivial length,
saved translations, unsupported languages and limits."""

from __future__ import annotations

import io
import wave

import grpc
import pytest
from interpretation_testkit import AUDITOR, CLIENT_USER, OFFICER, TULKKI, System, rpc_error

from kotopolku.interpretation.v1 import interpretation_pb2 as pb

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _playable(audio: bytes) -> float:
    with wave.open(io.BytesIO(audio), "rb") as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        frames = reader.readframes(reader.getnframes())
        assert len(frames) == reader.getnframes() * 2
        assert any(frames), "silence"
        return reader.getnframes() / reader.getframerate()


async def test_text_is_read_aloud_in_the_clients_language(system: System) -> None:
    for language, text in (
        ("fi", "Tervetuloa kotoutumispalveluihin. Tapaamisenne on torstaina kello kymmenen."),
        ("ar", "مرحبا بكم في خدمات الاندماج"),
        ("uk", "Ласкаво просимо до служби інтеграції"),
        ("prs", "به خدمات ادغام خوش آمدید"),
    ):
        speech = await system.stub.SynthesizeSpeech(
            pb.SynthesizeSpeechRequest(text=text, language=language),
            metadata=system.md(OFFICER),
        )
        assert speech.media_type == "audio/wav"
        seconds = _playable(speech.audio)
        assert seconds > 1.0, language
        assert abs(speech.duration_ms - seconds * 1000) < 2
    slow = await system.stub.SynthesizeSpeech(
        pb.SynthesizeSpeechRequest(
            text="Tervetuloa kotoutumispalveluihin.", language="fi", rate=pb.SPEECH_RATE_SLOW
        ),
        metadata=system.md(CLIENT_USER),
    )
    normal = await system.stub.SynthesizeSpeech(
        pb.SynthesizeSpeechRequest(text="Tervetuloa kotoutumispalveluihin.", language="fi"),
        metadata=system.md(CLIENT_USER),
    )
    assert slow.duration_ms > normal.duration_ms


async def test_a_saved_translation_is_read_aloud(system: System) -> None:
    await system.stub.SaveTranslation(
        pb.SaveTranslationRequest(
            translation=pb.Translation(
                key="office.welcome",
                language="sv",
                kind=pb.TEXT_KIND_SHORT_TEXT,
                text="Välkommen till integrationstjänsterna",
            )
        ),
        metadata=system.md(TULKKI),
    )
    speech = await system.stub.SynthesizeSpeech(
        pb.SynthesizeSpeechRequest(translation_key="office.welcome", language="sv"),
        metadata=system.md(TULKKI),
    )
    assert _playable(speech.audio) > 1.0
    await rpc_error(
        system.stub.SynthesizeSpeech(
            pb.SynthesizeSpeechRequest(translation_key="office.welcome", language="fi"),
            metadata=system.md(TULKKI),
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_unsupported_languages_and_limits(system: System) -> None:
    error = await rpc_error(
        system.stub.SynthesizeSpeech(
            pb.SynthesizeSpeechRequest(text="Soo dhawoow", language="so"),
            metadata=system.md(OFFICER),
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "language"
    assert "'so'" in error.violations[0].description
    for request, field in (
        (pb.SynthesizeSpeechRequest(text="x" * 1001, language="fi"), "text"),
        (pb.SynthesizeSpeechRequest(text="  ", language="fi"), "text"),
        (pb.SynthesizeSpeechRequest(language="fi"), "text"),
        (pb.SynthesizeSpeechRequest(text="hei", language=""), "language"),
    ):
        error = await rpc_error(
            system.stub.SynthesizeSpeech(request, metadata=system.md(OFFICER)),
            grpc.StatusCode.INVALID_ARGUMENT,
        )
        assert error.violations[0].field == field
    await rpc_error(
        system.stub.SynthesizeSpeech(
            pb.SynthesizeSpeechRequest(text="hei", language="fi"), metadata=system.md(AUDITOR)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    languages = await system.stub.ListSpeechLanguages(
        pb.ListSpeechLanguagesRequest(), metadata=system.md(OFFICER)
    )
    assert {"fi", "sv", "en", "ar", "uk", "ru", "fa", "prs"} <= set(languages.languages)
    assert "so" not in languages.languages
