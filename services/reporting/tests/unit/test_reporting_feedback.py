"""Feedback rules: surveys, answers, anonymity, and the minimum group size of reports."""

from __future__ import annotations

from datetime import date

import pytest

from kotopolku.reporting.domain import feedback as fb
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.periods import period


def survey(anonymity: fb.Anonymity = fb.Anonymity.RESPONDENT_CHOOSES) -> fb.SurveyDraft:
    return fb.check_survey(
        fb.SurveyDraft(
            name=" Kotoutumiskoulutus ",
            title={"fi": "Palaute", "en": "Feedback"},
            questions=(
                fb.Question("overall", fb.QuestionKind.SCORE, {"fi": "Yleisarvosana"}, True),
                fb.Question("comment", fb.QuestionKind.TEXT, {"fi": "Terveiset"}, False),
            ),
            audience=fb.Audience.CLIENT,
            anonymity=anonymity,
        )
    )


def field_of(call: object) -> str:
    with pytest.raises(ReportingDomainError) as raised:
        call()  # type: ignore[operator]
    return raised.value.field


def test_a_survey_needs_finnish_texts_and_unique_question_ids() -> None:
    assert survey().name == "Kotoutumiskoulutus"
    good = survey()
    assert (
        field_of(
            lambda: fb.check_survey(
                fb.SurveyDraft("x", {"en": "t"}, good.questions, good.audience, good.anonymity)
            )
        )
        == "title.fi"
    )
    twice = (good.questions[0], good.questions[0])
    assert (
        field_of(
            lambda: fb.check_survey(
                fb.SurveyDraft("x", {"fi": "t"}, twice, good.audience, good.anonymity)
            )
        )
        == "questions[1].id"
    )
    bad_id = (fb.Question("Yleinen arvio", fb.QuestionKind.SCORE, {"fi": "x"}, True),)
    assert (
        field_of(
            lambda: fb.check_survey(
                fb.SurveyDraft("x", {"fi": "t"}, bad_id, good.audience, good.anonymity)
            )
        )
        == "questions[0].id"
    )
    bad_language = (fb.Question("q", fb.QuestionKind.SCORE, {"fi": "x", "finnish": "y"}, True),)
    assert (
        field_of(
            lambda: fb.check_survey(
                fb.SurveyDraft("x", {"fi": "t"}, bad_language, good.audience, good.anonymity)
            )
        )
        == "questions[0].text.finnish"
    )
    assert (
        field_of(
            lambda: fb.check_survey(
                fb.SurveyDraft("x", {"fi": "t"}, (), good.audience, good.anonymity)
            )
        )
        == "questions"
    )


def test_answers_are_checked_against_the_survey() -> None:
    asked = survey()
    checked = fb.check_answer(
        fb.AnswerDraft([("overall", 4)], [("comment", "  Hyvä  ")], False, "fi"), asked
    )
    assert (checked.scores, checked.texts, checked.anonymous) == (
        {"overall": 4},
        {"comment": "Hyvä"},
        False,
    )
    assert (
        field_of(lambda: fb.check_answer(fb.AnswerDraft([("overall", 6)], [], False, "fi"), asked))
        == "answer.scores[0].score"
    )
    assert (
        field_of(lambda: fb.check_answer(fb.AnswerDraft([("comment", 3)], [], False, "fi"), asked))
        == "answer.scores[0].question_id"
    )
    assert (
        field_of(
            lambda: fb.check_answer(fb.AnswerDraft([], [("comment", "x")], False, "fi"), asked)
        )
        == "answer"
    )
    assert (
        field_of(
            lambda: fb.check_answer(
                fb.AnswerDraft([("overall", 3), ("overall", 4)], [], False, "fi"), asked
            )
        )
        == "answer.scores[1].question_id"
    )
    assert (
        field_of(
            lambda: fb.check_answer(
                fb.AnswerDraft([("overall", 3)], [("comment", "x" * 2001)], False, "fi"), asked
            )
        )
        == "answer.texts[0].text"
    )


def test_a_survey_that_is_always_anonymous_makes_every_answer_anonymous() -> None:
    answer = fb.AnswerDraft([("overall", 5)], [], anonymous=False, language="ar")
    assert fb.check_answer(answer, survey(fb.Anonymity.ALWAYS)).anonymous
    assert not fb.check_answer(answer, survey()).anonymous


def test_invitations_expire_and_tokens_are_random_and_stored_as_hashes() -> None:
    assert fb.expiry(date(2026, 1, 1), 0) == date(2026, 1, 31)
    assert field_of(lambda: fb.expiry(date(2026, 1, 1), 181)) == "valid_days"
    assert (
        fb.invitation_status(False, date(2026, 1, 31), date(2026, 1, 31))
        is fb.InvitationStatus.OPEN
    )
    assert (
        fb.invitation_status(False, date(2026, 1, 31), date(2026, 2, 1))
        is fb.InvitationStatus.EXPIRED
    )
    assert (
        fb.invitation_status(True, date(2026, 1, 31), date(2026, 2, 1))
        is fb.InvitationStatus.ANSWERED
    )
    first, second = fb.new_token(), fb.new_token()
    assert first != second
    assert len(first) >= 40
    assert len(fb.token_hash(first)) == 64
    assert first not in fb.token_hash(first)


def _answers(
    count: int, month: str = "2026-03", survey_name: str = "Koulutus"
) -> list[fb.KeptAnswer]:
    return [
        fb.KeptAnswer(
            "s1",
            survey_name,
            "CLIENT",
            "PROGRAMME_SERVICE",
            month,
            {"overall": 5 if i % 2 else 3},
            {"comment": f"kommentti {i}"},
        )
        for i in range(count)
    ]


def test_scores_and_comments_of_a_small_group_are_withheld() -> None:
    chosen = period("2026-03", "2026-03", "month", today=date(2026, 6, 1))
    small = fb.feedback_report(_answers(4), chosen, {}, min_group_size=5)
    [row] = small.rows
    assert row.values[0].number == 4
    assert row.values[1].suppressed
    assert row.values[2].suppressed
    assert small.comments == []
    assert "at least 5" in small.notes[0]
    large = fb.feedback_report(_answers(6), chosen, {}, min_group_size=5)
    [row] = large.rows
    assert row.values[1].number == 4.0
    assert row.values[2].number == 50.0
    assert sorted(c.text for c in large.comments) == [f"kommentti {i}" for i in range(6)]


def test_feedback_is_grouped_by_month_and_filtered() -> None:
    chosen = period("2026-03", "2026-04", "month", today=date(2026, 6, 1))
    answers = [*_answers(5, "2026-03"), *_answers(5, "2026-04"), *_answers(5, "2026-05")]
    table = fb.feedback_report(answers, chosen, {}, min_group_size=5)
    assert [r.dimensions for r in table.rows] == [
        ("2026-03", "Koulutus", "CLIENT"),
        ("2026-04", "Koulutus", "CLIENT"),
    ]
    assert fb.feedback_report(answers, chosen, {"respondent": "STAKEHOLDER"}, 5).rows == []
