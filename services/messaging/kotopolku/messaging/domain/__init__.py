"""Pure domain rules of the messaging service: no I/O, no framework imports.

Modules: :mod:`.errors`, :mod:`.languages` (direction, official languages, fallback chain),
:mod:`.templates` (validation and sandboxed rendering), :mod:`.delivery` (states, retry schedule,
notification status), :mod:`.optout` (channel and topic opt-outs) and :mod:`.threads`.
"""

from kotopolku.messaging.domain.delivery import (
    Channel,
    DeliveryStatus,
    NotificationStatus,
    RetryPolicy,
    after_failure,
    notification_status,
)
from kotopolku.messaging.domain.errors import (
    MessagingDomainError,
    NoTemplateLanguage,
    TemplateError,
    VariableError,
)
from kotopolku.messaging.domain.languages import (
    DEFAULT_TEMPLATE_LANGUAGES,
    TextDirection,
    choose_language,
    direction,
    fallback_chain,
    official_languages,
)
from kotopolku.messaging.domain.templates import RenderedMessage, TemplateText, render

__all__ = [
    "DEFAULT_TEMPLATE_LANGUAGES",
    "Channel",
    "DeliveryStatus",
    "MessagingDomainError",
    "NoTemplateLanguage",
    "NotificationStatus",
    "RenderedMessage",
    "RetryPolicy",
    "TemplateError",
    "TemplateText",
    "TextDirection",
    "VariableError",
    "after_failure",
    "choose_language",
    "direction",
    "fallback_chain",
    "notification_status",
    "official_languages",
    "render",
]
