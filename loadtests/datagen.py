"""Generates a realistic client population straight into the services' PostgreSQL databases.

    .venv/bin/python loadtests/datagen.py \\
        --database-server postgresql+psycopg://postgres@127.0.0.1:55432/postgres --clients 1000000

Writes the databases ``<prefix>_clients``, ``<prefix>_assessment``, ``<prefix>_plans`` and
``<prefix>_audit`` on the server (prefix ``kotopolku``: the databases ``scripts/stack.sh`` gives
the services with ``KOTOPOLKU_DB_SERVER``), after applying each service's own migrations, so that
the real services serve the population as if they had recorded it themselves:

* clients in households across eleven municipalities (Helsinki 30 %, Espoo, Vantaa, Tampere,
  Turku, ...), with the names, languages and arrival routes (segment and residence permit) of
  the larger immigrant groups (:mod:`loadtests.population`); a temporary henkilötunnus (individual
  number 900-999, valid check character, never a real person's) for about three in four; Finnish
  contact details; family links between spouses and between parents and children; statuses;
* the search keys, sort names and identifiers computed by the clients service's own functions;
* for most adults a service-need assessment (basic, or multi-sector with the welfare area for
  quota refugees), completed with an outcome; where it calls for one an integration plan with
  goals and agreed services, submitted, approved by the officer and the client, reviewed every
  six months and ended by a review when its period is over (:mod:`loadtests.histories`);
* the audit trail of all that (record made, family linked, assessment made and completed, plan
  drafted, submitted, approved, reviewed, and ``--reads-per-client`` officers' reads on
  average), in time order, sealed into one hash chain with the audit service's own functions, so
  that ``VerifyChain`` checks every entry.

Rows go in with ``COPY`` in chunks, one transaction per chunk and database; afterwards every
database is vacuumed and analysed. The generation is deterministic for a given ``--seed``,
``--clients`` and moment. The databases are stamped (``COMMENT ON DATABASE``) with what they
hold; ``--if-missing`` leaves a population with the same stamp alone (the bench's cache), and
existing databases are only ever replaced with ``--replace``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import operator
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from kotopolku.assessment import service as assessment_service  # noqa: E402
from kotopolku.assessment import tables as assessment_tables  # noqa: E402
from kotopolku.assessment.domain.model import PLAN_OUTCOMES  # noqa: E402
from kotopolku.audit import chain  # noqa: E402
from kotopolku.audit import service as audit_service  # noqa: E402
from kotopolku.audit.repository import entry_row  # noqa: E402
from kotopolku.audit.tables import HEAD_ID, audit_entries  # noqa: E402
from kotopolku.clients import repository as clients_repository  # noqa: E402
from kotopolku.clients import service as clients_service  # noqa: E402
from kotopolku.clients import tables as clients_tables  # noqa: E402
from kotopolku.clients.domain import validate_email, validate_phone  # noqa: E402
from kotopolku.clients.domain.henkilotunnus import CHECK_CHARACTERS, Henkilotunnus  # noqa: E402
from kotopolku.clients.domain.model import ClientStatus, FamilyRelation  # noqa: E402
from kotopolku.clients.validation import CONTACT_FIELDS  # noqa: E402
from kotopolku.common import migrations  # noqa: E402
from kotopolku.common.server import ServiceDefinition  # noqa: E402
from kotopolku.plans import service as plans_service  # noqa: E402
from kotopolku.plans import tables as plans_tables  # noqa: E402
from loadtests import histories  # noqa: E402
from loadtests.histories import Actor, Happening, History, new_uuid  # noqa: E402
from loadtests.population import MUNICIPALITIES, Household, PopulationSampler  # noqa: E402

DEFAULT_PREFIX: Final = "kotopolku"
STAMP_PREFIX: Final = "kotopolku-datagen "
CHUNK_CLIENTS: Final = 20_000
# Crockford's base32 (the clients service's system identifiers: "KP" + 10 characters).
_ID_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# An odd multiplier: i -> i * M mod 32**10 is a bijection, so identifiers never collide.
_ID_MULTIPLIER: Final = 0x9E3779B97F4A7C15
_ID_SPACE: Final = 32**10


# --------------------------------------------------------------------------------------------
# Options and databases


@dataclass(frozen=True)
class Options:
    server: str
    clients: int
    prefix: str = DEFAULT_PREFIX
    seed: int = 1
    reads_per_client: float = 1.0
    years: float = 8.0
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def stamp(self) -> str:
        """What the databases hold, as recorded on them (the moment only to the day)."""
        return STAMP_PREFIX + json.dumps(
            {
                "clients": self.clients,
                "seed": self.seed,
                "reads_per_client": self.reads_per_client,
                "years": self.years,
                "day": self.now.date().isoformat(),
            },
            sort_keys=True,
        )


@dataclass(frozen=True)
class ServiceTarget:
    """One service's database: its definition (migrations) and the tables filled, in FK order."""

    definition: ServiceDefinition
    tables: tuple[sa.Table, ...]


