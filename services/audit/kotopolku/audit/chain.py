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
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

GENESIS_HASH: Final = "0" * 64
# One encoder for every entry: compact, sorted keys, UTF-8 text as is.
_ENCODER: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
    if moment.tzinfo is None:
        raise ValueError("chain times must be timezone-aware")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_bytes(event: EventData, position: int, recorded_at: datetime) -> bytes:
    """Deterministic serialisation: compact JSON, sorted keys, UTF-8."""
    return _canonical(event, position, format_time(recorded_at))


def _canonical(event: EventData, position: int, recorded_at: str) -> bytes:
    document: dict[str, object] = {
        "event_id": event.event_id,
        "occurred_at": format_time(event.occurred_at),
        "actor_subject": event.actor_subject,
        "actor_roles": list(event.actor_roles),
        "municipality_code": event.municipality_code,
        "welfare_area_code": event.welfare_area_code,
        "subject_client_id": event.subject_client_id,
        "action": event.action,
        "resource": event.resource,
        "fields": list(event.fields),
        "purpose": event.purpose,
        "trace_id": event.trace_id,
        "service": event.service,
        "outcome": event.outcome,
        "position": position,
        "recorded_at": recorded_at,
    }
    # Only when present, so the entries written before events had a context keep their hashes.
    if event.context:
        document["context"] = dict(event.context)
    return _ENCODER.encode(document).encode("utf-8")


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
        if entry.position > expected:
            return expected, f"entry {expected} is missing (the next entry is {entry.position})"
        if entry.position < expected:
            return expected, (
                f"entry {entry.position} appears where entry {expected} belongs (reordered)"
            )
        if entry.previous_hash != self._running_hash:
            return expected, (
                f"entry {expected} does not link to entry {expected - 1} (previous hash differs)"
            )
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


def verify(entries: Iterable[ChainEntry], head: ChainHead | None = None) -> VerificationResult:
    """Recomputes the chain from the genesis hash; ``entries`` must be in position order."""
    verifier = ChainVerifier()
    verifier.feed(entries)
    return verifier.result(head)
