"""Client search: one page of a municipality's clients in (sort name, id) order.

What matches is defined in :mod:`kotopolku.clients.domain.names`: every token of the name must
match one of the client's search keys, exactly (folded token or phonetic key) or, for tokens of
two or more characters, as a prefix of a folded token; a henkilötunnus, a date of birth and a
status narrow the search further.

How it is found depends on what narrows it, because the matches of a name cluster in the sort
order (all "Nguyen" sort under "n"), which a query planner cannot know:

* With a henkilötunnus or a date of birth, the clients table's own indexes find a handful of
  clients, and their keys are tested against the name.
* With a name alone (or with a status), the page comes from the key index
  ``(municipality_code, search_key, sort_name, client_id)``, which holds each of a
  municipality's keys already in page order. A prefix is first expanded into the folded tokens
  that start with it (a loose index scan: one probe per distinct token). Each token then becomes
  the ordered union of one index range per key it can match; the tokens' streams are
  intersected by a merge on (sort_name, client_id), starting at the first sort name where every
  token has an entry (found by one probe per key), and only the page's clients are read. The
  work is about a page's worth of index entries per key, however many clients share a name. A
  prefix that expands into very many tokens falls back to collecting every match of each token
  and intersecting them.
* Without either, the clients table is read in order through its own index.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.clients.domain import names
from kotopolku.clients.tables import client_search_keys, clients

# Above this many folded tokens for one prefix the merge would open too many index ranges; the
# matches are then collected and intersected instead.
MAX_PREFIX_EXPANSION: Final = 64
# The largest ASCII character: a key range [prefix, prefix + "\x7f") holds every key starting
# with the prefix (keys are lower-case ASCII).
_AFTER_ASCII: Final = "\x7f"


@dataclass(frozen=True, slots=True)
class SearchFilters:
    municipality: str
    name: str = ""
    henkilotunnus: str | None = None
    date_of_birth: date | None = None
    status: str | None = None


async def search_clients(
    connection: AsyncConnection,
    filters: SearchFilters,
    after: tuple[str, str] | None,
    limit: int,
    *,
    max_prefix_expansion: int = MAX_PREFIX_EXPANSION,
) -> Sequence[Row[Any]]:
    """One page (at most ``limit`` clients) after the (sort_name, id) position ``after``.

    On PostgreSQL a search by name sets planner options for the rest of the transaction
    (:data:`_PLANNING_FOR_MERGE`): call it in a transaction of its own (with its audit records).
    """
    query = sa.select(clients).where(clients.c.municipality_code == filters.municipality)
    if filters.henkilotunnus is not None:
        query = query.where(clients.c.henkilotunnus == filters.henkilotunnus)
    if filters.date_of_birth is not None:
        query = query.where(clients.c.date_of_birth == filters.date_of_birth)
    if filters.status is not None:
        query = query.where(clients.c.status == filters.status)
    tokens = names.query_keys(filters.name)
    if not tokens or filters.henkilotunnus is not None or filters.date_of_birth is not None:
        for token in tokens:
            query = query.where(_has_key(clients.c.id, _token_condition(token)))
        if after is not None:
            query = query.where(sa.tuple_(clients.c.sort_name, clients.c.id) > sa.tuple_(*after))
        query = query.order_by(clients.c.sort_name, clients.c.id).limit(limit)
        return (await connection.execute(query)).all()

    municipality = filters.municipality
    expanded = await _expand_prefixes(connection, tokens, municipality, max_prefix_expansion)
    if expanded is None:
        matched = _ordered(_collected_matches(tokens, municipality, after))
        query = (
            query.join(matched, matched.c.client_id == clients.c.id)
            .order_by(matched.c.sort_name, matched.c.client_id)
            .limit(limit)
        )
        return (await connection.execute(query)).all()
    keys = [sorted(token_keys) for token_keys in expanded]
    shape = tuple(len(token_keys) for token_keys in keys)
    params: dict[str, Any] = {"m": municipality, "lim": limit}
    params.update(
        (f"k{index}_{number}", key)
        for index, token_keys in enumerate(keys)
        for number, key in enumerate(token_keys)
    )
    if after is not None:
        params["as"], params["ai"] = after
    postgres = connection.dialect.name == "postgresql"
    firsts = (
        await connection.execute(_probe_sql(shape, after is not None, postgres), params)
    ).one()
    start = _start(shape, firsts)
    if start is None:
        return []
    params["s"] = start
    if filters.status is not None:
        params["st"] = filters.status
    statement = _merge_sql(shape, after is not None, filters.status is not None)
    return (await connection.execute(statement, params)).all()


# The planner cannot estimate how many clients share keys, and then often prefers hashing every
# match (and sorting them) to merging the ordered ranges until the page is full; and a plan made
# once for any names would not suit the next. Set (for the rest of the transaction) just before
# the merging statement is planned: hashing is ruled out and plans are made for the names at
# hand. The search's transaction writes only its audit records after it.
_PLANNING_FOR_MERGE: Final = (
    "set_config('enable_hashagg', 'off', true)",
    "set_config('enable_hashjoin', 'off', true)",
    "set_config('plan_cache_mode', 'force_custom_plan', true)",
)


def _has_key(client_id: sa.ColumnElement[Any], condition: sa.ColumnElement[bool]) -> Any:
    """Whether the client has a search key meeting ``condition`` (a probe of the client's
    few keys in the (client_id, search_key) index)."""
    keys = client_search_keys
    return sa.exists().where(keys.c.client_id == client_id, condition)


def _token_condition(token: names.QueryToken) -> sa.ColumnElement[bool]:
    key = client_search_keys.c.search_key
    condition: sa.ColumnElement[bool] = key.in_(sorted(token.keys))
    if token.prefix is not None:
        condition = sa.or_(
            condition, sa.and_(key >= token.prefix, key < token.prefix + _AFTER_ASCII)
        )
    return condition


# --- the merge of ordered key ranges ------------------------------------------------------


async def _expand_prefixes(
    connection: AsyncConnection,
    tokens: Sequence[names.QueryToken],
    municipality: str,
    limit: int,
) -> list[frozenset[str]] | None:
    """Every key each token can match in the municipality: its exact keys and the folded
    tokens that start with it. None when a prefix has more than ``limit`` of them."""
    expanded: list[frozenset[str]] = []
    for token in tokens:
        keys = set(token.keys)
        if token.prefix is not None:
            params = {
                "m": municipality,
                "p": token.prefix,
                "u": token.prefix + _AFTER_ASCII,
                "lim": limit + 1,
            }
            starting = set((await connection.execute(_PREFIX_KEYS, params)).scalars())
            if len(starting) > limit:
                return None
            keys |= starting
        expanded.append(frozenset(keys))
    return expanded


# The statements of the merge are written as SQL: they are built for every search, from many
# small parts, and building them with the expression language cost more than running them.
# They are the same on PostgreSQL and SQLite, built (and cached) per shape from constant parts
# and numbers only; every value is a bound parameter, never interpolated.

# The distinct keys in [:p, :u) of the municipality, in order: a loose index scan (one probe
# of the key index per distinct key, not one per client).
_PREFIX_KEYS: Final = sa.text(
    "WITH RECURSIVE prefix_keys(key) AS ("
    " SELECT (SELECT min(search_key) FROM client_search_keys"
    " WHERE municipality_code = :m AND search_key >= :p AND search_key < :u)"
    " UNION ALL"
    " SELECT (SELECT min(search_key) FROM client_search_keys"
    " WHERE municipality_code = :m AND search_key > prefix_keys.key AND search_key < :u)"
    " FROM prefix_keys WHERE prefix_keys.key IS NOT NULL)"
    " SELECT key FROM prefix_keys WHERE key IS NOT NULL LIMIT :lim"
)


def _range_sql(index: int, number: int, after: bool, start: bool) -> str:
    """(sort_name, client_id) of the municipality's entries of one key (:k<index>_<number>),
    after the page cursor and from :s on: one range of the key index, in its order."""
    sql = (
        "SELECT sort_name, client_id FROM client_search_keys"  # noqa: S608 (see above)
        f" WHERE municipality_code = :m AND search_key = :k{index}_{number}"
    )
    if start:
        sql += " AND sort_name >= :s"
    if after:
        sql += " AND (sort_name, client_id) > (:as, :ai)"
    return sql + " ORDER BY sort_name, client_id"


@functools.lru_cache(maxsize=512)
def _probe_sql(shape: tuple[int, ...], after: bool, postgres: bool) -> sa.TextClause:
    """The first sort name of each key's range: one index probe each. On PostgreSQL the same
    statement sets the planning of the merge that follows (:data:`_PLANNING_FOR_MERGE`)."""
    probes = [
        f"({_range_sql(index, number, after, False).replace(', client_id FROM', ' FROM', 1)}"
        " LIMIT 1)"
        for index, count in enumerate(shape)
        for number in range(count)
    ]
    if postgres:
        probes += _PLANNING_FOR_MERGE
    return sa.text("SELECT " + ", ".join(probes))


def _start(shape: tuple[int, ...], firsts: Sequence[Any]) -> str | None:
    """The first sort name at which every token has an entry at or before it: no client
    sorting before it can match them all, so the merge starts there (instead of reading, say,
    every "Ali" before the first "Al-Tamimi"). None when some token matches nobody."""
    values = iter(firsts)
    start = ""
    for count in shape:
        found = [value for value in (next(values) for _ in range(count)) if value is not None]
        if not found:
            return None
        start = max(start, min(found))
    return start


@functools.lru_cache(maxsize=512)
def _merge_sql(shape: tuple[int, ...], after: bool, status: bool) -> sa.TextualSelect:
    """A page of the clients every token matches, in (sort_name, id) order.

    Each token's stream is the merge of one ordered index range per key (each range ordered
    in a subquery of its own, so that the planner merges them instead of sorting or hashing
    all they hold); the tokens' streams are intersected by a merge on (sort_name, client_id).
    Everything starts at :s and is read only up to the end of the page; then only the page's
    clients are read."""
    streams = []
    for index, count in enumerate(shape):
        ranges = " UNION ALL ".join(
            "SELECT r.sort_name, r.client_id"  # noqa: S608 (see above)
            f" FROM ({_range_sql(index, number, after, True)}) AS r"
            for number in range(count)
        )
        streams.append(
            "(SELECT DISTINCT sort_name, client_id"  # noqa: S608 (see above)
            f" FROM ({ranges}) AS u ORDER BY sort_name, client_id) AS t{index}"
        )
    joins = "".join(
        f" JOIN {stream} ON t{index}.sort_name = t0.sort_name AND t{index}.client_id = t0.client_id"
        for index, stream in enumerate(streams[1:], start=1)
    )
    matched = "SELECT t0.sort_name, t0.client_id FROM " + streams[0] + joins  # noqa: S608
    columns = ", ".join(f"clients.{column.name}" for column in clients.c)
    sql = (
        f"SELECT {columns} FROM clients"  # noqa: S608 (see above)
        f" JOIN ({matched}) AS matched"
        " ON matched.client_id = clients.id WHERE clients.municipality_code = :m"
    )
    if status:
        sql += " AND clients.status = :st"
    sql += " ORDER BY matched.sort_name, matched.client_id LIMIT :lim"
    return sa.text(sql).columns(*clients.c)


# --- collecting the matches ---------------------------------------------------------------


def _collected_matches(
    tokens: Sequence[names.QueryToken], municipality: str, after: tuple[str, str] | None
) -> sa.Subquery:
    """(client_id, sort_name) of the municipality's clients that every token matches, once."""
    sets = [_token_matches(token, municipality, after) for token in tokens]
    if len(sets) == 1:
        return sa.select(sets[0].c.client_id, sets[0].c.sort_name).distinct().subquery("matched")
    return sa.intersect(
        *(sa.select(found.c.client_id, found.c.sort_name) for found in sets)
    ).subquery("matched")


