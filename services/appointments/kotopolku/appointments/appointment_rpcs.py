"""RPCs of single appointments: create, read, change, cancel, delete, history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.appointments import access, convert, repository
from kotopolku.appointments.domain import (
    AppointmentStatus,
    HistoryAction,
    changes,
    client_person_key,
    find_conflicts,
    plan_reminders,
    reconcile,
)
from kotopolku.appointments.rpc_support import (
    Context,
    RpcBase,
    appointment_entry,
    conflict_error,
    fingerprint,
    idempotency_key,
)
from kotopolku.appointments.v1 import appointments_pb2 as pb
from kotopolku.appointments.validation import (
    AppointmentValues,
    Collector,
    create_values,
    parse_uuid,
    reason,
    update_values,
)
from kotopolku.common import pagination
from kotopolku.common.errors import AlreadyExists, InvalidState, NotFound, StaleVersion
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id


def _client_id(value: str) -> str:
    collector = Collector()
    client_id = collector.check("client_id", lambda: parse_uuid(value, "client_id"))
    collector.raise_if_any()
    assert client_id is not None
    return client_id


class AppointmentRpcs(RpcBase):
    async def _require_client(self, client_id: str, municipality: str) -> None:
        """The client must be one the caller sees, of the caller's municipality."""
        client = await self._clients.visible_client(client_id)
        if client is None or client.municipality_code != municipality:
            raise NotFound("No such client")

    async def _check_conflicts(
        self,
        connection: AsyncConnection,
        appointment_id: str,
        values: AppointmentValues,
        client_id: str,
        municipality: str,
        allow: bool,
    ) -> list[str]:
        """Raises on a conflict unless allowed; returns the ids booked over."""
        positions = {
            person.person_key(client_id): index for index, person in enumerate(values.assignees)
        }
        bookings = await repository.bookings_of(
            connection, positions, values.starts_at, values.ends_at
        )
        conflicts = find_conflicts(
            appointment_id, values.kind, values.starts_at, values.ends_at, positions, bookings
        )
        if conflicts and not allow:
            raise conflict_error(conflicts, positions, municipality)
        return sorted({c.booking.appointment_id for c in conflicts})

    async def _plan(
        self,
        connection: AsyncConnection,
        appointment_id: str,
        values: AppointmentValues,
        status: AppointmentStatus,
    ) -> bool:
        """Makes the active reminders match the appointment; True if the outbox got work."""
        wanted = (
            plan_reminders(
                appointment_id,
                values.reminder_leads,
                values.starts_at,
                values.location,
                values.organiser or self._default_organiser,
                values.reminder_language,
                self._now(),
            )
            if status is AppointmentStatus.SCHEDULED
            else []
        )
        active = await repository.active_reminders(connection, appointment_id)
        plan = reconcile([r.idempotency_key for r in active], wanted)
        by_key = {r.idempotency_key: r for r in active}
        for key in plan.cancel:
            await repository.withdraw_reminder(connection, by_key[key], self._now())
        for reminder in plan.schedule:
            await repository.schedule_reminder(connection, appointment_id, reminder, self._now())
        return bool(plan.cancel or plan.schedule)

    async def _visible(
        self, connection: AsyncConnection, caller: Caller, appointment_id: str, action: str
    ) -> tuple[Any, bool]:
        """The appointment and whether the caller sees it as staff; otherwise NOT_FOUND, and the
        refusal is audited."""
        seen = access.viewer(caller)
        row = await repository.get_appointment(
            connection, resource_id(appointment_id, "appointment_id", "appointment")
        )
        if row is not None and row.deleted_at is None:
            if seen.is_staff_of(row.municipality_code):
                return row, True
            if seen.client_user:
                own = await self._clients.own_client()
                if (
                    own is not None
                    and own.id == row.client_id
                    and await repository.is_assigned(connection, row.id, client_person_key(own.id))
                ):
                    return row, False
            elif await repository.is_assigned(connection, row.id, caller.subject):
                return row, False
        await self._audit_refusal(caller, action, f"appointments/{appointment_id}", row)
        raise NotFound("No such appointment")

    async def _writable(
        self,
        connection: AsyncConnection,
        caller: Caller,
        municipality: str,
        appointment_id: str,
        action: str,
    ) -> Any:
        row = await repository.get_appointment(
            connection, resource_id(appointment_id, "appointment_id", "appointment")
        )
        if row is None or row.deleted_at is not None or row.municipality_code != municipality:
            await self._audit_refusal(caller, action, f"appointments/{appointment_id}", row)
            raise NotFound("No such appointment")
        return row

    # --- create and read ---------------------------------------------------------------------

    async def CreateAppointment(
        self, request: pb.CreateAppointmentRequest, context: Context
    ) -> pb.Appointment:
        caller = current_caller()
        municipality = access.writer(caller)
        client_id = _client_id(request.client_id)
        values = create_values(request.appointment, client_id, self._default_leads)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        await self._require_client(client_id, municipality)
        now = self._now()
        people = [p.person_key(client_id) for p in values.assignees]
        async with self._db.transaction() as connection:
            await repository.lock_people(connection, people, now)
            if key:
                existing = await self._idempotency.find(
                    connection, caller.subject, key, "CreateAppointment", digest
                )
                if existing is not None:
                    row = await repository.get_appointment(connection, existing)
                    assert row is not None
                    await self._audit.record(
                        connection,
                        caller,
                        [appointment_entry(row, "appointment.read", convert.STAFF_FIELDS)],
                    )
                    return await self._message(connection, row, staff=True)
            overridden = await self._check_conflicts(
                connection, "", values, client_id, municipality, request.allow_conflicts
            )
            try:
                appointment_id = await repository.insert_appointment(
                    connection,
                    {
                        **values.columns(),
                        "municipality_code": municipality,
                        "client_id": client_id,
                        "created_by": caller.subject,
                    },
                    values.assignees,
                    now,
                )
                if key:
                    await self._idempotency.remember(
                        connection, caller.subject, key, "CreateAppointment", digest, appointment_id
                    )
            except IntegrityError as error:
                raise AlreadyExists("The appointment was created concurrently") from error
            await repository.add_history(
                connection,
                appointment_id,
                1,
                now,
                caller.subject,
                HistoryAction.CREATED,
                changes({}, values.snapshot()),
                overridden=overridden,
            )
            reminders = await self._plan(
                connection, appointment_id, values, AppointmentStatus.SCHEDULED
            )
            row = await repository.get_appointment(connection, appointment_id)
            await self._audit.record(
                connection,
                caller,
                [appointment_entry(row, "appointment.create", convert.STAFF_FIELDS)],
            )
            message = await self._message(connection, row, staff=True)
        if reminders:
            self._on_reminders()
        return message

    async def GetAppointment(
        self, request: pb.GetAppointmentRequest, context: Context
    ) -> pb.Appointment:
        caller = current_caller()
        async with self._db.transaction() as connection:
            row, staff = await self._visible(
                connection, caller, request.appointment_id, "appointment.read"
            )
            fields = convert.STAFF_FIELDS if staff else convert.PARTICIPANT_FIELDS
            await self._audit.record(
                connection, caller, [appointment_entry(row, "appointment.read", fields)]
            )
            return await self._message(connection, row, staff=staff)

    # --- change ------------------------------------------------------------------------------

    async def UpdateAppointment(
        self, request: pb.UpdateAppointmentRequest, context: Context
    ) -> pb.Appointment:
        caller = current_caller()
        municipality = access.writer(caller)
        expected_version(request.expected_version)
        paths = list(request.update_mask.paths)
        # First a look without locks, to learn whom the change concerns; the change itself is
        # computed again under the people's locks below.
        async with self._db.engine.connect() as connection:
            seen = await self._writable(
                connection, caller, municipality, request.appointment_id, "appointment.update"
            )
            seen_people = (await repository.assignees_of(connection, [seen.id]))[seen.id]
        if seen.status != AppointmentStatus.SCHEDULED.value:
            raise InvalidState("A cancelled appointment cannot be changed")
        current = convert.values(seen, seen_people)
        updated = update_values(request.appointment, paths, current, seen.client_id)
        now = self._now()
        people = {p.person_key(seen.client_id) for p in (*current.assignees, *updated.assignees)}
        async with self._db.transaction() as connection:
            await repository.lock_people(connection, people, now)
            row = await self._writable(
                connection, caller, municipality, request.appointment_id, "appointment.update"
            )
            if row.version != request.expected_version or row.version != seen.version:
                raise StaleVersion(
                    f"The appointment is at version {row.version}, not {request.expected_version}"
                )
            changed = changes(current.snapshot(), updated.snapshot())
            if not changed:
                return await self._message(connection, row, staff=True)
            overridden: list[str] = []
            if {"kind", "starts_at", "ends_at", "assignees"} & {c.field for c in changed}:
                overridden = await self._check_conflicts(
                    connection,
                    row.id,
                    updated,
                    row.client_id,
                    municipality,
                    request.allow_conflicts,
                )
            if not await repository.update_appointment(
                connection,
                row.id,
                request.expected_version,
                updated.columns(),
                now,
            ):
                raise StaleVersion("The appointment changed meanwhile")
            if "assignees" in paths:
                await repository.replace_assignees(
                    connection, row.id, row.client_id, updated.assignees
                )
            await repository.add_history(
                connection,
                row.id,
                row.version + 1,
                now,
                caller.subject,
                HistoryAction.UPDATED,
                changed,
                overridden=overridden,
            )
            reminders = await self._plan(connection, row.id, updated, AppointmentStatus.SCHEDULED)
            row = await repository.get_appointment(connection, row.id)
            await self._audit.record(
                connection,
                caller,
                [appointment_entry(row, "appointment.update", tuple(c.field for c in changed))],
            )
            message = await self._message(connection, row, staff=True)
        if reminders:
            self._on_reminders()
        return message

    async def _end(
        self,
        caller: Caller,
        appointment_id: str,
        version: int,
        why: str,
        action: HistoryAction,
        values: dict[str, Any],
        audit_action: str,
    ) -> Any:
        municipality = access.writer(caller)
        expected_version(version)
        now = self._now()
        async with self._db.transaction() as connection:
            row = await self._writable(
                connection, caller, municipality, appointment_id, audit_action
            )
            if (
                action is HistoryAction.CANCELLED
                and row.status != AppointmentStatus.SCHEDULED.value
            ):
                raise InvalidState("The appointment is already cancelled")
            if row.version != version:
                raise StaleVersion(f"The appointment is at version {row.version}, not {version}")
            if not await repository.update_appointment(connection, row.id, version, values, now):
                raise StaleVersion("The appointment changed meanwhile")
            before = {"status": row.status}
            after = {"status": values.get("status", row.status)}
            if "deleted_at" in values:
                after["deleted"] = True
            await repository.add_history(
                connection,
                row.id,
                version + 1,
                now,
                caller.subject,
                action,
                changes(before, after),
                reason=why,
            )
            current = convert.values(
                row, (await repository.assignees_of(connection, [row.id]))[row.id]
            )
            reminders = await self._plan(connection, row.id, current, AppointmentStatus.CANCELLED)
            updated = await repository.get_appointment(connection, row.id)
            await self._audit.record(
                connection, caller, [appointment_entry(updated, audit_action, ("status",))]
            )
            message = await self._message(connection, updated, staff=True)
        if reminders:
            self._on_reminders()
        return message

    async def CancelAppointment(
        self, request: pb.CancelAppointmentRequest, context: Context
    ) -> pb.Appointment:
        caller = current_caller()
        why = reason(request.reason, required=True)
        now = self._now()
        result: pb.Appointment = await self._end(
            caller,
            request.appointment_id,
            request.expected_version,
            why,
            HistoryAction.CANCELLED,
            {
                "status": AppointmentStatus.CANCELLED.value,
                "cancellation_reason": why,
                "cancelled_at": now,
            },
            "appointment.cancel",
        )
        return result

    async def DeleteAppointment(
        self, request: pb.DeleteAppointmentRequest, context: Context
    ) -> pb.DeleteAppointmentResponse:
        caller = current_caller()
        why = reason(request.reason, required=True)
        await self._end(
            caller,
            request.appointment_id,
            request.expected_version,
            why,
            HistoryAction.DELETED,
            {"deleted_at": self._now()},
            "appointment.delete",
        )
        return pb.DeleteAppointmentResponse()

    async def ListAppointmentHistory(
        self, request: pb.ListAppointmentHistoryRequest, context: Context
    ) -> pb.ListAppointmentHistoryResponse:
        caller = current_caller()
        municipality = access.staff(caller)
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        after = int(position.get("v", 0)) if position else 0
        async with self._db.transaction() as connection:
            row = await repository.get_appointment(
                connection, resource_id(request.appointment_id, "appointment_id", "appointment")
            )
            # The history outlives a deletion: staff can see who deleted it and why.
            if row is None or row.municipality_code != municipality:
                await self._audit_refusal(
                    caller, "appointment.history", f"appointments/{request.appointment_id}", row
                )
                raise NotFound("No such appointment")
            entries = await repository.list_history(connection, row.id, after, size + 1)
            await self._audit.record(
                connection, caller, [appointment_entry(row, "appointment.history", ("history",))]
            )
        page = entries[:size]
        token = pagination.encode_token({"v": page[-1].version}) if len(entries) > size else ""
        return pb.ListAppointmentHistoryResponse(
            entries=[convert.history_message(e) for e in page], next_page_token=token
        )
