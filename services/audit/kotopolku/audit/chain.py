"""The hash chain of the audit log: canonical form, entry hashes and verification. No I/O.

Every entry's hash covers the previous entry's hash, its own position and the canonical bytes of
its content (the event as delivered, its position and the time the audit service recorded it):

    entry_hash = SHA-256(previous_hash || "\\n" || position || "\\n" || canonical_bytes)

The first entry's previous hash is 64 zeros. Changing any stored field, a stored hash, removing an
entry or reordering entries breaks the chain at (or right before) the first tampered position,
which :func:`verify` reports. A rewrite of the whole tail with freshly computed hashes is only
detectable against an independent copy of the head (see :class:`ChainHead`); anchoring the head
outside the database is what makes that copy independent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any, Final

GENESIS_HASH: Final = "0" * 64
# The string encoder of json.JSONEncoder(ensure_ascii=False): UTF-8 text as is, quotes,
# backslashes and control characters escaped.
_string: Final[Callable[[str], str]] = encode_basestring


@dataclass(frozen=True, slots=True)
class EventData:
    """One audit event as the emitting service delivered it (times are UTC, microseconds)."""

    event_id: str
    occurred_at: datetime
    actor_subject: str
    actor_roles: tuple[str, ...]
    municipality_code: str
    welfare_area_code: str
    subject_client_id: str
    action: str
    resource: str
    fields: tuple[str, ...]
    purpose: str
    trace_id: str
    service: str
    outcome: str
    # Named facts (e.g. X-Road headers, a disclosure's recipient), sorted by name.
    context: tuple[tuple[str, str], ...] = ()


# The order of an entry's fields as stored (the columns of the audit_entries table).
STORED_FIELDS: Final = (
    "position",
    "event_id",
    "occurred_at",
    "recorded_at",
    "actor_subject",
    "actor_roles",
    "municipality_code",
    "welfare_area_code",
    "subject_client_id",
    "action",
    "resource",
    "fields",
    "purpose",
    "trace_id",
    "service",
    "outcome",
    "previous_hash",
    "entry_hash",
    "context",
)


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """An event at its place in the chain."""

    event: EventData
    position: int
    recorded_at: datetime
    previous_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last position and hash as the append path recorded them."""

    position: int
    entry_hash: str


@dataclass(frozen=True, slots=True)
class VerificationResult:
    intact: bool
    entries_checked: int
    # 0 when intact.
    first_bad_position: int = 0
    problem: str = ""


