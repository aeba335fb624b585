"""Pure domain rules of the appointments service: no I/O, no framework imports.

Modules: :mod:`.errors`, :mod:`.schedule` (kinds, durations, moving, overlap, periods),
:mod:`.assignees` (who takes part, person keys), :mod:`.conflicts` (double bookings),
:mod:`.reminders` (lead times, idempotency keys, reconciliation), :mod:`.history` (what changed)
and :mod:`.calendar_file` (iCalendar).
"""

from kotopolku.appointments.domain.assignees import (
    Assignee,
    AssigneeKind,
    client_person_key,
    includes_client,
    validate_assignees,
)
from kotopolku.appointments.domain.conflicts import Booking, Conflict, find_conflicts
from kotopolku.appointments.domain.errors import AppointmentDomainError, InvalidTransition
from kotopolku.appointments.domain.history import FieldChange, HistoryAction, changes
from kotopolku.appointments.domain.reminders import (
    PlannedReminder,
    ReminderState,
    default_leads,
    plan_reminders,
    reconcile,
    validate_lead_minutes,
)
from kotopolku.appointments.domain.schedule import (
    AppointmentKind,
    AppointmentStatus,
    in_period,
    moved,
    overlaps,
    validate_period,
    validate_times,
)

__all__ = [
    "AppointmentDomainError",
    "AppointmentKind",
    "AppointmentStatus",
    "Assignee",
    "AssigneeKind",
    "Booking",
    "Conflict",
    "FieldChange",
    "HistoryAction",
    "InvalidTransition",
    "PlannedReminder",
    "ReminderState",
    "changes",
    "client_person_key",
    "default_leads",
    "find_conflicts",
    "in_period",
    "includes_client",
    "moved",
    "overlaps",
    "plan_reminders",
    "reconcile",
    "validate_assignees",
    "validate_lead_minutes",
    "validate_period",
    "validate_times",
]
