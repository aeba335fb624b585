"""RPCs of interpretation records and translations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from kotopolku.common import pagination
from kotopolku.common.audit import AuditEntry
from kotopolku.common.clock import as_utc
from kotopolku.common.errors import AlreadyExists, InvalidArgument, NotFound, StaleVersion
from kotopolku.common.identity import current_caller
from kotopolku.interpretation import access, convert, repository
from kotopolku.interpretation.domain import (
    InterpretationDomainError,
    TextKind,
    check_placeholders,
    next_revision,
)
from kotopolku.interpretation.domain.translations import validate_key
from kotopolku.interpretation.enums import ReferenceKind
from kotopolku.interpretation.rpc_support import Context, RpcBase, fingerprint, idempotency_key
from kotopolku.interpretation.v1 import interpretation_pb2 as pb
from kotopolku.interpretation.validation import (
    Collector,
    identifier,
    language,
    parse_uuid,
    record_values,
    today_in_helsinki,
    translation_values,
)


def _record_entry(row: object, action: str) -> AuditEntry:
    return AuditEntry(
        action=action,
        resource=f"interpretation-records/{row.id}",  # type: ignore[attr-defined]
        subject_client_id=row.client_id,  # type: ignore[attr-defined]
        municipality=row.municipality_code,  # type: ignore[attr-defined]
        fields=convert.RECORD_FIELDS,
    )


def _text_ref(key: str, lang: str) -> tuple[str, str]:
    collector = Collector()
    checked = collector.check("key", lambda: validate_key(key))
    code = collector.check("language", lambda: language(lang)) if lang else ""
    collector.raise_if_any()
    assert checked is not None
    return checked, code or ""


class RecordRpcs(RpcBase):
    # --- interpretation records ----------------------------------------------------------------

    async def RecordInterpretation(
        self, request: pb.RecordInterpretationRequest, context: Context
    ) -> pb.InterpretationRecord:
        caller = current_caller()
        municipality = access.officer(caller)
        values = record_values(request.record, today_in_helsinki(self._now()))
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        await self._check_references(values, municipality)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "RecordInterpretation", digest
                )
                if existing is not None:
                    row = await repository.get_record(connection, existing)
                    assert row is not None
                    return convert.record_message(row)
            if values["booking_id"] is not None:
                booking = await repository.get_booking(connection, values["booking_id"])
                if (
                    booking is None
                    or booking.municipality_code != municipality
                    or booking.client_id != values["client_id"]
                ):
                    raise InvalidArgument.field("booking_id", "is not a booking of this client")
            try:
                row = await repository.insert_record(
                    connection,
                    {**values, "municipality_code": municipality, "recorded_by": caller.subject},
                    self._now(),
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "RecordInterpretation", digest, row.id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The record was made concurrently") from error
            await self._audit.record(
                connection, caller, [_record_entry(row, "interpretation-record.create")]
            )
            return convert.record_message(row)

    async def _check_references(self, values: dict[str, Any], municipality: str) -> None:
        """The record is about one of the municipality's clients (asked of the clients service
        as the calling officer), and an appointment it names is that client's: otherwise an
        officer could write records, and audit entries, about another municipality's client."""
        try:
            await self._clients.visible_client(values["client_id"])
        except NotFound:
            raise InvalidArgument.field(
                "client_id", "is not a client of the municipality"
            ) from None
        if values["reference_kind"] != ReferenceKind.APPOINTMENT.value:
            return
        appointment = await self._appointments.visible_appointment(values["reference_id"])
        if (
            appointment is None
            or appointment.municipality_code != municipality
            or appointment.client_id != values["client_id"]
        ):
            raise InvalidArgument.field("reference_id", "is not an appointment of this client")

    async def ListInterpretationRecords(
        self, request: pb.ListInterpretationRecordsRequest, context: Context
    ) -> pb.ListInterpretationRecordsResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        collector = Collector()
        client_id = collector.check(
            "client_id",
            lambda: parse_uuid(request.client_id, "client_id") if request.client_id else None,
        )
        reference = collector.check(
            "reference_id", lambda: identifier(request.reference_id, "reference_id") or None
        )
        if not request.client_id and not request.reference_id:
            collector.fail("client_id", "give a client_id or a reference_id")
        collector.raise_if_any()
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (datetime.fromisoformat(position["r"]), str(position["i"])) if position else None
        async with self._db.transaction() as connection:
            rows = await repository.list_records(
                connection, municipality, client_id, reference, after, size + 1
            )
            page = rows[:size]
            await self._audit.record(
                connection,
                caller,
                [_record_entry(r, "interpretation-record.list-result") for r in page],
            )
        token = (
            pagination.encode_token(
                {"r": as_utc(page[-1].recorded_at).isoformat(), "i": page[-1].id}
            )
            if len(rows) > size
            else ""
        )
        return pb.ListInterpretationRecordsResponse(
            records=[convert.record_message(r) for r in page], next_page_token=token
        )

    # --- translations --------------------------------------------------------------------------

    async def SaveTranslation(
        self, request: pb.SaveTranslationRequest, context: Context
    ) -> pb.Translation:
        caller = current_caller()
        municipality = access.translator(caller)
        key, lang, kind, text, source = translation_values(request.translation)
        async with self._db.transaction() as connection:
            current = await repository.latest_translation(connection, municipality, key, lang)
            # A text is of one kind in every language and revision.
            siblings = await repository.latest_translations(connection, municipality, key)
            known = TextKind(siblings[0].kind) if siblings else None
            collector = Collector()
            if kind is None:
                kind = known
                if kind is None:
                    collector.fail("kind", "is required for a new text")
            elif known is not None and kind is not known:
                collector.fail("kind", "differs from the text's other revisions")
            source_text = None
            if source:
                original = await repository.latest_translation(
                    connection, municipality, key, source
                )
                if original is None:
                    collector.fail("source_language", "the text has no version in that language")
                else:
                    source_text = original.text
            collector.raise_if_any()
            assert kind is not None
            try:
                check_placeholders(kind, text, source_text)
                revision = next_revision(
                    current.revision if current is not None else None, request.expected_revision
                )
            except InterpretationDomainError as error:
                if error.field == "expected_revision":
                    raise StaleVersion(error.message) from None
                raise InvalidArgument.field(error.field, error.message) from None
            values = {
                "municipality_code": municipality,
                "key": key,
                "language": lang,
                "revision": revision,
                "kind": kind.value,
                "text": text,
                "source_language": source,
                "translated_by": caller.subject,
                "translated_at": self._now(),
            }
            try:
                await repository.insert_translation(connection, values)
            except IntegrityError as error:
                raise StaleVersion("Another revision was saved meanwhile: read it again") from error
            await self._audit.record(
                connection,
                caller,
                [AuditEntry(action="translation.save", resource=f"translations/{key}/{lang}")],
            )
            row = await repository.latest_translation(connection, municipality, key, lang)
            return convert.translation_message(row)

    async def GetTranslation(
        self, request: pb.GetTranslationRequest, context: Context
    ) -> pb.Translation:
        caller = current_caller()
        municipality = access.translator(caller)
        key, lang = _text_ref(request.key, request.language)
        async with self._db.engine.connect() as connection:
            row = await repository.latest_translation(connection, municipality, key, lang)
        if row is None:
            raise NotFound("No such translation")
        return convert.translation_message(row)

    async def ListTranslations(
        self, request: pb.ListTranslationsRequest, context: Context
    ) -> pb.ListTranslationsResponse:
        caller = current_caller()
        municipality = access.translator(caller)
        key, _ = _text_ref(request.key, "")
        async with self._db.engine.connect() as connection:
            rows = await repository.latest_translations(connection, municipality, key)
        return pb.ListTranslationsResponse(
            translations=[convert.translation_message(r) for r in rows]
        )

    async def ListTranslationRevisions(
        self, request: pb.ListTranslationRevisionsRequest, context: Context
    ) -> pb.ListTranslationsResponse:
        caller = current_caller()
        municipality = access.translator(caller)
        key, lang = _text_ref(request.key, request.language)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        before = int(position["r"]) if position else None
        async with self._db.engine.connect() as connection:
            rows = await repository.translation_revisions(
                connection, municipality, key, lang, before, size + 1
            )
        page = rows[:size]
        token = pagination.encode_token({"r": page[-1].revision}) if len(rows) > size else ""
        return pb.ListTranslationsResponse(
            translations=[convert.translation_message(r) for r in page], next_page_token=token
        )


__all__ = ["RecordRpcs"]
