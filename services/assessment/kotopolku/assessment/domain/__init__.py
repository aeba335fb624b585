"""Pure domain rules of the assessment service: no I/O, no framework imports.

Modules: :mod:`.errors` (``AssessmentDomainError``), :mod:`.model` (enums and the field paths an
assessment is made of), :mod:`.validation` (request values to stored values) and :mod:`.rules`
(completion, corrections, the life cycle of measures).
"""

from kotopolku.assessment.domain.errors import AssessmentDomainError, InvalidTransition
from kotopolku.assessment.domain.model import (
    AssessmentKind,
    AssessmentState,
    CefrLevel,
    MeasureKind,
    MeasureStatus,
    OutcomeKind,
)

__all__ = [
    "AssessmentDomainError",
    "AssessmentKind",
    "AssessmentState",
    "CefrLevel",
    "InvalidTransition",
    "MeasureKind",
    "MeasureStatus",
    "OutcomeKind",
]