TARGETS: Final = (
    ServiceTarget(
        clients_service.DEFINITION,
        (clients_tables.clients, clients_tables.client_search_keys, clients_tables.family_links),
    ),
    ServiceTarget(
        assessment_service.DEFINITION,
        (assessment_tables.assessments, assessment_tables.team_areas),
    ),
    ServiceTarget(
        plans_service.DEFINITION,
        (
            plans_tables.plans,
            plans_tables.plan_goals,
            plans_tables.plan_services,
            plans_tables.plan_approvals,
            plans_tables.plan_status_changes,
            plans_tables.plan_reviews,
        ),
    ),
    ServiceTarget(audit_service.DEFINITION, (audit_entries,)),
)


def database_name(prefix: str, service: str) -> str:
    return f"{prefix}_{service}"


def database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def stamps(server: str, prefix: str) -> dict[str, str | None]:
    """The stamp of each service database that exists (None: exists without a stamp)."""
    names = [database_name(prefix, t.definition.name) for t in TARGETS]
    with psycopg.connect(libpq_url(server), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = ANY(%s)",
            (names,),
        ).fetchall()
    return {str(name): (str(comment) if comment is not None else None) for name, comment in rows}


def prepare_databases(options: Options, *, replace: bool) -> None:
    """Creates each service's database (dropping it first with ``replace``) and migrates it."""
    existing = stamps(options.server, options.prefix)
    if existing and not replace:
        raise SystemExit(
            f"datagen: {', '.join(sorted(existing))} already exist; use --replace to drop them"
            " (or --if-missing to keep a population generated with the same options)"
        )
    with psycopg.connect(libpq_url(options.server), autocommit=True) as connection:
        for target in TARGETS:
            name = database_name(options.prefix, target.definition.name)
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
            connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    for target in TARGETS:
        url = database_url(options.server, database_name(options.prefix, target.definition.name))
        assert target.definition.migrations is not None
        migrations.upgrade(url, target.definition.name, target.definition.migrations)


def stamp_databases(options: Options) -> None:
    with psycopg.connect(libpq_url(options.server), autocommit=True) as connection:
        for target in TARGETS:
            name = database_name(options.prefix, target.definition.name)
            connection.execute(
                f'COMMENT ON DATABASE "{name}" IS {_literal(options.stamp())}'  # type: ignore[arg-type]
            )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------------------------
# Writing rows


def copy_columns(table: sa.Table) -> tuple[str, ...]:
    """Columns given in COPY: all but serial keys, which the database numbers itself."""
    return tuple(
        column.name
        for column in table.c
        if not (column.primary_key and column.autoincrement is True)
    )


