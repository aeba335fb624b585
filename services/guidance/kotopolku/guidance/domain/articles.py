"""The knowledge base (neuvontatietokanta): question-and-answer articles written from what
counselling teaches, reviewed before anyone else sees them.

Lifecycle of an article's latest revision: DRAFT → IN_REVIEW → PUBLISHED, back to DRAFT when the
reviewer returns it, WITHDRAWN when it is taken out of use. A second person publishes: whoever
wrote or submitted a revision cannot publish it. Revisions are kept: editing a draft changes it
in place, editing a published or withdrawn article starts a new revision while the published one
stays live until the new one is published.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from kotopolku.guidance.domain.errors import (
    GuidanceDomainError,
    InvalidTransition,
    SelfPublishing,
)

MAX_QUESTION_LENGTH = 500
MAX_ANSWER_LENGTH = 10_000
MAX_COMMENT_LENGTH = 2000


class ArticleStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    PUBLISHED = "PUBLISHED"
    WITHDRAWN = "WITHDRAWN"


class ArticleAction(enum.StrEnum):
    SUBMIT = "SUBMIT"
    RETURN = "RETURN"
    PUBLISH = "PUBLISH"
    WITHDRAW = "WITHDRAW"


class EditMode(enum.Enum):
    """How an edit is stored: in the latest revision, or as a new one."""

    IN_PLACE = "in-place"
    NEW_REVISION = "new-revision"


_MOVES: dict[tuple[ArticleAction, ArticleStatus], ArticleStatus] = {
    (ArticleAction.SUBMIT, ArticleStatus.DRAFT): ArticleStatus.IN_REVIEW,
    (ArticleAction.RETURN, ArticleStatus.IN_REVIEW): ArticleStatus.DRAFT,
    (ArticleAction.PUBLISH, ArticleStatus.IN_REVIEW): ArticleStatus.PUBLISHED,
    (ArticleAction.WITHDRAW, ArticleStatus.PUBLISHED): ArticleStatus.WITHDRAWN,
}


def transition(status: ArticleStatus, action: ArticleAction, *, has_live: bool) -> ArticleStatus:
    """The status of the latest revision after ``action``.

    WITHDRAW takes the live (published) revision out of search; when a newer draft is being
    worked on, the draft keeps its status."""
    if action is ArticleAction.WITHDRAW and has_live and status is not ArticleStatus.PUBLISHED:
        return status
    after = _MOVES.get((action, status))
    if after is None:
        raise InvalidTransition(
            "action", f"{action.value} is not possible for an article in {status.value}"
        )
    return after


def check_publisher(publisher: str, authors: Collection[str], submitter: str | None) -> None:
    """Four eyes: the publisher neither wrote nor submitted the revision."""
    if publisher in authors or publisher == submitter:
        raise SelfPublishing(
            "action", "a revision is published by someone who did not write or submit it"
        )


def edit_mode(status: ArticleStatus) -> EditMode:
    if status is ArticleStatus.DRAFT:
        return EditMode.IN_PLACE
    if status is ArticleStatus.IN_REVIEW:
        raise InvalidTransition(
            "status", "the article is in review: the reviewer returns it to draft for edits"
        )
    return EditMode.NEW_REVISION


def check_translation_language(language: str, group_languages: Collection[str]) -> str:
    """A translation group holds one article per language."""
    if language in group_languages:
        raise GuidanceDomainError("language", "the article already has a version in this language")
    return language


def require_comment(action: ArticleAction, comment: str) -> None:
    if action is ArticleAction.RETURN and not comment:
        raise GuidanceDomainError("comment", "tell the author why the revision is returned")
