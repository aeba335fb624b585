"""RPCs of the knowledge base: writing, reviewing and publishing articles, and searching the
published ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common import pagination
from kotopolku.common.errors import (
    AlreadyExists,
    InvalidArgument,
    InvalidState,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from kotopolku.common.identity import Caller, current_caller
from kotopolku.common.requests import expected_version, resource_id
from kotopolku.guidance import access, convert, repository
from kotopolku.guidance.domain import (
    MAX_COMMENT_LENGTH,
    ArticleAction,
    ArticleStatus,
    EditMode,
    InvalidTransition,
    SelfPublishing,
    check_publisher,
    check_translation_language,
    edit_mode,
    require_comment,
    transition,
    validate_text,
)
from kotopolku.guidance.enums import from_proto
from kotopolku.guidance.rpc_support import (
    Context,
    RpcBase,
    fingerprint,
    idempotency_key,
    subjectless_entry,
)
from kotopolku.guidance.search.index import IndexedArticle, SearchFilter
from kotopolku.guidance.v1 import guidance_pb2 as pb
from kotopolku.guidance.validation import (
    ARTICLE_UPDATABLE,
    article_content,
    checked,
    language,
    update_mask,
)

MAX_SEARCH_LENGTH = 500
MAX_SEARCH_LANGUAGES = 10


def _article_entry(row: Any, action: str, fields: tuple[str, ...] = ()) -> Any:
    return subjectless_entry("articles", row, action, fields)


class ArticleRpcs(RpcBase):
    async def _latest(self, connection: AsyncConnection, row: Any) -> Any:
        revision = await repository.get_revision(connection, row.id, row.revision)
        assert revision is not None, "an article always has its latest revision"
        return revision

    async def _editor_message(self, connection: AsyncConnection, row: Any) -> pb.Article:
        revision = await self._latest(connection, row)
        siblings = [
            a
            for a in await repository.group_articles(connection, row.translation_group)
            if a.id != row.id
        ]
        return convert.article_message(row, revision, siblings, for_editor=True)

    async def _reader_message(
        self, connection: AsyncConnection, row: Any, revision: Any
    ) -> pb.Article:
        siblings = [
            a
            for a in await repository.group_articles(connection, row.translation_group)
            if a.id != row.id and a.published_revision is not None
        ]
        return convert.article_message(row, revision, siblings, for_editor=False)

    async def _own(self, connection: AsyncConnection, municipality: str, article_id: str) -> Any:
        """An article of the editor's municipality; others answer as missing."""
        row = await repository.get_article(
            connection, resource_id(article_id, "article_id", "article")
        )
        if row is None or row.municipality_code != municipality:
            raise NotFound("No such article")
        return row

    async def CreateArticle(self, request: pb.CreateArticleRequest, context: Context) -> pb.Article:
        caller = current_caller()
        municipality = access.editor(caller)
        code = language(request.language)
        content = article_content(request.content)
        key = idempotency_key(request.idempotency_key)
        digest = fingerprint(request)
        now = self._now()
        async with self._db.transaction() as connection:
            existing = await self._replay(connection, caller, key, "CreateArticle", digest)
            if existing is not None:
                row = await repository.get_article(connection, existing)
                assert row is not None
                return await self._editor_message(connection, row)
            article_id = repository.new_id()
            group = article_id
            if request.translation_of:
                original = await self._own(connection, municipality, request.translation_of)
                group = original.translation_group
                languages = [a.language for a in await repository.group_articles(connection, group)]
                checked("language", lambda: check_translation_language(code, languages))
            try:
                row = await repository.insert_article(
                    connection,
                    {
                        "id": article_id,
                        "version": 1,
                        "municipality_code": municipality,
                        "language": code,
                        "translation_group": group,
                        "status": ArticleStatus.DRAFT.value,
                        "revision": 1,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                await repository.insert_revision(
                    connection,
                    {
                        **content,
                        "article_id": article_id,
                        "revision": 1,
                        "authors": [caller.subject],
                        "created_at": now,
                    },
                )
                await self._remember(connection, caller, key, "CreateArticle", digest, article_id)
            except IntegrityError as error:
                raise AlreadyExists("The translation was created concurrently") from error
            await self._audit.record(
                connection, caller, [_article_entry(row, "article.create", ("content",))]
            )
            return await self._editor_message(connection, row)

    async def GetArticle(self, request: pb.GetArticleRequest, context: Context) -> pb.Article:
        caller = current_caller()
        municipality = access.editor_of(caller)
        article_id = resource_id(request.article_id, "article_id", "article")
        async with self._db.transaction() as connection:
            row = await repository.get_article(connection, article_id)
            if row is not None and row.municipality_code == municipality:
                return await self._editor_message(connection, row)
            published = await repository.published_articles(connection, [article_id])
            if article_id not in published:
                raise NotFound("No such article")
            article, revision = published[article_id]
            return await self._reader_message(connection, article, revision)

    async def UpdateArticle(self, request: pb.UpdateArticleRequest, context: Context) -> pb.Article:
        caller = current_caller()
        municipality = access.editor(caller)
        paths = update_mask(list(request.update_mask.paths), ARTICLE_UPDATABLE)
        expected_version(request.expected_version)
        now = self._now()
        async with self._db.transaction() as connection:
            row = await self._own(connection, municipality, request.article_id)
            try:
                mode = edit_mode(ArticleStatus(row.status))
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            latest = await self._latest(connection, row)
            merged = convert.content_message(latest)
            for path in paths:
                if path == "topics":
                    merged.ClearField("topics")
                    merged.topics.extend(request.content.topics)
                else:
                    setattr(merged, path, getattr(request.content, path))
            content = article_content(merged)
            if mode is EditMode.IN_PLACE:
                authors = sorted({*latest.authors, caller.subject})
                await repository.update_revision(
                    connection, row.id, row.revision, {**content, "authors": authors}
                )
                changes: dict[str, Any] = {"review_comment": None}
            else:
                await repository.insert_revision(
                    connection,
                    {
                        **content,
                        "article_id": row.id,
                        "revision": row.revision + 1,
                        "authors": [caller.subject],
                        "created_at": now,
                    },
                )
                changes = {
                    "revision": row.revision + 1,
                    "status": ArticleStatus.DRAFT.value,
                    "review_comment": None,
                }
            if not await repository.update_article(
                connection, row.id, request.expected_version, changes, now
            ):
                raise StaleVersion(
                    f"The article is at version {row.version}, not {request.expected_version}"
                )
            updated = await repository.get_article(connection, row.id)
            await self._audit.record(
                connection,
                caller,
                [_article_entry(updated, "article.update", tuple(sorted(paths)))],
            )
            return await self._editor_message(connection, updated)

    async def TransitionArticle(
        self, request: pb.TransitionArticleRequest, context: Context
    ) -> pb.Article:
        caller = current_caller()
        municipality = access.editor(caller)
        action = from_proto(ArticleAction, request.action)
        if action is None:
            raise InvalidArgument.field("action", "is required: SUBMIT, RETURN, PUBLISH, WITHDRAW")
        comment = checked(
            "comment",
            lambda: validate_text(request.comment, field="comment", max_length=MAX_COMMENT_LENGTH),
        )
        checked("comment", lambda: require_comment(action, comment))
        expected_version(request.expected_version)
        now = self._now()
        async with self._db.transaction() as connection:
            row = await self._own(connection, municipality, request.article_id)
            revision = await self._latest(connection, row)
            try:
                after = transition(
                    ArticleStatus(row.status), action, has_live=row.published_revision is not None
                )
                if action is ArticleAction.PUBLISH:
                    check_publisher(caller.subject, revision.authors, revision.submitted_by)
            except SelfPublishing as error:
                raise PermissionDenied(error.message) from None
            except InvalidTransition as error:
                raise InvalidState(error.message) from None
            changes = await self._apply(connection, row, revision, action, caller, comment, now)
            changes["status"] = after.value
            if not await repository.update_article(
                connection, row.id, request.expected_version, changes, now
            ):
                raise StaleVersion(
                    f"The article is at version {row.version}, not {request.expected_version}"
                )
            updated = await repository.get_article(connection, row.id)
            await self._audit.record(
                connection,
                caller,
                [_article_entry(updated, f"article.{action.value.lower()}", ("status",))],
            )
            return await self._editor_message(connection, updated)

    async def _apply(
        self,
        connection: AsyncConnection,
        row: Any,
        revision: Any,
        action: ArticleAction,
        caller: Caller,
        comment: str,
        now: datetime,
    ) -> dict[str, Any]:
        """The side effects of an action on the revision and the search index; returns the
        article's changed columns."""
        if action is ArticleAction.SUBMIT:
            await repository.update_revision(
                connection, row.id, row.revision, {"submitted_by": caller.subject}
            )
            return {"review_comment": None}
        if action is ArticleAction.RETURN:
            await repository.update_revision(
                connection, row.id, row.revision, {"submitted_by": None}
            )
            return {"review_comment": comment}
        if action is ArticleAction.PUBLISH:
            await repository.update_revision(
                connection,
                row.id,
                row.revision,
                {"published_by": caller.subject, "published_at": now},
            )
            await self._index.put(
                connection,
                IndexedArticle(
                    article_id=row.id,
                    municipality_code=row.municipality_code,
                    language=row.language,
                    revision=row.revision,
                    question=revision.question,
                    answer=revision.answer,
                ),
            )
            return {"published_revision": row.revision, "published_at": now, "review_comment": None}
        await self._index.remove(connection, row.id)
        return {"published_revision": None}

    async def ListArticles(
        self, request: pb.ListArticlesRequest, context: Context
    ) -> pb.ListArticlesResponse:
        municipality = access.editor(current_caller())
        status = from_proto(ArticleStatus, request.status)
        if request.status and status is None:
            raise InvalidArgument.field("status", "is not a known article status")
        code = language(request.language) if request.language else None
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        try:
            after = (
                (datetime.fromisoformat(str(position["u"])), str(position["i"]))
                if position
                else None
            )
        except (KeyError, ValueError):
            raise InvalidArgument.field("page_token", "is not a token this API issued") from None
        filters = repository.ArticleFilters(municipality, status.value if status else None, code)
        async with self._db.transaction() as connection:
            rows = list(await repository.list_articles(connection, filters, after, size + 1))
            page = rows[:size]
            messages = [await self._editor_message(connection, r) for r in page]
        token = (
            pagination.encode_token({"u": page[-1].updated_at.isoformat(), "i": page[-1].id})
            if len(rows) > size
            else ""
        )
        return pb.ListArticlesResponse(articles=messages, next_page_token=token)

    async def ListArticleRevisions(
        self, request: pb.ListArticleRevisionsRequest, context: Context
    ) -> pb.ListArticleRevisionsResponse:
        municipality = access.editor(current_caller())
        async with self._db.transaction() as connection:
            row = await self._own(connection, municipality, request.article_id)
            revisions = await repository.list_revisions(connection, row.id)
        return pb.ListArticleRevisionsResponse(
            revisions=[convert.revision_message(r, row) for r in revisions]
        )

    async def SearchArticles(
        self, request: pb.SearchArticlesRequest, context: Context
    ) -> pb.SearchArticlesResponse:
        access.knowledge_reader(current_caller())
        query = checked(
            "query",
            lambda: validate_text(
                request.query, field="query", max_length=MAX_SEARCH_LENGTH, required=True
            ),
        )
        if len(request.languages) > MAX_SEARCH_LANGUAGES:
            raise InvalidArgument.field(
                "languages", f"name at most {MAX_SEARCH_LANGUAGES} languages"
            )
        languages = tuple(
            sorted({language(code, f"languages[{i}]") for i, code in enumerate(request.languages)})
        )
        municipality = request.municipality_code.strip() or None
        if municipality is not None and not (municipality.isdigit() and len(municipality) == 3):
            raise InvalidArgument.field("municipality_code", "must be a three-digit code")
        size = pagination.page_size(request.page_size)
        position = pagination.decode_token(request.page_token)
        try:
            after = (float(position["s"]), str(position["i"])) if position else None
        except (KeyError, TypeError, ValueError):
            raise InvalidArgument.field("page_token", "is not a token this API issued") from None
        wanted = SearchFilter(query=query, languages=languages, municipality=municipality)
        async with self._db.transaction() as connection:
            hits = await self._index.search(connection, wanted, after, size + 1)
            page = hits[:size]
            found = await repository.published_articles(connection, [h.article_id for h in page])
            results = [
                pb.SearchHit(
                    article=await self._reader_message(connection, *found[h.article_id]),
                    score=h.score,
                )
                for h in page
                if h.article_id in found
            ]
        token = (
            pagination.encode_token({"s": page[-1].score, "i": page[-1].article_id})
            if len(hits) > size
            else ""
        )
        return pb.SearchArticlesResponse(hits=results, next_page_token=token)