class ServiceWriter:
    """Buffers rows for one service's database and COPYs them, one transaction per flush.

    While loading, the tables' indexes and constraints are set aside and afterwards rebuilt
    with their own definitions (the standard way to bulk-load: one sorted build per index
    instead of a million random insertions; the constraints are checked when they return).
    """

    def __init__(self, target: ServiceTarget, url: str) -> None:
        self._tables = target.tables
        self._columns = {t.name: copy_columns(t) for t in target.tables}
        self._getters = {t.name: operator.itemgetter(*copy_columns(t)) for t in target.tables}
        self._rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in target.tables}
        self._connection = psycopg.connect(libpq_url(url))
        # A generator's run can simply be repeated: no need to wait for each commit's flush.
        self._connection.execute("SET synchronous_commit = off")
        self._connection.execute("SET maintenance_work_mem = '256MB'")
        self._connection.commit()
        self.counts: dict[str, int] = {t.name: 0 for t in target.tables}
        self._restore: list[str] = []

    def add(self, table: str, row: dict[str, Any]) -> None:
        self._rows[table].append(row)

    def extend(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        for table, more in rows.items():
            self._rows[table].extend(more)

    def flush(self) -> None:
        with self._connection.cursor() as cursor:
            for table in self._tables:
                rows = self._rows[table.name]
                if not rows:
                    continue
                columns = self._columns[table.name]
                getter = self._getters[table.name]
                statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(statement) as copy:  # type: ignore[arg-type]
                    for row in rows:
                        copy.write_row(getter(row))
                self.counts[table.name] += len(rows)
                rows.clear()
        self._connection.commit()

    def set_indexes_aside(self) -> None:
        """Drops the loaded tables' indexes and constraints (and foreign keys pointing at
        them), remembering the statements that recreate them exactly."""
        names = [t.name for t in self._tables]
        query = """
            SELECT c.conrelid::regclass::text, c.conname, c.contype,
                   pg_get_constraintdef(c.oid)
              FROM pg_constraint c
             WHERE c.contype IN ('p', 'u', 'f')
               AND (c.conrelid::regclass::text = ANY(%(t)s)
                    OR (c.contype = 'f' AND c.confrelid::regclass::text = ANY(%(t)s)))
        """
        constraints = self._connection.execute(query, {"t": names}).fetchall()
        indexes = self._connection.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.schemaname = 'public' AND i.tablename = ANY(%(t)s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            {"t": names},
        ).fetchall()
        foreign = [row for row in constraints if row[2] == "f"]
        keys = [row for row in constraints if row[2] != "f"]
        drops = [f'ALTER TABLE "{t}" DROP CONSTRAINT "{n}"' for t, n, _, _ in (*foreign, *keys)]
        drops += [f'DROP INDEX "{name}"' for name, _ in indexes]
        self._restore = [
            *(f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for t, n, _, d in keys),
            *(definition for _, definition in indexes),
            *(f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for t, n, _, d in foreign),
        ]
        for statement in drops:
            self._connection.execute(statement)  # type: ignore[arg-type]
        self._connection.commit()

    def restore_indexes(self) -> None:
        for statement in self._restore:
            self._connection.execute(statement)  # type: ignore[arg-type]
        self._connection.commit()
        self._restore = []

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._connection.execute(statement, params)  # type: ignore[arg-type]
        self._connection.commit()

    def close(self) -> None:
        self._connection.close()


class ChainWriter:
    """Seals audit happenings into the hash chain in time order and writes the entries.

    Happenings wait in a heap until every happening before them is known: a client's later
    events (assessment, plan, reads) are scheduled when the client is made, and released once
    the generation has passed their time.
    """

    def __init__(self, writer: ServiceWriter, rng: random.Random) -> None:
        self._writer = writer
        self._rng = rng
        self._waiting: list[tuple[int, int, Happening]] = []
        self._sequence = 0
        self.head = chain.ChainHead(0, chain.GENESIS_HASH)
        self._last_recorded = datetime.min.replace(tzinfo=UTC)

    def schedule(self, happenings: Sequence[Happening]) -> None:
        for happening in happenings:
            self._sequence += 1
            heapq.heappush(self._waiting, (_micros(happening.at), self._sequence, happening))

    def release(self, before: datetime | None) -> None:
        """Seals every waiting happening earlier than ``before`` (None: all of them)."""
        waiting, rng = self._waiting, self._rng
        limit = _micros(before) if before is not None else None
        while waiting and (limit is None or waiting[0][0] < limit):
            _, _, happening = heapq.heappop(waiting)
            at, actor = happening.at, happening.actor
            event = chain.EventData(
                event_id=new_uuid(rng),
                occurred_at=at,
                actor_subject=actor.subject,
                actor_roles=actor.roles,
                municipality_code=happening.municipality or actor.municipality,
                welfare_area_code=actor.welfare_area,
                subject_client_id=happening.subject_client_id,
                action=happening.action,
                resource=happening.resource,
                fields=happening.fields,
                purpose=actor.purpose,
                trace_id=f"{rng.getrandbits(128):032x}",
                service=happening.service,
                outcome="success",
            )
            # The outbox relay delivers within a second; appends keep the recorded times in order.
            recorded = max(self._last_recorded, at + timedelta(milliseconds=rng.uniform(30, 900)))
            self._last_recorded = recorded
            entry = chain.seal(event, self.head.position + 1, recorded, self.head.entry_hash)
            self.head = chain.ChainHead(entry.position, entry.entry_hash)
            self._writer.add(audit_entries.name, entry_row(entry))

    def finish(self) -> None:
        self.release(None)
        self._writer.flush()
        self._writer.execute(
            "UPDATE audit_chain_head SET position = %s, entry_hash = %s WHERE id = %s",
            (self.head.position, self.head.entry_hash, HEAD_ID),
        )


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    """A heap key that compares fast: microseconds since the epoch."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


# --------------------------------------------------------------------------------------------
# Clients


class IdentityCodes:
    """Temporary identity codes (individual number 900-999), unique per birth date."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._next: dict[date, int] = {}

    def allocate(self, born: date) -> str | None:
        number = self._next.get(born) or self._rng.randint(900, 930)
        if number > 999:
            return None
        self._next[born] = number + 1
        digits = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}"
        sign = "-" if born.year < 2000 else "A"
        check = CHECK_CHARACTERS[int(f"{digits}{number:03d}") % 31]
        return Henkilotunnus(f"{digits}{sign}{number:03d}{check}").value


