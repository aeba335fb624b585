"""Interpretation and translation (IS service 15): interpreter bookings (interpreters see only
their own service's), records that interpretation was used, versioned translations, and reading
text aloud in the client's language (WAV audio)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Response, status

from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.interpretation_schemas import (
    BOOKING_STATES,
    TEXT_KINDS,
    Booking,
    BookingCreate,
    BookingPage,
    BookingState,
    Cancellation,
    Confirmation,
    InterpretationRecord,
    ReadAloud,
    RecordCreate,
    RecordPage,
    Translation,
    TranslationPage,
    TranslationSave,
)
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import IdempotencyKey, IfMatch, PageSize, State, conflict
from kotopolku.interpretation.v1 import interpretation_pb2 as pb

router = APIRouter(tags=["interpretation"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=1000)]
Key = Annotated[str, Path(max_length=100, description="e.g. appointment-reminder")]
Language = Annotated[str, Path(max_length=3, description="ISO 639 code")]
AUDIO: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {"audio/wav": {}}, "description": "WAV, 16-bit PCM, mono"}
}


def _booking(response: Response, message: pb.Booking) -> Booking:
    response.headers["ETag"] = etag(message.version)
    return Booking.of(message)


def _translation(response: Response, message: pb.Translation) -> Translation:
    response.headers["ETag"] = etag(message.revision)
    return Translation.of(message)


# --- bookings ----------------------------------------------------------------------------------


@router.post(
    "/v1/interpreter-bookings",
    status_code=status.HTTP_201_CREATED,
    summary="Book an interpreter for an appointment (officers)",
)
async def create_booking(
    body: BookingCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Booking:
    created = await state.call(
        state.interpretation.CreateBooking,
        pb.CreateBookingRequest(booking=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/interpreter-bookings/{created.id}"
    return _booking(response, created)


@router.get(
    "/v1/interpreter-bookings",
    summary="Bookings by start (an interpreter: their service's open ones and their own)",
)
async def list_bookings(
    caller: CurrentCaller,
    state: State,
    status: BookingState | None = None,
    appointment_id: Annotated[str, Query(max_length=64)] = "",
    from_: Annotated[str, Query(alias="from", max_length=40)] = "",
    to: Annotated[str, Query(max_length=40)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> BookingPage:
    found = await state.call(
        state.interpretation.ListBookings,
        pb.ListBookingsRequest(
            status=BOOKING_STATES.get(status, 0),
            appointment_id=appointment_id,
            to=to,
            page_size=page_size,
            page_token=page_token,
            **{"from": from_},
        ),
        caller,
    )
    return BookingPage(
        items=[Booking.of(b) for b in found.bookings],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/interpreter-bookings/{booking_id}", summary="Read a booking")
async def get_booking(
    booking_id: str, response: Response, caller: CurrentCaller, state: State
) -> Booking:
    found = await state.call(
        state.interpretation.GetBooking, pb.GetBookingRequest(booking_id=booking_id), caller
    )
    return _booking(response, found)


@router.post(
    "/v1/interpreter-bookings/{booking_id}/confirm",
    summary="Confirm a booking (its interpreter, or an officer naming one)",
    responses=conflict("The booking is not requested"),
)
async def confirm_booking(
    booking_id: str,
    body: Confirmation,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Booking:
    confirmed = await state.call(
        state.interpretation.ConfirmBooking,
        pb.ConfirmBookingRequest(
            booking_id=booking_id,
            expected_version=expected_version(if_match),
            interpreter_subject=body.interpreter_subject,
            interpreter_name=body.interpreter_name,
        ),
        caller,
    )
    return _booking(response, confirmed)


@router.post(
    "/v1/interpreter-bookings/{booking_id}/complete",
    summary="Record that the interpretation took place",
    responses=conflict("Not confirmed, or not begun yet"),
)
async def complete_booking(
    booking_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Booking:
    completed = await state.call(
        state.interpretation.CompleteBooking,
        pb.CompleteBookingRequest(
            booking_id=booking_id, expected_version=expected_version(if_match)
        ),
        caller,
    )
    return _booking(response, completed)


@router.post(
    "/v1/interpreter-bookings/{booking_id}/cancel",
    summary="Cancel a booking (an officer), or decline it (the interpreting service)",
    responses=conflict("Already completed or cancelled"),
)
async def cancel_booking(
    booking_id: str,
    body: Cancellation,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Booking:
    cancelled = await state.call(
        state.interpretation.CancelBooking,
        pb.CancelBookingRequest(
            booking_id=booking_id, expected_version=expected_version(if_match), reason=body.reason
        ),
        caller,
    )
    return _booking(response, cancelled)


# --- interpretation records --------------------------------------------------------------------


@router.post(
    "/v1/interpretation-records",
    status_code=status.HTTP_201_CREATED,
    summary="Record that interpretation was used in a visit, assessment or appointment",
)
async def record_interpretation(
    body: RecordCreate,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> InterpretationRecord:
    created = await state.call(
        state.interpretation.RecordInterpretation,
        pb.RecordInterpretationRequest(
            record=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    return InterpretationRecord.of(created)


@router.get(
    "/v1/interpretation-records",
    summary="Interpretation used for a client or in a visit or assessment (staff)",
)
async def list_records(
    caller: CurrentCaller,
    state: State,
    client_id: Annotated[str, Query(max_length=64)] = "",
    reference_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> RecordPage:
    found = await state.call(
        state.interpretation.ListInterpretationRecords,
        pb.ListInterpretationRecordsRequest(
            client_id=client_id,
            reference_id=reference_id,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return RecordPage(
        items=[InterpretationRecord.of(r) for r in found.records],
        next_page_token=found.next_page_token or None,
    )


# --- translations ------------------------------------------------------------------------------


@router.put(
    "/v1/translations/{key}/{language}",
    summary="Save a new revision of a translation (If-Match: the revision it replaces)",
    responses=conflict("") | {200: {"description": "The new revision"}},
)
async def save_translation(
    key: Key,
    language: Language,
    body: TranslationSave,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Translation:
    # No If-Match: the first revision. Otherwise the revision read (its ETag).
    revision = expected_version(if_match) if if_match else 0
    saved = await state.call(
        state.interpretation.SaveTranslation,
        pb.SaveTranslationRequest(
            translation=pb.Translation(
                key=key,
                language=language,
                kind=TEXT_KINDS.get(body.kind, 0),
                text=body.text,
                source_language=body.source_language,
            ),
            expected_revision=revision,
        ),
        caller,
    )
    return _translation(response, saved)


@router.get("/v1/translations/{key}", summary="The latest revision of a text in each language")
async def list_translations(key: Key, caller: CurrentCaller, state: State) -> TranslationPage:
    found = await state.call(
        state.interpretation.ListTranslations, pb.ListTranslationsRequest(key=key), caller
    )
    return TranslationPage(
        items=[Translation.of(t) for t in found.translations], next_page_token=None
    )


@router.get("/v1/translations/{key}/{language}", summary="The latest revision in a language")
async def get_translation(
    key: Key, language: Language, response: Response, caller: CurrentCaller, state: State
) -> Translation:
    found = await state.call(
        state.interpretation.GetTranslation,
        pb.GetTranslationRequest(key=key, language=language),
        caller,
    )
    return _translation(response, found)


@router.get(
    "/v1/translations/{key}/{language}/revisions",
    summary="Every revision, newest first: who translated and when",
)
async def translation_revisions(
    key: Key,
    language: Language,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> TranslationPage:
    found = await state.call(
        state.interpretation.ListTranslationRevisions,
        pb.ListTranslationRevisionsRequest(
            key=key, language=language, page_size=page_size, page_token=page_token
        ),
        caller,
    )
    return TranslationPage(
        items=[Translation.of(t) for t in found.translations],
        next_page_token=found.next_page_token or None,
    )


# --- read aloud --------------------------------------------------------------------------------


@router.post(
    "/v1/read-aloud",
    summary="Read a text or a saved translation aloud (ääneen luku): WAV audio",
    response_class=Response,
    responses=AUDIO,
)
async def read_aloud(body: ReadAloud, caller: CurrentCaller, state: State) -> Response:
    speech = await state.call(
        state.interpretation.SynthesizeSpeech,
        body.message(),
        caller,
        deadline_seconds=state.settings.speech_timeout_seconds,
    )
    return Response(
        content=speech.audio,
        media_type="audio/wav",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Language": speech.language,
            "X-Audio-Duration-Ms": str(speech.duration_ms),
        },
    )


@router.get("/v1/read-aloud/languages", summary="Languages that can be read aloud here")
async def speech_languages(caller: CurrentCaller, state: State) -> list[str]:
    found = await state.call(
        state.interpretation.ListSpeechLanguages, pb.ListSpeechLanguagesRequest(), caller
    )
    return list(found.languages)
