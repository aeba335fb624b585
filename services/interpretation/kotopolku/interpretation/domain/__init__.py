"""Pure domain rules of the interpretation service: no I/O (the speech engine runs elsewhere).

Modules: :mod:`.errors`, :mod:`.booking` (interpreter bookings), :mod:`.translations`
(revisions of translated texts) and :mod:`.speech` (voices, limits, audio checks).
"""

from kotopolku.interpretation.domain.booking import (
    BookingStatus,
    InterpretationMode,
    check_completion_time,
    transition,
    validate_dialect,
    validate_duration,
    visible_to_interpreter,
)
from kotopolku.interpretation.domain.errors import (
    InterpretationDomainError,
    InvalidTransition,
    UnsupportedLanguage,
)
from kotopolku.interpretation.domain.translations import (
    TextKind,
    check_placeholders,
    next_revision,
    placeholders,
    validate_key,
    validate_text,
)

__all__ = [
    "BookingStatus",
    "InterpretationDomainError",
    "InterpretationMode",
    "InvalidTransition",
    "TextKind",
    "UnsupportedLanguage",
    "check_completion_time",
    "check_placeholders",
    "next_revision",
    "placeholders",
    "transition",
    "validate_dialect",
    "validate_duration",
    "validate_key",
    "validate_text",
    "visible_to_interpreter",
]