def system_identifier(index: int, seed: int) -> str:
    value = ((index + 1) * _ID_MULTIPLIER + seed) % _ID_SPACE
    characters = []
    for _ in range(10):
        value, digit = divmod(value, 32)
        characters.append(_ID_ALPHABET[digit])
    return "KP" + "".join(reversed(characters))


@lru_cache(maxsize=200_000)
def _names(
    municipality: str, first_names: str, last_name: str
) -> tuple[str, tuple[dict[str, Any], ...]]:
    """The sort name and search-key rows (for a placeholder id) of a name in a municipality,
    from the clients service's own functions; names repeat a lot, so each is computed once."""
    rows = clients_repository.search_key_rows("", municipality, first_names, last_name)
    return clients_repository.sort_name(first_names, last_name), tuple(rows)


@lru_cache(maxsize=100_000)
def _phone(text: str) -> str:
    return validate_phone(text)


def _contact(household: Household, email: str, phone: str) -> str:
    values = {
        "email": validate_email(email) if email else "",
        "phone": _phone(phone) if phone else "",
        "street_address": household.street_address,
        "postal_code": household.postal_code,
        "post_office": household.municipality.post_office,
    }
    # As the service stores it: every contact field, in sorted order, "" when not given.
    return json.dumps({name: values[name] for name in sorted(CONTACT_FIELDS)})


def _status(rng: random.Random, created_at: datetime, now: datetime) -> tuple[str, datetime | None]:
    age_days = (now - created_at).days
    draw = rng.random()
    status = ClientStatus.ACTIVE
    if age_days > 3 * 365:
        status = (
            ClientStatus.INACTIVE
            if draw < 0.35
            else ClientStatus.ARCHIVED
            if draw < 0.45
            else status
        )
    elif age_days > 365 and draw < 0.12:
        status = ClientStatus.INACTIVE
    if status is ClientStatus.ACTIVE:
        return status.value, None
    changed = created_at + timedelta(days=rng.uniform(365, age_days))
    return status.value, min(changed, now)


