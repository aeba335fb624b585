"""AppointmentsService: RPCs to domain rules, queries and audit records. Kept thin on purpose;
the handlers live in :mod:`.appointment_rpcs` and :mod:`.calendar_rpcs`."""

from __future__ import annotations

from kotopolku.appointments.appointment_rpcs import AppointmentRpcs
from kotopolku.appointments.calendar_rpcs import CalendarRpcs
from kotopolku.appointments.v1 import appointments_pb2_grpc


class AppointmentsServicer(
    AppointmentRpcs, CalendarRpcs, appointments_pb2_grpc.AppointmentsServiceServicer
):
    pass
