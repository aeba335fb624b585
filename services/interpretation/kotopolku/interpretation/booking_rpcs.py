"""RPCs of interpreter bookings: book, read, list, confirm, complete, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.clock import as_utc
from kotopolku.common.errors import (
    AlreadyExists,
    InvalidState,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.interpretation import access, convert, repository
from kotopolku.interpretation.domain import (
    BookingStatus,
    InvalidTransition,
    check_completion_time,
    transition,
    visible_to_interpreter,
)
from kotopolku.interpretation.enums import from_proto
from kotopolku.interpretation.rpc_support import (
    Context,
    RpcBase,
    booking_entry,
    fingerprint,
    idempotency_key,
)
from kotopolku.interpretation.v1 import interpretation_pb2 as pb
from kotopolku.interpretation.validation import (
    Collector,
    appointment_id,
    booking_values,
    identifier,
    period_bound,
    words,
)


def _fields(seen: access.BookingViewer) -> tuple[str, ...]:
    return convert.INTERPRETER_FIELDS if seen.is_interpreter else convert.BOOKING_FIELDS


class BookingRpcs(RpcBase):
    async def _visible(
        self,
        connection: AsyncConnection,
        caller: Caller,
        seen: access.BookingViewer,
        booking_id: str,
        action: str,
    ) -> Any:
        row = await repository.get_booking(
            connection, resource_id(booking_id, "booking_id", "booking")
        )
        if row is not None and (
            row.municipality_code == seen.municipality
            or visible_to_interpreter(
                row.provider_organisation, row.interpreter_subject, seen.organisation, seen.subject
            )
        ):
            return row
        await self._audit_refusal(caller, action, f"interpreter-bookings/{booking_id}", row)
        raise NotFound("No such booking")

    def _message(self, row: Any, seen: access.BookingViewer) -> pb.Booking:
        return convert.booking_message(row, for_interpreter=seen.is_interpreter)

    async def CreateBooking(self, request: pb.CreateBookingRequest, context: Context) -> pb.Booking:
        caller = current_caller()
        municipality = access.officer(caller)
        wanted = appointment_id(request.booking.appointment_id)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        appointment = await self._appointments.visible_appointment(wanted)
        if appointment is None or appointment.municipality_code != municipality:
            raise NotFound("No such appointment")
        if appointment.cancelled:
            raise InvalidState("The appointment is cancelled")
        values = booking_values(request.booking, appointment)
        seen = access.booking_viewer(caller)
        async with self._db.transaction() as connection:
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateBooking", digest
                )
                if existing is not None:
                    row = await repository.get_booking(connection, existing)
                    assert row is not None
                    await self._audit.record(
                        connection,
                        caller,
                        [booking_entry(row, "interpreter-booking.read", convert.BOOKING_FIELDS)],
                    )
                    return self._message(row, seen)
            try:
                row = await repository.insert_booking(
                    connection,
                    {**values, "municipality_code": municipality, "created_by": caller.subject},
                    self._now(),
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateBooking", digest, row.id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The booking was created concurrently") from error
            await self._audit.record(
                connection,
                caller,
                [booking_entry(row, "interpreter-booking.create", convert.BOOKING_FIELDS)],
            )
            return self._message(row, seen)

    async def GetBooking(self, request: pb.GetBookingRequest, context: Context) -> pb.Booking:
        caller = current_caller()
        seen = access.booking_viewer(caller)
        async with self._db.transaction() as connection:
            row = await self._visible(
                connection, caller, seen, request.booking_id, "interpreter-booking.read"
            )
            await self._audit.record(
                connection, caller, [booking_entry(row, "interpreter-booking.read", _fields(seen))]
            )
            return self._message(row, seen)

    async def ListBookings(
        self, request: pb.ListBookingsRequest, context: Context
    ) -> pb.ListBookingsResponse:
        caller = current_caller()
        seen = access.booking_viewer(caller)
        collector = Collector()
        status = from_proto(BookingStatus, request.status)
        if request.status and status is None:
            collector.fail("status", "is not a booking status")
        wanted = collector.check(
            "appointment_id",
            lambda: appointment_id(request.appointment_id) if request.appointment_id else None,
        )
        collector.raise_if_any()
        where = repository.BookingFilter(
            municipality=seen.municipality,
            organisation=seen.organisation,
            interpreter_subject=seen.subject if seen.is_interpreter else None,
            status=status.value if status is not None else None,
            appointment_id=wanted,
            starts_from=period_bound(getattr(request, "from"), "from"),
            starts_before=period_bound(request.to, "to"),
        )
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = (datetime.fromisoformat(position["s"]), str(position["i"])) if position else None
        async with self._db.transaction() as connection:
            rows = await repository.list_bookings(connection, where, after, size + 1)
            page = rows[:size]
            await self._audit.record(
                connection,
                caller,
                [booking_entry(r, "interpreter-booking.list-result", _fields(seen)) for r in page],
            )
        token = (
            pagination.encode_token({"s": as_utc(page[-1].starts_at).isoformat(), "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return pb.ListBookingsResponse(
            bookings=[self._message(r, seen) for r in page], next_page_token=token
        )

    async def _change(
        self,
        caller: Caller,
        booking_id: str,
        version: int,
        target: BookingStatus,
        action: str,
        values: dict[str, Any],
        allowed: Any,
    ) -> pb.Booking:
        seen = access.booking_viewer(caller)
        expected_version(version)
        async with self._db.transaction() as connection:
            row = await self._visible(connection, caller, seen, booking_id, action)
            allowed(seen, row)
            try:
                transition(BookingStatus(row.status), target)
                if target is BookingStatus.COMPLETED:
                    check_completion_time(as_utc(row.starts_at), self._now())
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            if row.version != version or not await repository.update_booking(
                connection, row.id, version, row.status, values, self._now()
            ):
                raise StaleVersion(f"The booking is at version {row.version}, not {version}")
            updated = await repository.get_booking(connection, row.id)
            await self._audit.record(
                connection, caller, [booking_entry(updated, action, ("status",))]
            )
            return self._message(updated, seen)

    async def ConfirmBooking(
        self, request: pb.ConfirmBookingRequest, context: Context
    ) -> pb.Booking:
        caller = current_caller()
        collector = Collector()
        name = collector.check(
            "interpreter_name",
            lambda: words(request.interpreter_name, "interpreter_name", 200),
        )
        named = collector.check(
            "interpreter_subject",
            lambda: identifier(request.interpreter_subject, "interpreter_subject"),
        )
        collector.raise_if_any()
        seen = access.booking_viewer(caller)
        # An interpreter confirms as themselves; an officer names the interpreter.
        interpreter = caller.subject if seen.is_interpreter else named or ""

        def allowed(viewer: access.BookingViewer, row: Any) -> None:
            if not viewer.is_interpreter and not viewer.officer:
                raise PermissionDenied("Managers do not confirm bookings")
            if not viewer.is_interpreter and not (interpreter or row.interpreter_subject):
                collector.fail("interpreter_subject", "is required: name the interpreter")
                collector.raise_if_any()

        return await self._change(
            caller,
            request.booking_id,
            request.expected_version,
            BookingStatus.CONFIRMED,
            "interpreter-booking.confirm",
            {
                "status": BookingStatus.CONFIRMED.value,
                "confirmed_at": self._now(),
                **({"interpreter_subject": interpreter} if interpreter else {}),
                **({"interpreter_name": name} if name else {}),
            },
            allowed,
        )

    async def CompleteBooking(
        self, request: pb.CompleteBookingRequest, context: Context
    ) -> pb.Booking:
        caller = current_caller()

        def allowed(viewer: access.BookingViewer, row: Any) -> None:
            if viewer.is_interpreter:
                if row.interpreter_subject != viewer.subject:
                    raise PermissionDenied("Only the booking's interpreter completes it")
            elif not viewer.officer:
                raise PermissionDenied("Managers do not complete bookings")

        return await self._change(
            caller,
            request.booking_id,
            request.expected_version,
            BookingStatus.COMPLETED,
            "interpreter-booking.complete",
            {"status": BookingStatus.COMPLETED.value, "completed_at": self._now()},
            allowed,
        )

    async def CancelBooking(self, request: pb.CancelBookingRequest, context: Context) -> pb.Booking:
        caller = current_caller()
        collector = Collector()
        reason = collector.check(
            "reason", lambda: words(request.reason, "reason", 1000, required=True)
        )
        collector.raise_if_any()

        def allowed(viewer: access.BookingViewer, row: Any) -> None:
            if not viewer.is_interpreter and not viewer.officer:
                raise PermissionDenied("Managers do not cancel bookings")

        return await self._change(
            caller,
            request.booking_id,
            request.expected_version,
            BookingStatus.CANCELLED,
            "interpreter-booking.cancel",
            {"status": BookingStatus.CANCELLED.value, "cancellation_reason": reason},
            allowed,
        )
