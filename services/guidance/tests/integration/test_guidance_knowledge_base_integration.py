"""The knowledge base over gRPC: review before publication, versions, translations, and the same
full-text searches passing on SQLite (FTS5 + stems and base forms) and PostgreSQL (tsvector)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from guidance_testkit import CLIENT_USER, REFERRER, Guidance, Office, rpc_error

from kotopolku.guidance.v1 import guidance_pb2 as pb

HOUSING_Q = "Miten haen vuokra-asuntoa?"
HOUSING_A = (
    "Kaupungin vuokra-asuntoa haetaan sähköisellä hakemuksella. Asuntoa voi hakea, kun "
    "oleskelulupa on voimassa. Hakemus on voimassa kuusi kuukautta."
)
COURSE_Q = "Miten ilmoittaudun kielikurssille?"
COURSE_A = "Suomen kielen kursseille ilmoittaudutaan kotoutumispalveluiden kautta."
BENEFIT_Q = "Voinko saada asumistukea?"
BENEFIT_A = "Kela maksaa yleistä asumistukea pienituloisille ruokakunnille."


def ids(found: pb.SearchArticlesResponse) -> list[str]:
    return [hit.article.id for hit in found.hits]


@pytest.fixture
async def library(svc: Guidance) -> tuple[Office, dict[str, pb.Article]]:
    """Published articles of one municipality, and a draft that must never be found."""
    office = Office.new()
    articles = {
        "housing": await svc.published(office, HOUSING_Q, HOUSING_A),
        "course": await svc.published(office, COURSE_Q, COURSE_A),
        "benefit": await svc.published(office, BENEFIT_Q, BENEFIT_A),
        "draft": await svc.article(
            office.officer, "Asunnon vuokrasopimus", "Luonnos: asunnon vuokrasopimuksesta."
        ),
    }
    return office, articles


@pytest.mark.parametrize("word", ["asunnon", "asuntoa", "asunto", "asunnoista", "Vuokra-asunnot"])
async def test_search_finds_an_article_by_an_inflected_finnish_word(
    svc: Guidance, library: tuple[Office, dict[str, pb.Article]], word: str
) -> None:
    office, articles = library
    found = await svc.search(CLIENT_USER, word, municipality_code=office.code)
    assert ids(found)[:1] == [articles["housing"].id]
    assert articles["draft"].id not in ids(found)
    assert articles["course"].id not in ids(found)
    hit = found.hits[0]
    assert hit.score > 0
    assert hit.article.content.question == HOUSING_Q
    assert hit.article.status == pb.ARTICLE_STATUS_PUBLISHED


async def test_compound_words_and_their_parts_are_found(
    svc: Guidance, library: tuple[Office, dict[str, pb.Article]]
) -> None:
    office, articles = library
    course = await svc.search(office.manager, "kielikurssille", municipality_code=office.code)
    assert ids(course) == [articles["course"].id]
    # "asumistuki" is a compound of "asua" and "tuki": its parts are found too.
    support = await svc.search(office.manager, "tuesta", municipality_code=office.code)
    assert ids(support) == [articles["benefit"].id]
    nothing = await svc.search(office.manager, "ja on se", municipality_code=office.code)
    assert ids(nothing) == []


async def test_ranking_pagination_and_languages(svc: Guidance) -> None:
    office = Office.new()
    in_question = await svc.published(office, "Tulkin tilaaminen", "Ohjeet palveluun.")
    in_answer = await svc.published(office, "Asiointi virastossa", "Voit pyytää tulkkia mukaan.")
    both = await svc.published(office, "Tulkki lääkärissä", "Tulkki tilataan etukäteen.")
    swedish = await svc.published(
        office, "Hur beställer jag en tolk?", "Tolken beställs i förväg.", "sv"
    )
    english = await svc.published(
        office, "How do I book an interpreter?", "Interpreters are booked early.", "en"
    )

    found = await svc.search(
        office.officer, "tulkit", municipality_code=office.code, languages=["fi"]
    )
    assert ids(found) == [both.id, in_question.id, in_answer.id]
    scores = [hit.score for hit in found.hits]
    assert scores == sorted(scores, reverse=True)

    first = await svc.search(office.officer, "tulkit", municipality_code=office.code, page_size=2)
    assert ids(first) == [both.id, in_question.id]
    second = await svc.search(
        office.officer,
        "tulkit",
        municipality_code=office.code,
        page_size=2,
        page_token=first.next_page_token,
    )
    assert ids(second) == [in_answer.id]
    assert second.next_page_token == ""

    assert ids(await svc.search(office.officer, "tolkar", municipality_code=office.code)) == [
        swedish.id
    ]
    assert ids(
        await svc.search(office.officer, "interpreter booking", municipality_code=office.code)
    ) == [english.id]
    assert (
        ids(
            await svc.search(
                office.officer, "tolken", municipality_code=office.code, languages=["fi"]
            )
        )
        == []
    )


async def test_a_second_person_publishes_and_revisions_are_kept(svc: Guidance) -> None:
    office = Office.new()
    draft = await svc.article(office.officer, "Kirjastokortti", "Kirjastokortin saa kirjastosta.")
    assert (draft.status, draft.revision, draft.published_revision) == (
        pb.ARTICLE_STATUS_DRAFT,
        1,
        0,
    )
    await rpc_error(
        svc.act(office.colleague, draft, pb.ARTICLE_ACTION_PUBLISH),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    submitted = await svc.act(office.officer, draft, pb.ARTICLE_ACTION_SUBMIT)
    # In review the text is frozen; the reviewer may return it.
    await rpc_error(
        svc.stub.UpdateArticle(
            pb.UpdateArticleRequest(
                article_id=draft.id,
                content=pb.ArticleContent(answer="x"),
                update_mask=FieldMask(paths=["answer"]),
                expected_version=submitted.version,
            ),
            metadata=svc.md(office.officer),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    await rpc_error(
        svc.act(office.officer, submitted, pb.ARTICLE_ACTION_PUBLISH),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    error = await rpc_error(
        svc.act(office.colleague, submitted, pb.ARTICLE_ACTION_RETURN),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert error.violations[0].field == "comment"
    returned = await svc.act(
        office.colleague, submitted, pb.ARTICLE_ACTION_RETURN, "Lisää aukioloajat."
    )
    assert (returned.status, returned.review_comment) == (
        pb.ARTICLE_STATUS_DRAFT,
        "Lisää aukioloajat.",
    )
    # The colleague edits too: now neither of them may publish this revision.
    edited = await svc.stub.UpdateArticle(
        pb.UpdateArticleRequest(
            article_id=draft.id,
            content=pb.ArticleContent(answer="Kirjastokortin saa kirjastosta, auki ma–pe."),
            update_mask=FieldMask(paths=["answer"]),
            expected_version=returned.version,
        ),
        metadata=svc.md(office.colleague),
    )
    assert edited.revision == 1
    resubmitted = await svc.act(office.officer, edited, pb.ARTICLE_ACTION_SUBMIT)
    await rpc_error(
        svc.act(office.colleague, resubmitted, pb.ARTICLE_ACTION_PUBLISH),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    published = await svc.act(office.manager, resubmitted, pb.ARTICLE_ACTION_PUBLISH)
    assert (published.status, published.published_revision) == (pb.ARTICLE_STATUS_PUBLISHED, 1)
    assert ids(await svc.search(CLIENT_USER, "kirjastokortti", municipality_code=office.code)) == [
        draft.id
    ]

    # Editing a published article starts revision 2; search keeps finding revision 1.
    second = await svc.stub.UpdateArticle(
        pb.UpdateArticleRequest(
            article_id=draft.id,
            content=pb.ArticleContent(question="Kirjastokortti ja e-kirjat"),
            update_mask=FieldMask(paths=["question"]),
            expected_version=published.version,
        ),
        metadata=svc.md(office.officer),
    )
    assert (second.status, second.revision, second.published_revision) == (
        pb.ARTICLE_STATUS_DRAFT,
        2,
        1,
    )
    assert ids(await svc.search(CLIENT_USER, "e-kirjat", municipality_code=office.code)) == []
    public = await svc.stub.GetArticle(
        pb.GetArticleRequest(article_id=draft.id), metadata=svc.md(CLIENT_USER)
    )
    assert (public.revision, public.content.question) == (1, "Kirjastokortti")
    assert public.review_comment == ""
    live = await svc.act(
        office.manager,
        await svc.act(office.officer, second, pb.ARTICLE_ACTION_SUBMIT),
        pb.ARTICLE_ACTION_PUBLISH,
    )
    assert ids(await svc.search(CLIENT_USER, "e-kirjoja", municipality_code=office.code)) == [
        draft.id
    ]
    revisions = await svc.stub.ListArticleRevisions(
        pb.ListArticleRevisionsRequest(article_id=draft.id), metadata=svc.md(office.officer)
    )
    assert [(r.revision, r.superseded, r.published_by) for r in revisions.revisions] == [
        (1, True, office.manager.subject),
        (2, False, office.manager.subject),
    ]
    assert sorted(revisions.revisions[0].authors) == sorted(
        [office.officer.subject, office.colleague.subject]
    )

    withdrawn = await svc.act(office.officer, live, pb.ARTICLE_ACTION_WITHDRAW)
    assert (withdrawn.status, withdrawn.published_revision) == (pb.ARTICLE_STATUS_WITHDRAWN, 0)
    assert ids(await svc.search(CLIENT_USER, "kirjastokortti", municipality_code=office.code)) == []
    await rpc_error(
        svc.stub.GetArticle(
            pb.GetArticleRequest(article_id=draft.id), metadata=svc.md(CLIENT_USER)
        ),
        grpc.StatusCode.NOT_FOUND,
    )


async def test_readers_see_published_articles_and_translations_only(svc: Guidance) -> None:
    office, other = Office.new(), Office.new()
    finnish = await svc.published(office, "Mikä on Kela?", "Kela hoitaa perusturvaa.")
    swedish = await svc.published(
        office, "Vad är FPA?", "FPA sköter den sociala tryggheten.", "sv", translation_of=finnish.id
    )
    english = await svc.article(
        office.officer,
        "What is Kela?",
        "Kela runs social security.",
        "en",
        translation_of=finnish.id,
    )
    await rpc_error(
        svc.article(office.officer, "Toinen", "Kaksi suomeksi.", "fi", translation_of=finnish.id),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    as_editor = await svc.stub.GetArticle(
        pb.GetArticleRequest(article_id=finnish.id), metadata=svc.md(office.officer)
    )
    assert {(t.language, t.article_id) for t in as_editor.translations} == {
        ("sv", swedish.id),
        ("en", english.id),
    }
    for reader in (CLIENT_USER, other.officer):
        seen = await svc.stub.GetArticle(
            pb.GetArticleRequest(article_id=finnish.id), metadata=svc.md(reader)
        )
        assert [(t.language, t.article_id) for t in seen.translations] == [("sv", swedish.id)]
        await rpc_error(
            svc.stub.GetArticle(
                pb.GetArticleRequest(article_id=english.id), metadata=svc.md(reader)
            ),
            grpc.StatusCode.NOT_FOUND,
        )
    # Another municipality's staff neither edit nor list this knowledge base.
    await rpc_error(
        svc.act(other.officer, english, pb.ARTICLE_ACTION_SUBMIT), grpc.StatusCode.NOT_FOUND
    )
    listed = await svc.stub.ListArticles(
        pb.ListArticlesRequest(status=pb.ARTICLE_STATUS_DRAFT), metadata=svc.md(office.officer)
    )
    assert [a.id for a in listed.articles] == [english.id]
    found = await svc.search(
        other.officer, "Kelan", languages=["fi", "sv"], municipality_code=office.code
    )
    assert ids(found) == [finnish.id]
    await rpc_error(svc.search(REFERRER, "Kela"), grpc.StatusCode.PERMISSION_DENIED)
    await rpc_error(
        svc.article(CLIENT_USER, "Kysymys", "Vastaus"), grpc.StatusCode.PERMISSION_DENIED
    )
    error = await rpc_error(svc.search(CLIENT_USER, "  "), grpc.StatusCode.INVALID_ARGUMENT)
    assert error.violations[0].field == "query"