def _ordered(matched: sa.Subquery) -> sa.Subquery:
    # Ordered first and fenced off (OFFSET 0), so that the page is taken from the narrow,
    # ordered matches and only its clients are read, rather than every match joined first.
    return (
        sa.select(matched.c.client_id, matched.c.sort_name)
        .order_by(matched.c.sort_name, matched.c.client_id)
        .offset(0)
        .subquery("ordered")
    )


def _token_matches(
    token: names.QueryToken, municipality: str, after: tuple[str, str] | None
) -> sa.Subquery:
    """(client_id, sort_name) of the municipality's clients that one query token matches:
    an exact folded token or phonetic key, or a folded token starting with the query token.
    Each part is one range of the key index (a union, not OR, so both stay index-only)."""
    keys = client_search_keys

    def part(match: sa.ColumnElement[bool]) -> sa.Select[Any]:
        query = sa.select(keys.c.client_id, keys.c.sort_name).where(
            keys.c.municipality_code == municipality, match
        )
        if after is not None:
            query = query.where(sa.tuple_(keys.c.sort_name, keys.c.client_id) > sa.tuple_(*after))
        return query

    parts = [part(keys.c.search_key.in_(sorted(token.keys)))]
    if token.prefix is not None:
        upper = token.prefix + _AFTER_ASCII
        parts.append(part(sa.and_(keys.c.search_key >= token.prefix, keys.c.search_key < upper)))
    return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery()
