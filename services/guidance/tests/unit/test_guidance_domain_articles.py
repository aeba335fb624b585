"""The knowledge base's review lifecycle: transitions, four eyes, edits and translations."""

from __future__ import annotations

import pytest

from kotopolku.guidance.domain import (
    ArticleAction,
    ArticleStatus,
    EditMode,
    GuidanceDomainError,
    InvalidTransition,
    SelfPublishing,
    check_publisher,
    check_translation_language,
    edit_mode,
    require_comment,
    transition,
)

ALLOWED = {
    (ArticleStatus.DRAFT, ArticleAction.SUBMIT): ArticleStatus.IN_REVIEW,
    (ArticleStatus.IN_REVIEW, ArticleAction.RETURN): ArticleStatus.DRAFT,
    (ArticleStatus.IN_REVIEW, ArticleAction.PUBLISH): ArticleStatus.PUBLISHED,
    (ArticleStatus.PUBLISHED, ArticleAction.WITHDRAW): ArticleStatus.WITHDRAWN,
}


@pytest.mark.parametrize("status", list(ArticleStatus))
@pytest.mark.parametrize("action", list(ArticleAction))
def test_every_transition_without_a_live_revision(
    status: ArticleStatus, action: ArticleAction
) -> None:
    expected = ALLOWED.get((status, action))
    has_live = status is ArticleStatus.PUBLISHED
    if expected is None:
        with pytest.raises(InvalidTransition) as info:
            transition(status, action, has_live=has_live)
        assert info.value.field == "action"
    else:
        assert transition(status, action, has_live=has_live) is expected


@pytest.mark.parametrize("status", [ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW])
def test_withdrawing_the_live_revision_leaves_a_newer_draft_as_it_is(
    status: ArticleStatus,
) -> None:
    assert transition(status, ArticleAction.WITHDRAW, has_live=True) is status


def test_a_revision_is_published_by_someone_who_neither_wrote_nor_submitted_it() -> None:
    check_publisher("reviewer", ["author", "editor"], "author")
    check_publisher("reviewer", ["author"], None)
    for publisher in ("author", "editor", "submitter"):
        with pytest.raises(SelfPublishing):
            check_publisher(publisher, ["author", "editor"], "submitter")


def test_drafts_are_edited_in_place_published_ones_get_a_new_revision() -> None:
    assert edit_mode(ArticleStatus.DRAFT) is EditMode.IN_PLACE
    assert edit_mode(ArticleStatus.PUBLISHED) is EditMode.NEW_REVISION
    assert edit_mode(ArticleStatus.WITHDRAWN) is EditMode.NEW_REVISION
    with pytest.raises(InvalidTransition, match="review"):
        edit_mode(ArticleStatus.IN_REVIEW)


def test_a_translation_group_has_one_article_per_language() -> None:
    assert check_translation_language("sv", ["fi", "en"]) == "sv"
    with pytest.raises(GuidanceDomainError) as info:
        check_translation_language("fi", ["fi", "en"])
    assert info.value.field == "language"


def test_a_returned_revision_carries_a_comment() -> None:
    require_comment(ArticleAction.RETURN, "Tarkenna")
    require_comment(ArticleAction.SUBMIT, "")
    with pytest.raises(GuidanceDomainError) as info:
        require_comment(ArticleAction.RETURN, "")
    assert info.value.field == "comment"
