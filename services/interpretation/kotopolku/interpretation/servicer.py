"""InterpretationService: kept thin; handlers in :mod:`.booking_rpcs`, :mod:`.record_rpcs` and
:mod:`.speech_rpcs`."""

from __future__ import annotations

from kotopolku.interpretation.booking_rpcs import BookingRpcs
from kotopolku.interpretation.record_rpcs import RecordRpcs
from kotopolku.interpretation.speech_rpcs import SpeechRpcs
from kotopolku.interpretation.v1 import interpretation_pb2_grpc


class InterpretationServicer(
    BookingRpcs, RecordRpcs, SpeechRpcs, interpretation_pb2_grpc.InterpretationServiceServicer
):
    pass
