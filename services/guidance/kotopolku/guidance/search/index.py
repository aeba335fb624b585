"""The search index of published articles on each database.

PostgreSQL: a ``tsvector`` per article built with the text-search configuration of the article's
language (``finnish``, ``swedish``, ``english``, ``arabic``, else ``simple``), plus the Finnish
base forms from :mod:`.finnish` under ``simple``; question weighted A, answer B; ranked with
``ts_rank``. SQLite: an FTS5 table holding the terms of :class:`~.terms.TermAnalyser` (stems and
base forms), ranked with ``bm25`` (question twice the weight of the answer). Queries match any of
their words on both, so the same searches find the same articles; scores differ in scale.

Results come in keyset pages ordered by (score descending, article id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.guidance.search.terms import (
    SIMPLE_CONFIGURATION,
    SNOWBALL_LANGUAGES,
    TermAnalyser,
    configuration,
    query_words,
)
from kotopolku.guidance.tables import article_search


@dataclass(frozen=True, slots=True)
class IndexedArticle:
    article_id: str
    municipality_code: str
    language: str
    revision: int
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class SearchFilter:
    query: str
    # Empty: every language.
    languages: tuple[str, ...]
    municipality: str | None


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: str
    score: float


class ArticleIndex(Protocol):
    async def put(self, connection: AsyncConnection, article: IndexedArticle) -> None: ...

    async def remove(self, connection: AsyncConnection, article_id: str) -> None: ...

    async def search(
        self,
        connection: AsyncConnection,
        wanted: SearchFilter,
        after: tuple[float, str] | None,
        limit: int,
    ) -> list[Hit]: ...


def _filters(wanted: SearchFilter, params: dict[str, object]) -> str:
    clauses = []
    if wanted.languages:
        names = []
        for index, language in enumerate(wanted.languages):
            params[f"language_{index}"] = language
            names.append(f":language_{index}")
        clauses.append(f"s.language IN ({', '.join(names)})")
    if wanted.municipality:
        params["municipality"] = wanted.municipality
        clauses.append("s.municipality_code = :municipality")
    return "".join(f" AND {clause}" for clause in clauses)


def _page(params: dict[str, object], after: tuple[float, str] | None, limit: int) -> str:
    params["limit"] = limit
    if after is None:
        return ""
    params["after_score"], params["after_id"] = after
    return "WHERE score < :after_score OR (score = :after_score AND article_id > :after_id)"


def _hits(rows: Sequence[sa.Row[Any]]) -> list[Hit]:
    return [Hit(str(row.article_id), float(row.score)) for row in rows]


class PostgresArticleIndex:
    def __init__(self, terms: TermAnalyser) -> None:
        self._terms = terms

    async def put(self, connection: AsyncConnection, article: IndexedArticle) -> None:
        await self.remove(connection, article.article_id)
        await connection.execute(
            sa.text(
                "INSERT INTO article_search "
                "(article_id, municipality_code, language, revision, document) VALUES "
                "(:article_id, :municipality, :language, :revision, "
                " setweight(to_tsvector(CAST(:config AS regconfig), :question), 'A')"
                " || setweight(to_tsvector(CAST(:config AS regconfig), :answer), 'B')"
                " || setweight(to_tsvector('simple', :question_bases), 'A')"
                " || setweight(to_tsvector('simple', :answer_bases), 'B'))"
            ),
            {
                "article_id": article.article_id,
                "municipality": article.municipality_code,
                "language": article.language,
                "revision": article.revision,
                "config": configuration(article.language),
                "question": article.question,
                "answer": article.answer,
                "question_bases": " ".join(
                    self._terms.base_form_terms(article.question, article.language)
                ),
                "answer_bases": " ".join(
                    self._terms.base_form_terms(article.answer, article.language)
                ),
            },
        )

    async def remove(self, connection: AsyncConnection, article_id: str) -> None:
        await connection.execute(
            sa.delete(article_search).where(article_search.c.article_id == article_id)
        )

    async def search(
        self,
        connection: AsyncConnection,
        wanted: SearchFilter,
        after: tuple[float, str] | None,
        limit: int,
    ) -> list[Hit]:
        plain = query_words(wanted.query)
        if not plain:
            return []
        languages = wanted.languages or (*SNOWBALL_LANGUAGES, "")
        # Configuration names come from the fixed table above, never from the request.
        configs = sorted({configuration(language) for language in languages})
        params: dict[str, object] = {"words": " or ".join(plain)}
        parts = [f"websearch_to_tsquery('{config}', :words)" for config in configs]
        bases = sorted(self._terms.query_base_forms(wanted.query)) if "fi" in languages else []
        if bases:
            params["bases"] = " | ".join(f"'{base}'" for base in bases)
            parts.append("to_tsquery('simple', :bases)")
        assert all(c in (*SNOWBALL_LANGUAGES.values(), SIMPLE_CONFIGURATION) for c in configs)
        statement = sa.text(
            f"WITH q AS (SELECT {' || '.join(parts)} AS query), "  # noqa: S608 (fixed names)
            "hits AS (SELECT s.article_id, CAST(ts_rank(s.document, q.query) AS float8) AS score"
            " FROM article_search s, q WHERE numnode(q.query) > 0 AND s.document @@ q.query"
            f"{_filters(wanted, params)}) "
            f"SELECT article_id, score FROM hits {_page(params, after, limit)} "
            "ORDER BY score DESC, article_id LIMIT :limit"
        )
        return _hits((await connection.execute(statement, params)).all())


class SqliteArticleIndex:
    def __init__(self, terms: TermAnalyser) -> None:
        self._terms = terms

    async def put(self, connection: AsyncConnection, article: IndexedArticle) -> None:
        await self.remove(connection, article.article_id)
        await connection.execute(
            sa.insert(article_search).values(
                article_id=article.article_id,
                municipality_code=article.municipality_code,
                language=article.language,
                revision=article.revision,
            )
        )
        await connection.execute(
            sa.text(
                "INSERT INTO article_search_terms (article_id, question, answer) "
                "VALUES (:article_id, :question, :answer)"
            ),
            {
                "article_id": article.article_id,
                "question": " ".join(
                    self._terms.document_terms(article.question, article.language)
                ),
                "answer": " ".join(self._terms.document_terms(article.answer, article.language)),
            },
        )

    async def remove(self, connection: AsyncConnection, article_id: str) -> None:
        await connection.execute(
            sa.text("DELETE FROM article_search_terms WHERE article_id = :article_id"),
            {"article_id": article_id},
        )
        await connection.execute(
            sa.delete(article_search).where(article_search.c.article_id == article_id)
        )

    async def search(
        self,
        connection: AsyncConnection,
        wanted: SearchFilter,
        after: tuple[float, str] | None,
        limit: int,
    ) -> list[Hit]:
        languages = wanted.languages or (*SNOWBALL_LANGUAGES, "")
        terms = self._terms.query_terms(wanted.query, languages)
        if not terms:
            return []
        # Each term quoted: FTS5 then reads it as a plain string, never as query syntax.
        params: dict[str, object] = {"match": " OR ".join(f'"{term}"' for term in sorted(terms))}
        statement = sa.text(
            "WITH hits AS MATERIALIZED (SELECT s.article_id AS article_id,"  # noqa: S608
            " -bm25(article_search_terms, 0.0, 2.0, 1.0) AS score FROM article_search_terms"
            " JOIN article_search s ON s.article_id = article_search_terms.article_id"
            f" WHERE article_search_terms MATCH :match{_filters(wanted, params)}) "
            f"SELECT article_id, score FROM hits {_page(params, after, limit)} "
            "ORDER BY score DESC, article_id LIMIT :limit"
        )
        return _hits((await connection.execute(statement, params)).all())


def article_index(is_sqlite: bool, terms: TermAnalyser) -> ArticleIndex:
    return SqliteArticleIndex(terms) if is_sqlite else PostgresArticleIndex(terms)
