"""Pure domain rules of the guidance service: no I/O, no framework imports.

Modules: :mod:`.errors`, :mod:`.codes` (the reviewed code lists), :mod:`.text` (free text),
:mod:`.visits` (client and anonymous visits), :mod:`.series` (initial-phase guidance) and
:mod:`.articles` (the knowledge base's review lifecycle).
"""

from kotopolku.guidance.domain.articles import (
    MAX_ANSWER_LENGTH,
    MAX_COMMENT_LENGTH,
    MAX_QUESTION_LENGTH,
    ArticleAction,
    ArticleStatus,
    EditMode,
    check_publisher,
    check_translation_language,
    edit_mode,
    require_comment,
    transition,
)
from kotopolku.guidance.domain.codes import (
    ANONYMOUS_FOLLOW_UPS,
    AgeBand,
    Channel,
    FollowUp,
    ReferralTarget,
    Topic,
)
from kotopolku.guidance.domain.errors import (
    GuidanceDomainError,
    InvalidTransition,
    SelfPublishing,
)
from kotopolku.guidance.domain.series import (
    MAX_DESCRIPTION_LENGTH,
    MAX_REASON_LENGTH,
    SeriesStatus,
    TaskStatus,
    add_months,
    complete_task,
    has_expired,
    proposed_schedule,
    require_active,
    validate_end,
    validate_period,
    validate_task_count,
    validate_task_due,
)
from kotopolku.guidance.domain.text import validate_text
from kotopolku.guidance.domain.visits import (
    MAX_NOTES_LENGTH,
    Interpretation,
    validate_follow_up,
    validate_interpretation,
    validate_referrals,
    validate_topics,
    validate_visit_date,
)

__all__ = [
    "ANONYMOUS_FOLLOW_UPS",
    "MAX_ANSWER_LENGTH",
    "MAX_COMMENT_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_NOTES_LENGTH",
    "MAX_QUESTION_LENGTH",
    "MAX_REASON_LENGTH",
    "AgeBand",
    "ArticleAction",
    "ArticleStatus",
    "Channel",
    "EditMode",
    "FollowUp",
    "GuidanceDomainError",
    "Interpretation",
    "InvalidTransition",
    "ReferralTarget",
    "SelfPublishing",
    "SeriesStatus",
    "TaskStatus",
    "Topic",
    "add_months",
    "check_publisher",
    "check_translation_language",
    "complete_task",
    "edit_mode",
    "has_expired",
    "proposed_schedule",
    "require_active",
    "require_comment",
    "transition",
    "validate_end",
    "validate_follow_up",
    "validate_interpretation",
    "validate_period",
    "validate_referrals",
    "validate_task_count",
    "validate_task_due",
    "validate_text",
    "validate_topics",
    "validate_visit_date",
]
