"""RPCs of reading aloud (ääneen luku)."""

from __future__ import annotations

import logging

import grpc

from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import DomainError, InvalidArgument, NotFound
from kotopolku.common.identity import current_caller
from kotopolku.interpretation import access, repository
from kotopolku.interpretation.domain import InterpretationDomainError, UnsupportedLanguage
from kotopolku.interpretation.domain.speech import (
    InvalidAudio,
    SpeechRate,
    inspect_wav,
    require_voice,
    speakable_languages,
    validate_speech_text,
)
from kotopolku.interpretation.domain.translations import validate_key
from kotopolku.interpretation.rpc_support import Context, RpcBase
from kotopolku.interpretation.synthesizer import SpeechEngineError
from kotopolku.interpretation.v1 import interpretation_pb2 as pb
from kotopolku.interpretation.validation import Collector, language

log = logging.getLogger(__name__)


class SpeechUnavailable(DomainError):
    status = grpc.StatusCode.UNAVAILABLE
    type = "speech-unavailable"
    title = "Speech could not be made now"


_RATES = {
    pb.SPEECH_RATE_UNSPECIFIED: SpeechRate.NORMAL,
    pb.SPEECH_RATE_NORMAL: SpeechRate.NORMAL,
    pb.SPEECH_RATE_SLOW: SpeechRate.SLOW,
}


class SpeechRpcs(RpcBase):
    async def SynthesizeSpeech(
        self, request: pb.SynthesizeSpeechRequest, context: Context
    ) -> pb.Speech:
        caller = current_caller()
        access.speaker(caller)
        collector = Collector()
        code = collector.check("language", lambda: language(request.language))
        rate = _RATES.get(request.rate)
        if rate is None:
            collector.fail("rate", "is not a speech rate")
        source = request.WhichOneof("source")
        if source is None:
            collector.fail("text", "give a text or a translation_key")
        elif source == "text":
            text = collector.check("text", lambda: validate_speech_text(request.text))
        else:
            collector.check(
                "translation_key",
                lambda: validate_key(request.translation_key, field="translation_key"),
            )
        collector.raise_if_any()
        assert code is not None
        assert rate is not None
        try:
            voice = require_voice(code, self._speech.voices())
        except UnsupportedLanguage as error:
            raise InvalidArgument(
                f"The language '{code}' cannot be read aloud",
                violations=InvalidArgument.field(error.field, error.message).violations,
            ) from None
        if source == "translation_key":
            municipality = access.translator(caller)
            async with self._db.engine.connect() as connection:
                row = await repository.latest_translation(
                    connection, municipality, request.translation_key, code
                )
            if row is None:
                raise NotFound("No such translation")
            try:
                text = validate_speech_text(row.text)
            except InterpretationDomainError as error:
                raise InvalidArgument.field("translation_key", error.message) from None
        try:
            audio = await self._speech.synthesize(text or "", voice, rate)
            info = inspect_wav(audio)
        except SpeechEngineError as error:
            log.warning("speech failed", extra={"reason": error.reason})
            if error.reason == "too-long":
                raise InvalidArgument.field("text", "is too long to read aloud") from None
            raise SpeechUnavailable("The speech engine failed; try again") from None
        except InvalidAudio:
            log.warning("speech engine produced no audio")
            raise SpeechUnavailable("The speech engine produced no audio") from None
        async with self._db.transaction() as connection:
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="speech.synthesize",
                        resource=f"speech/{code}",
                        fields=(source or "text",),
                    )
                ],
            )
        return pb.Speech(
            audio=audio,
            media_type="audio/wav",
            sample_rate=info.sample_rate,
            duration_ms=info.duration_ms,
            language=code,
        )

    async def ListSpeechLanguages(
        self, request: pb.ListSpeechLanguagesRequest, context: Context
    ) -> pb.ListSpeechLanguagesResponse:
        access.speaker(current_caller())
        return pb.ListSpeechLanguagesResponse(languages=speakable_languages(self._speech.voices()))
