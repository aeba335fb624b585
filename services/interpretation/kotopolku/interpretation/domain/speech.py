"""Reading text aloud (ääneen luku): which voice speaks a language, the limits of one request,
and what counts as usable audio.

The engine (espeak-ng) lists its voices by language tags ("fi", "en-gb", "fa"); a client's
language is an ISO 639 code. A language is spoken by the voice with the same tag, else by the
first regional voice of it ("en" → "en-gb"), else through an alias for codes the engine knows by
another name (Dari is spoken with the Persian voice).
"""

from __future__ import annotations

import enum
import io
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from kotopolku.interpretation.domain.errors import InterpretationDomainError, UnsupportedLanguage

MAX_TEXT_LENGTH: Final = 1000
# ISO 639 codes the engine knows under another tag.
ALIASES: Final = {
    "prs": "fa",  # Dari
    "pes": "fa",  # Iranian Persian
    "fas": "fa",
    "per": "fa",
    "zh": "cmn",
    "no": "nb",
    "nob": "nb",
    "kmr": "ku",  # Northern Kurdish (Kurmanji)
    "kur": "ku",
    "fin": "fi",
    "swe": "sv",
    "eng": "en",
    "ara": "ar",
    "rus": "ru",
    "ukr": "uk",
}
# Regional voices preferred when a language has several.
PREFERRED: Final = {"en": "en-gb", "pt": "pt", "es": "es", "fr": "fr-fr"}


class SpeechRate(enum.Enum):
    NORMAL = 160
    SLOW = 115

    @property
    def words_per_minute(self) -> int:
        return int(self.value)


def voice_for(language: str, voices: Sequence[str]) -> str | None:
    code = ALIASES.get(language, language)
    installed = list(voices)
    if code in PREFERRED and PREFERRED[code] in installed:
        return PREFERRED[code]
    if code in installed:
        return code
    regional = [v for v in installed if v.startswith(f"{code}-")]
    return regional[0] if regional else None


def require_voice(language: str, voices: Sequence[str], *, field: str = "language") -> str:
    voice = voice_for(language, voices)
    if voice is None:
        raise UnsupportedLanguage(field, f"'{language}' cannot be read aloud here")
    return voice


def speakable_languages(voices: Sequence[str]) -> list[str]:
    """The bare language tags of the voices, plus the aliases they serve."""
    tags = {v.split("-")[0] for v in voices}
    tags |= {alias for alias, target in ALIASES.items() if target in tags and len(alias) == 3}
    return sorted(tags)


def validate_speech_text(text: str, *, field: str = "text") -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InterpretationDomainError(field, "is required")
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise InterpretationDomainError(field, f"must be at most {MAX_TEXT_LENGTH} characters")
    return cleaned


@dataclass(frozen=True, slots=True)
class AudioInfo:
    sample_rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def duration_ms(self) -> int:
        return int(self.frames * 1000 / self.sample_rate) if self.sample_rate else 0


class InvalidAudio(Exception):
    """The engine produced something that is not playable audio."""


def inspect_wav(audio: bytes) -> AudioInfo:
    """Reads the WAV header and checks there is sound in it."""
    try:
        with wave.open(io.BytesIO(audio), "rb") as reader:
            info = AudioInfo(
                reader.getframerate(),
                reader.getnchannels(),
                reader.getsampwidth(),
                reader.getnframes(),
            )
    except (wave.Error, EOFError) as error:
        raise InvalidAudio(str(error)) from error
    if info.frames == 0 or info.sample_rate == 0:
        raise InvalidAudio("no audio frames")
    return info
