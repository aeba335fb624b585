"""Guidance and counselling (IS services 4 and 21): service points, client visits, anonymous
visits at low-threshold points and their consented link to a client, initial-phase guidance
series, and the knowledge base with its full-text search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kotopolku.gateway.auth.dependencies import CurrentCaller
from kotopolku.gateway.etag import etag, expected_version
from kotopolku.gateway.guidance_schemas import (
    ARTICLE_STATES,
    AnonymousVisit,
    AnonymousVisitCreate,
    AnonymousVisitPage,
    Article,
    ArticleCreate,
    ArticlePage,
    ArticlePatch,
    ArticleRevision,
    ArticleSearch,
    ArticleState,
    LinkIn,
    ReturnIn,
    SearchHit,
    SearchPage,
    Series,
    SeriesEnd,
    SeriesPage,
    SeriesStart,
    SeriesTaskIn,
    ServicePoint,
    ServicePointCreate,
    ServicePointPage,
    TaskCompletion,
    Visit,
    VisitCreate,
    VisitPage,
    VisitPatch,
)
from kotopolku.gateway.problems import PROBLEM_RESPONSES
from kotopolku.gateway.routers.params import (
    PRECONDITIONS,
    IdempotencyKey,
    IfMatch,
    PageSize,
    State,
    conflict,
)
from kotopolku.gateway.state import GatewayState
from kotopolku.guidance.v1 import guidance_pb2 as pb

router = APIRouter(tags=["guidance"], responses=PROBLEM_RESPONSES)
PageToken = Annotated[str, Query(max_length=1000)]
ENDED = conflict("The series has ended")
REVIEW = conflict("Not possible in the article's current state") | {
    403: PROBLEM_RESPONSES[403] | {"description": "Self-publishing: someone else publishes"}
}


def _visit(response: Response, message: pb.Visit) -> Visit:
    response.headers["ETag"] = etag(message.version)
    return Visit.of(message)


def _series(response: Response, message: pb.GuidanceSeries) -> Series:
    response.headers["ETag"] = etag(message.version)
    return Series.of(message)


def _article(response: Response, message: pb.Article) -> Article:
    response.headers["ETag"] = etag(message.version)
    return Article.of(message)


# --- service points ----------------------------------------------------------------------------


@router.post(
    "/v1/guidance/service-points",
    status_code=status.HTTP_201_CREATED,
    summary="Add a service point (municipal officers, managers)",
)
async def create_service_point(
    body: ServicePointCreate,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> ServicePoint:
    created = await state.call(
        state.guidance.CreateServicePoint,
        pb.CreateServicePointRequest(
            service_point=body.message(), idempotency_key=idempotency_key or ""
        ),
        caller,
    )
    return ServicePoint.of(created)


@router.get("/v1/guidance/service-points", summary="Service points of the caller's municipality")
async def list_service_points(
    caller: CurrentCaller, state: State, page_size: PageSize = 50, page_token: PageToken = ""
) -> ServicePointPage:
    found = await state.call(
        state.guidance.ListServicePoints,
        pb.ListServicePointsRequest(page_size=page_size, page_token=page_token),
        caller,
    )
    return ServicePointPage(
        items=[ServicePoint.of(p) for p in found.service_points],
        next_page_token=found.next_page_token or None,
    )


# --- client visits -----------------------------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/visits",
    status_code=status.HTTP_201_CREATED,
    summary="Record a counselling visit of a client (officers)",
)
async def create_visit(
    client_id: str,
    body: VisitCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Visit:
    created = await state.call(
        state.guidance.CreateVisit,
        pb.CreateVisitRequest(visit=body.message(client_id), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/visits/{created.id}"
    return _visit(response, created)


@router.get("/v1/clients/{client_id}/visits", summary="A client's visits, newest first")
async def list_client_visits(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> VisitPage:
    found = await state.call(
        state.guidance.ListClientVisits,
        pb.ListClientVisitsRequest(client_id=client_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return VisitPage(
        items=[Visit.of(v) for v in found.visits], next_page_token=found.next_page_token or None
    )


@router.get("/v1/visits/{visit_id}", summary="Read a visit")
async def get_visit(
    visit_id: str, response: Response, caller: CurrentCaller, state: State
) -> Visit:
    found = await state.call(state.guidance.GetVisit, pb.GetVisitRequest(visit_id=visit_id), caller)
    return _visit(response, found)


@router.patch(
    "/v1/visits/{visit_id}", summary="Change some fields of a visit", responses=PRECONDITIONS
)
async def update_visit(
    visit_id: str,
    body: VisitPatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Visit:
    version = expected_version(if_match)
    message, paths = body.message_and_mask()
    request = pb.UpdateVisitRequest(visit_id=visit_id, visit=message, expected_version=version)
    request.update_mask.paths.extend(paths)
    return _visit(response, await state.call(state.guidance.UpdateVisit, request, caller))


# --- anonymous visits --------------------------------------------------------------------------


@router.post(
    "/v1/anonymous-visits",
    status_code=status.HTTP_201_CREATED,
    summary="Record an anonymous visit at a low-threshold service point (officers)",
    description="Codes only: no client, name, contact, free text or time of day is accepted.",
)
async def create_anonymous_visit(
    body: AnonymousVisitCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> AnonymousVisit:
    created = await state.call(
        state.guidance.CreateAnonymousVisit,
        pb.CreateAnonymousVisitRequest(visit=body.message(), idempotency_key=idempotency_key or ""),
        caller,
    )
    response.headers["Location"] = f"/v1/anonymous-visits/{created.id}"
    return AnonymousVisit.of(created)


@router.get("/v1/anonymous-visits", summary="Anonymous visits of the municipality, newest first")
async def list_anonymous_visits(
    caller: CurrentCaller,
    state: State,
    visited_from: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    visited_until: Annotated[str, Query(max_length=10, description="YYYY-MM-DD")] = "",
    service_point_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> AnonymousVisitPage:
    found = await state.call(
        state.guidance.ListAnonymousVisits,
        pb.ListAnonymousVisitsRequest(
            visited_from=visited_from,
            visited_until=visited_until,
            service_point_id=service_point_id,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return AnonymousVisitPage(
        items=[AnonymousVisit.of(v) for v in found.visits],
        next_page_token=found.next_page_token or None,
    )


@router.get("/v1/anonymous-visits/{visit_id}", summary="Read an anonymous visit")
async def get_anonymous_visit(visit_id: str, caller: CurrentCaller, state: State) -> AnonymousVisit:
    found = await state.call(
        state.guidance.GetAnonymousVisit,
        pb.GetAnonymousVisitRequest(anonymous_visit_id=visit_id),
        caller,
    )
    return AnonymousVisit.of(found)


@router.post(
    "/v1/anonymous-visits/{visit_id}/link",
    status_code=status.HTTP_201_CREATED,
    summary="Link an anonymous visit to a client who has consented (officers)",
    description=(
        "Needs the client's consent of purpose `counselling-visit-link` "
        "(`POST /v1/clients/{id}/consents`). Makes a client visit; the anonymous record stays."
    ),
    responses={409: PROBLEM_RESPONSES[422] | {"description": "Already linked"}},
)
async def link_anonymous_visit(
    visit_id: str, body: LinkIn, response: Response, caller: CurrentCaller, state: State
) -> Visit:
    linked = await state.call(
        state.guidance.LinkAnonymousVisit,
        pb.LinkAnonymousVisitRequest(
            anonymous_visit_id=visit_id,
            client_id=body.client_id,
            consent_id=body.consent_id,
            notes=body.notes,
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/visits/{linked.id}"
    return _visit(response, linked)


# --- initial-phase guidance series -------------------------------------------------------------


@router.post(
    "/v1/clients/{client_id}/guidance-series",
    status_code=status.HTTP_201_CREATED,
    summary="Start initial-phase guidance (alkuvaiheen ohjaus) for a placed client (officers)",
)
async def start_series(
    client_id: str,
    body: SeriesStart,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Series:
    started = await state.call(
        state.guidance.StartSeries,
        pb.StartSeriesRequest(
            client_id=client_id,
            plan_id=body.plan_id or "",
            started_on=body.started_on or "",
            plan_ends_on=body.plan_ends_on,
            propose_schedule=body.propose_schedule,
            idempotency_key=idempotency_key or "",
        ),
        caller,
    )
    response.headers["Location"] = f"/v1/guidance-series/{started.id}"
    return _series(response, started)


@router.get("/v1/clients/{client_id}/guidance-series", summary="A client's guidance series")
async def list_series(
    client_id: str,
    caller: CurrentCaller,
    state: State,
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> SeriesPage:
    found = await state.call(
        state.guidance.ListClientSeries,
        pb.ListClientSeriesRequest(client_id=client_id, page_size=page_size, page_token=page_token),
        caller,
    )
    return SeriesPage(
        items=[Series.of(s) for s in found.series], next_page_token=found.next_page_token or None
    )


@router.get(
    "/v1/guidance-series/{series_id}",
    summary="Read a series (one whose plan period is over is ended on reading)",
)
async def get_series(
    series_id: str, response: Response, caller: CurrentCaller, state: State
) -> Series:
    found = await state.call(
        state.guidance.GetSeries, pb.GetSeriesRequest(series_id=series_id), caller
    )
    return _series(response, found)


@router.post(
    "/v1/guidance-series/{series_id}/tasks", summary="Add a task or meeting", responses=ENDED
)
async def add_task(
    series_id: str,
    body: SeriesTaskIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Series:
    version = expected_version(if_match)
    changed = await state.call(
        state.guidance.AddSeriesTask,
        pb.AddSeriesTaskRequest(series_id=series_id, task=body.message(), expected_version=version),
        caller,
    )
    return _series(response, changed)


@router.post(
    "/v1/guidance-series/{series_id}/tasks/{task_id}/completion",
    summary="Mark a task done (or cancelled)",
    responses=ENDED,
)
async def complete_task(
    series_id: str,
    task_id: str,
    body: TaskCompletion,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Series:
    version = expected_version(if_match)
    changed = await state.call(
        state.guidance.CompleteSeriesTask,
        pb.CompleteSeriesTaskRequest(
            series_id=series_id,
            task_id=task_id,
            done_on=body.done_on or "",
            visit_id=body.visit_id or "",
            cancel=body.cancel,
            expected_version=version,
        ),
        caller,
    )
    return _series(response, changed)


@router.post(
    "/v1/guidance-series/{series_id}/end",
    summary="End the series: guidance is no longer needed (the reason is recorded)",
    responses=ENDED,
)
async def end_series(
    series_id: str,
    body: SeriesEnd,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Series:
    version = expected_version(if_match)
    ended = await state.call(
        state.guidance.EndSeries,
        pb.EndSeriesRequest(
            series_id=series_id,
            reason=body.reason,
            ended_on=body.ended_on or "",
            expected_version=version,
        ),
        caller,
    )
    return _series(response, ended)


# --- knowledge base ----------------------------------------------------------------------------


@router.post(
    "/v1/knowledge-base/articles",
    status_code=status.HTTP_201_CREATED,
    summary="Write a question-and-answer article (a draft; staff of the municipality)",
)
async def create_article(
    body: ArticleCreate,
    response: Response,
    caller: CurrentCaller,
    state: State,
    idempotency_key: IdempotencyKey = None,
) -> Article:
    created = await state.call(
        state.guidance.CreateArticle, body.message(idempotency_key or ""), caller
    )
    response.headers["Location"] = f"/v1/knowledge-base/articles/{created.id}"
    return _article(response, created)


@router.get(
    "/v1/knowledge-base/articles", summary="The municipality's articles for editors, by last change"
)
async def list_articles(
    caller: CurrentCaller,
    state: State,
    status: ArticleState | None = None,
    language: Annotated[str, Query(max_length=3)] = "",
    page_size: PageSize = 50,
    page_token: PageToken = "",
) -> ArticlePage:
    found = await state.call(
        state.guidance.ListArticles,
        pb.ListArticlesRequest(
            status=ARTICLE_STATES.get(status, 0),
            language=language,
            page_size=page_size,
            page_token=page_token,
        ),
        caller,
    )
    return ArticlePage(
        items=[Article.of(a) for a in found.articles],
        next_page_token=found.next_page_token or None,
    )


@router.post(
    "/v1/knowledge-base/search",
    summary="Search published articles (everyone signed in, clients included)",
    description=(
        'Words match by their base form ("asunnon" finds "asunto"); any word may match, and '
        "articles matching more and rarer words, in the question rather than the answer, rank "
        "first."
    ),
)
async def search_articles(body: ArticleSearch, caller: CurrentCaller, state: State) -> SearchPage:
    found = await state.call(state.guidance.SearchArticles, body.message(), caller)
    return SearchPage(
        items=[SearchHit(article=Article.of(h.article), score=h.score) for h in found.hits],
        next_page_token=found.next_page_token or None,
    )


@router.get(
    "/v1/knowledge-base/articles/{article_id}",
    summary="Read an article (editors: the latest revision; others: the published one)",
)
async def get_article(
    article_id: str, response: Response, caller: CurrentCaller, state: State
) -> Article:
    found = await state.call(
        state.guidance.GetArticle, pb.GetArticleRequest(article_id=article_id), caller
    )
    return _article(response, found)


@router.patch(
    "/v1/knowledge-base/articles/{article_id}",
    summary="Edit an article (a published one gets a new draft revision)",
    responses=conflict("The article is in review"),
)
async def update_article(
    article_id: str,
    body: ArticlePatch,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Article:
    version = expected_version(if_match)
    content, paths = body.message_and_mask()
    request = pb.UpdateArticleRequest(
        article_id=article_id, content=content, expected_version=version
    )
    request.update_mask.paths.extend(paths)
    return _article(response, await state.call(state.guidance.UpdateArticle, request, caller))


async def _transition(
    state: GatewayState,
    caller: CurrentCaller,
    article_id: str,
    action: int,
    if_match: str | None,
    comment: str = "",
) -> pb.Article:
    return await state.call(
        state.guidance.TransitionArticle,
        pb.TransitionArticleRequest(
            article_id=article_id,
            action=action,  # type: ignore[arg-type]
            comment=comment,
            expected_version=expected_version(if_match),
        ),
        caller,
    )


@router.post(
    "/v1/knowledge-base/articles/{article_id}/submit",
    summary="Send the draft for review",
    responses=REVIEW,
)
async def submit_article(
    article_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Article:
    return _article(
        response,
        await _transition(state, caller, article_id, pb.ARTICLE_ACTION_SUBMIT, if_match),
    )


@router.post(
    "/v1/knowledge-base/articles/{article_id}/return",
    summary="Return the revision in review to its author, with a comment",
    responses=REVIEW,
)
async def return_article(
    article_id: str,
    body: ReturnIn,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Article:
    return _article(
        response,
        await _transition(
            state, caller, article_id, pb.ARTICLE_ACTION_RETURN, if_match, body.comment
        ),
    )


@router.post(
    "/v1/knowledge-base/articles/{article_id}/publish",
    summary="Publish the revision in review (someone who did not write or submit it)",
    responses=REVIEW,
)
async def publish_article(
    article_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Article:
    return _article(
        response,
        await _transition(state, caller, article_id, pb.ARTICLE_ACTION_PUBLISH, if_match),
    )


@router.post(
    "/v1/knowledge-base/articles/{article_id}/withdraw",
    summary="Take the published revision out of search",
    responses=REVIEW,
)
async def withdraw_article(
    article_id: str,
    response: Response,
    caller: CurrentCaller,
    state: State,
    if_match: IfMatch = None,
) -> Article:
    return _article(
        response,
        await _transition(state, caller, article_id, pb.ARTICLE_ACTION_WITHDRAW, if_match),
    )


@router.get(
    "/v1/knowledge-base/articles/{article_id}/revisions",
    summary="Every revision of an article, oldest first (editors)",
)
async def list_revisions(
    article_id: str, caller: CurrentCaller, state: State
) -> list[ArticleRevision]:
    found = await state.call(
        state.guidance.ListArticleRevisions,
        pb.ListArticleRevisionsRequest(article_id=article_id),
        caller,
    )
    return [ArticleRevision.of(r) for r in found.revisions]