@dataclass
class Generator:
    options: Options
    rng: random.Random
    clients: ServiceWriter
    assessments: ServiceWriter
    plans: ServiceWriter
    audit: ServiceWriter
    made: int = 0
    officers: dict[str, list[Actor]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chain = ChainWriter(self.audit, self.rng)
        self.codes = IdentityCodes(self.rng)
        self.sampler = PopulationSampler(self.rng, self.options.now.date())
        for place in MUNICIPALITIES:
            self.officers[place.code] = [
                Actor.officer(new_uuid(self.rng), place.code)
                for _ in range(max(4, round(place.share * 300)))
            ]

    def run(self, progress: bool = True) -> None:
        options = self.options
        end = options.now - timedelta(days=1)
        span = timedelta(days=365 * options.years)
        start = end - span
        next_report = 0
        while self.made < options.clients:
            household = self.sampler.household()
            size = min(len(household.members), options.clients - self.made)
            at = start + span * (self.made / options.clients)
            at += timedelta(seconds=self.rng.random() * span.total_seconds() / options.clients)
            self.chain.release(at)
            self.household(household, size, at)
            if self.made >= next_report or self.made >= options.clients:
                self.flush()
                if progress and self.made < options.clients:
                    print(f"datagen: {self.made:,} clients", file=sys.stderr, flush=True)
                next_report = self.made + CHUNK_CLIENTS
        self.flush()
        self.chain.finish()

    def flush(self) -> None:
        for writer in (self.clients, self.assessments, self.plans, self.audit):
            writer.flush()

    def household(self, household: Household, size: int, at: datetime) -> None:
        rng, now = self.rng, self.options.now
        place = household.municipality
        officer = rng.choice(self.officers[place.code])
        rows: list[dict[str, Any]] = []
        for position, person in enumerate(household.members[:size]):
            created_at = at + timedelta(minutes=position * rng.uniform(2, 6))
            client_id = new_uuid(rng)
            sort_name, key_rows = _names(place.code, person.first_names, person.last_name)
            status, changed_at = _status(rng, created_at, now)
            permit_date = max(household.arrived_on, person.date_of_birth)
            row = {
                "id": client_id,
                "version": 1 if changed_at is None else 2,
                "municipality_code": place.code,
                "first_names": person.first_names,
                "last_name": person.last_name,
                "sort_name": sort_name,
                "date_of_birth": person.date_of_birth,
                "henkilotunnus": (
                    self.codes.allocate(person.date_of_birth) if rng.random() < 0.75 else None
                ),
                "system_identifier": system_identifier(self.made, self.options.seed),
                "languages": json.dumps(list(person.languages)),
                "contact": _contact(household, person.email, person.phone),
                "segment": household.arrival.segment,
                "residence_permit_type": household.arrival.permit,
                "first_permit_date": permit_date,
                "status": status,
                "created_at": created_at,
                "updated_at": changed_at or created_at,
            }
            self.made += 1
            rows.append(row)
            self.clients.add(clients_tables.clients.name, row)
            for key_row in key_rows:
                self.clients.add(
                    clients_tables.client_search_keys.name, {**key_row, "client_id": client_id}
                )
            happenings = histories.client_happenings(row, officer, changed_at)
            reads = int(self.options.reads_per_client)
            reads += rng.random() < self.options.reads_per_client - reads
            happenings += histories.read_happenings(rng, row, self.officers[place.code], reads, now)
            adult = (now.date() - person.date_of_birth).days >= 17 * 365
            if adult and rng.random() < 0.75:
                history = History()
                done = histories.assessment(rng, history, row, officer, place.welfare_area, now)
                if done is not None and done.outcome in PLAN_OUTCOMES:
                    client_actor = Actor.client(new_uuid(rng))
                    histories.plan(
                        rng, history, row, officer, client_actor, place.welfare_area, done, now
                    )
                for table, table_rows in history.rows.items():
                    writer = self.assessments if table.startswith("assessment") else self.plans
                    writer.extend({table: table_rows})
                happenings += history.happenings
            self.chain.schedule(happenings)
        self.family_links(household, rows, officer)

    def family_links(
        self, household: Household, rows: list[dict[str, Any]], officer: Actor
    ) -> None:
        """Spouses, and each parent with each child, linked both ways as AddFamilyLink does."""
        if len(rows) < 2:
            return
        roles = [member.role for member in household.members[: len(rows)]]
        parents = [row for row, role in zip(rows, roles, strict=True) if role != "child"]
        children = [row for row, role in zip(rows, roles, strict=True) if role == "child"]
        pairs: list[tuple[dict[str, Any], dict[str, Any], FamilyRelation]] = []
        if len(parents) == 2:
            pairs.append((parents[0], parents[1], FamilyRelation.SPOUSE))
        pairs += [(parent, child, FamilyRelation.CHILD) for parent in parents for child in children]
        at = max(row["created_at"] for row in rows) + timedelta(minutes=self.rng.uniform(2, 20))
        for first, second, relation in pairs:
            for owner, other, kind in (
                (first, second, relation),
                (second, first, relation.inverse()),
            ):
                self.clients.add(
                    clients_tables.family_links.name,
                    {
                        "client_id": owner["id"],
                        "related_client_id": other["id"],
                        "relation": kind.value,
                        "created_at": at,
                    },
                )
            self.chain.schedule(histories.family_happenings(first, second, officer, at))
            at += timedelta(seconds=self.rng.uniform(20, 90))


# --------------------------------------------------------------------------------------------
# The whole run


@dataclass(frozen=True)
class Report:
    seconds: float
    rows: dict[str, int]
    chain_head: int


def generate(options: Options, *, replace: bool = False, progress: bool = True) -> Report:
    """Creates the databases, fills them and stamps them; returns what was written."""
    started = time.perf_counter()
    prepare_databases(options, replace=replace)
    writers = [
        ServiceWriter(
            target,
            database_url(options.server, database_name(options.prefix, target.definition.name)),
        )
        for target in TARGETS
    ]
    try:
        for writer in writers:
            writer.set_indexes_aside()
        rng = random.Random(options.seed)
        clients, assessments, plans, audit = writers
        generator = Generator(options, rng, clients, assessments, plans, audit)
        generator.run(progress)
        head = generator.chain.head.position
        loaded = time.perf_counter()
        for writer in writers:
            writer.restore_indexes()
        if progress:
            print(
                f"datagen: rows written in {loaded - started:.0f} s, indexes and constraints"
                f" rebuilt in {time.perf_counter() - loaded:.0f} s",
                file=sys.stderr,
            )
    finally:
        for writer in writers:
            writer.close()
    for target in TARGETS:
        url = database_url(options.server, database_name(options.prefix, target.definition.name))
        with psycopg.connect(libpq_url(url), autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
    stamp_databases(options)
    rows = {name: count for writer in writers for name, count in writer.counts.items()}
    return Report(round(time.perf_counter() - started, 1), rows, head)


def is_generated(options: Options) -> bool:
    """Whether every service database holds a population generated with these options."""
    found = stamps(options.server, options.prefix)
    wanted = options.stamp()
    return len(found) == len(TARGETS) and all(_same(stamp, wanted) for stamp in found.values())


def _same(stamp: str | None, wanted: str) -> bool:
    """Stamps match apart from the day of generation."""
    if stamp is None or not stamp.startswith(STAMP_PREFIX):
        return False
    found = json.loads(stamp.removeprefix(STAMP_PREFIX))
    expected = json.loads(wanted.removeprefix(STAMP_PREFIX))
    found.pop("day", None)
    expected.pop("day", None)
    return bool(found == expected)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Generate a client population into the services' PostgreSQL databases.",
    )
    parser.add_argument(
        "--database-server",
        required=True,
        help="PostgreSQL server URL, e.g. postgresql+psycopg://postgres@127.0.0.1:55432/postgres",
    )
    parser.add_argument("--clients", type=int, required=True, help="number of clients")
    parser.add_argument(
        "--database-prefix",
        default=DEFAULT_PREFIX,
        help="databases are <prefix>_clients, _assessment, _plans, _audit (default: kotopolku)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reads-per-client",
        type=float,
        default=1.0,
        help="officers' reads of each record on average (audit entries; default 1)",
    )
    parser.add_argument(
        "--years", type=float, default=8.0, help="records were made over this many years"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true", help="drop existing databases first")
    mode.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing if the databases hold a population made with the same options",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.clients < 1:
        raise SystemExit("datagen: --clients must be positive")
    options = Options(
        server=args.database_server,
        clients=args.clients,
        prefix=args.database_prefix,
        seed=args.seed,
        reads_per_client=args.reads_per_client,
        years=args.years,
    )
    if args.if_missing:
        if is_generated(options):
            print(f"datagen: {options.prefix}_* already hold {options.clients:,} clients")
            return 0
        foreign = [
            name
            for name, stamp in stamps(options.server, options.prefix).items()
            if stamp is None or not stamp.startswith(STAMP_PREFIX)
        ]
        if foreign:
            raise SystemExit(
                f"datagen: {', '.join(sorted(foreign))} hold data this tool did not generate;"
                " drop them yourself or use --replace"
            )
    report = generate(options, replace=args.replace or args.if_missing)
    print(json.dumps({"seconds": report.seconds, "rows": report.rows, "chain": report.chain_head}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