def format_time(moment: datetime) -> str:
    """UTC, always with microseconds: the one textual form of a time in the chain."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("chain times must be timezone-aware")
    if offset:
        moment -= offset
    # The same text as isoformat(timespec="microseconds") of the UTC time, written out: this is
    # on the hot path of verification.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
    )


def canonical_bytes(event: EventData, position: int, recorded_at: datetime) -> bytes:
    """Deterministic serialisation: compact JSON, sorted keys, UTF-8."""
    return _canonical(event, position, format_time(recorded_at))


def _canonical(event: EventData, position: int, recorded_at: str) -> bytes:
    return canonical_text(
        event.action,
        names_json(event.actor_roles),
        event.actor_subject,
        context_json(event.context),
        event.event_id,
        names_json(event.fields),
        event.municipality_code,
        format_time(event.occurred_at),
        event.outcome,
        position,
        event.purpose,
        recorded_at,
        event.resource,
        event.service,
        event.subject_client_id,
        event.trace_id,
        event.welfare_area_code,
    ).encode("utf-8")


def names_json(names: Iterable[str]) -> str:
    """A list of names as the canonical form writes it: ``["a","b"]``."""
    return "[" + ",".join(map(_string, names)) + "]"


def context_json(context: Iterable[tuple[str, str]]) -> str:
    """A context as the canonical form writes it: ``{"a":"x","b":"y"}``, sorted by name (the
    last value of a repeated name counts); ``""`` for none, which leaves the key out."""
    named = dict(context)
    s = _string
    return (
        "{" + ",".join(f"{s(name)}:{s(named[name])}" for name in sorted(named)) + "}"
        if named
        else ""
    )


def canonical_text(
    action: str,
    actor_roles: str,
    actor_subject: str,
    context: str,
    event_id: str,
    fields: str,
    municipality_code: str,
    occurred_at: str,
    outcome: str,
    position: int,
    purpose: str,
    recorded_at: str,
    resource: str,
    service: str,
    subject_client_id: str,
    trace_id: str,
    welfare_area_code: str,
    /,
) -> str:
    """The canonical JSON document of an entry, written out directly (it is the hot path of
    sealing and verifying): exactly what ``json.dumps(document, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` gives. The arguments are the document's keys
    in sorted order; strings are escaped by the same encoder. ``occurred_at`` and
    ``recorded_at`` are :func:`format_time` texts (digits and ``-:.TZ`` only, nothing to
    escape); ``actor_roles`` and ``fields`` are :func:`names_json` texts, ``context`` a
    :func:`context_json` text (``""``: no context, and no key for it, so the entries written
    before events had a context keep their hashes)."""
    s = _string
    named = f',"context":{context}' if context else ""
    return (
        f'{{"action":{s(action)},"actor_roles":{actor_roles},"actor_subject":{s(actor_subject)}'
        f'{named},"event_id":{s(event_id)},"fields":{fields},'
        f'"municipality_code":{s(municipality_code)},"occurred_at":"{occurred_at}",'
        f'"outcome":{s(outcome)},"position":{position:d},"purpose":{s(purpose)},'
        f'"recorded_at":"{recorded_at}","resource":{s(resource)},"service":{s(service)},'
        f'"subject_client_id":{s(subject_client_id)},"trace_id":{s(trace_id)},'
        f'"welfare_area_code":{s(welfare_area_code)}}}'
    )


def entry_hash(previous_hash: str, position: int, canonical: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(str(position).encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical)
    return digest.hexdigest()


def seal(event: EventData, position: int, recorded_at: datetime, previous_hash: str) -> ChainEntry:
    """Places an event after ``previous_hash`` at ``position``."""
    return _seal(event, position, recorded_at, format_time(recorded_at), previous_hash)


def _seal(
    event: EventData, position: int, recorded_at: datetime, recorded_text: str, previous: str
) -> ChainEntry:
    canonical = _canonical(event, position, recorded_text)
    return ChainEntry(
        event=event,
        position=position,
        recorded_at=recorded_at,
        previous_hash=previous,
        entry_hash=entry_hash(previous, position, canonical),
    )


def seal_all(
    events: Iterable[EventData], head: ChainHead, recorded_at: datetime
) -> list[ChainEntry]:
    """Appends events after ``head`` with consecutive positions, all recorded at one time."""
    sealed: list[ChainEntry] = []
    position, previous = head.position, head.entry_hash
    recorded_text = format_time(recorded_at)
    for event in events:
        position += 1
        entry = _seal(event, position, recorded_at, recorded_text, previous)
        sealed.append(entry)
        previous = entry.entry_hash
    return sealed


class ChainVerifier:
    """Checks entries fed in position order, a chunk at a time; stops at the first problem."""

    def __init__(self) -> None:
        self._expected_position = 1
        self._running_hash = GENESIS_HASH
        self._checked = 0
        self._failure: VerificationResult | None = None
        self._last_time: datetime | None = None
        self._last_text = ""

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def feed(self, entries: Iterable[ChainEntry]) -> bool:
        """Checks more entries; returns False once the chain is known to be broken."""
        if self._failure is not None:
            return False
        for entry in entries:
            self._checked += 1
            problem = self._check(entry)
            if problem is not None:
                bad_position, text = problem
                self._failure = VerificationResult(False, self._checked, bad_position, text)
                return False
            self._expected_position += 1
        return True

    def feed_stored(
        self,
        rows: Iterable[Sequence[Any]],
        names: Callable[[str], str] = lambda text: text,
        contexts: Callable[[str], str] = lambda text: text,
    ) -> bool:
        """Like :meth:`feed`, for entries as stored: each row holds the fields in
        :data:`STORED_FIELDS` order, times as aware datetimes or already as :func:`format_time`
        text, name lists as stored text that ``names`` turns into :func:`names_json` text, the
        context as stored text that ``contexts`` turns into :func:`context_json` text.

        This is the hot path of verifying a long chain, so the checks of :meth:`_check` are
        written out here in one loop (and must stay the same).
        """
        if self._failure is not None:
            return False
        expected, running, checked = self._expected_position, self._running_hash, self._checked
        last_recorded: Any = None
        recorded_text = ""
        sha256 = hashlib.sha256
        try:
            for row in rows:
                (
                    position,
                    event_id,
                    occurred_at,
                    recorded_at,
                    actor_subject,
                    actor_roles,
                    municipality_code,
                    welfare_area_code,
                    subject_client_id,
                    action,
                    resource,
                    fields,
                    purpose,
                    trace_id,
                    service,
                    outcome,
                    previous_hash,
                    stored_hash,
                    context,
                ) = row
                checked += 1
                if position != expected or previous_hash != running:
                    self._checked = checked
                    self._failure = self._misplaced(position, expected, checked)
                    return False
                if recorded_at is not last_recorded and recorded_at != last_recorded:
                    last_recorded = recorded_at
                    recorded_text = _text_of(recorded_at)
                canonical = canonical_text(
                    action,
                    names(actor_roles),
                    actor_subject,
                    contexts(context),
                    event_id,
                    names(fields),
                    municipality_code,
                    occurred_at if type(occurred_at) is str else format_time(occurred_at),
                    outcome,
                    expected,
                    purpose,
                    recorded_text,
                    resource,
                    service,
                    subject_client_id,
                    trace_id,
                    welfare_area_code,
                )
                computed = sha256(f"{running}\n{expected}\n{canonical}".encode()).hexdigest()
                if computed != stored_hash:
                    self._checked = checked
                    self._failure = VerificationResult(
                        False,
                        checked,
                        expected,
                        f"entry {expected} does not match its hash (content or hash changed)",
                    )
                    return False
                running = computed
                expected += 1
        finally:
            if self._failure is None:
                self._expected_position, self._running_hash = expected, running
                self._checked = checked
        return True

    def _misplaced(self, position: int, expected: int, checked: int) -> VerificationResult:
        if position > expected:
            problem = f"entry {expected} is missing (the next entry is {position})"
        elif position < expected:
            problem = f"entry {position} appears where entry {expected} belongs (reordered)"
        else:
            problem = (
                f"entry {expected} does not link to entry {expected - 1} (previous hash differs)"
            )
        return VerificationResult(False, checked, expected, problem)

    def _time(self, entry: ChainEntry) -> str:
        # Entries of one append share their recorded time: format it once.
        if entry.recorded_at != self._last_time:
            self._last_time, self._last_text = entry.recorded_at, format_time(entry.recorded_at)
        return self._last_text

    def fail(self, position: int, problem: str) -> VerificationResult:
        """Records a problem found outside the hashes (e.g. an entry that cannot be read)."""
        if self._failure is None:
            self._failure = VerificationResult(False, self._checked, position, problem)
        return self._failure

    def _check(self, entry: ChainEntry) -> tuple[int, str] | None:
        expected = self._expected_position
        if entry.position != expected or entry.previous_hash != self._running_hash:
            failure = self._misplaced(entry.position, expected, self._checked)
            return expected, failure.problem
        computed = entry_hash(
            self._running_hash, expected, _canonical(entry.event, expected, self._time(entry))
        )
        if computed != entry.entry_hash:
            return expected, f"entry {expected} does not match its hash (content or hash changed)"
        self._running_hash = computed
        return None

    def result(self, head: ChainHead | None = None) -> VerificationResult:
        """The outcome; with ``head``, also checks that the chain ends where the head says."""
        if self._failure is not None:
            return self._failure
        last = self._expected_position - 1
        if head is not None:
            if head.position > last:
                return VerificationResult(
                    False,
                    self._checked,
                    last + 1,
                    f"the chain ends at entry {last} but the head is at entry {head.position}",
                )
            if head.position < last:
                return VerificationResult(
                    False,
                    self._checked,
                    head.position + 1,
                    f"entry {head.position + 1} lies beyond the head (entry {head.position})",
                )
            if head.entry_hash != self._running_hash:
                return VerificationResult(
                    False,
                    self._checked,
                    max(last, 1),
                    f"the head hash does not match entry {last}",
                )
        return VerificationResult(True, self._checked)


def _text_of(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else format_time(moment)


def verify(entries: Iterable[ChainEntry], head: ChainHead | None = None) -> VerificationResult:
    """Recomputes the chain from the genesis hash; ``entries`` must be in position order."""
    verifier = ChainVerifier()
    verifier.feed(entries)
    return verifier.result(head)
