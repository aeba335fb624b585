"""The client-side log of every write the load sent, and the check that none was lost or doubled.

A write is *acknowledged* when the gateway answered it with success. A write that failed on the
way (503, 504, a broken connection) may still have been committed; the driver retries it (a create
with the same ``Idempotency-Key``, an update with the same ``If-Match``) and notes it as
*unacknowledged* until an answer says otherwise. The check then allows exactly what that permits:

* every acknowledged create exists, once, with the id the gateway returned;
* a create is never doubled (one record per create intent, also for unacknowledged ones);
* each record holds its last acknowledged update, or a later unacknowledged one (which may have
  been committed before its answer was lost), and its version moved on by no more than the
  unacknowledged updates after the last acknowledged one.

The audit trail is checked against the records: a client service writes one ``client.create``
event with the record and one ``client.update`` event with each change, in the same transaction,
and the outbox delivers them at least once to the audit service, which ignores doubles. So each
record of the run has exactly one create event and ``version - 1`` update events
(:func:`verify_audit`), whatever broke on the way.

Everything here is pure: the driver fills the ledger, the verifier reads the state through the API
and hands it to :func:`verify` and :func:`verify_audit`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(slots=True)
class UpdateAttempt:
    """One update intent: the value it sets and, when acknowledged, the version it produced."""

    value: str
    acknowledged_version: int | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_version is not None


@dataclass(slots=True)
class CreateIntent:
    """One create with its Idempotency-Key; ``marker`` is unique to it and stored with the record
    (the client's e-mail address), so doubles can be found by it. ``value`` is the field the
    updates change (the street address: stored as sent, unlike a phone number, which is
    normalised)."""

    idempotency_key: str
    marker: str
    value: str
    client_id: str | None = None
    acknowledged_version: int | None = None
    updates: list[UpdateAttempt] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.client_id is not None and self.acknowledged_version is not None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """What the service holds for a record, as read back through the API afterwards."""

    client_id: str
    marker: str
    version: int
    value: str


@dataclass(slots=True)
class Ledger:
    creates: list[CreateIntent] = field(default_factory=list)

    def acknowledged_creates(self) -> list[CreateIntent]:
        return [c for c in self.creates if c.acknowledged]

    def counts(self) -> dict[str, int]:
        updates = [u for c in self.creates for u in c.updates]
        return {
            "creates_acknowledged": sum(1 for c in self.creates if c.acknowledged),
            "creates_unacknowledged": sum(1 for c in self.creates if not c.acknowledged),
            "updates_acknowledged": sum(1 for u in updates if u.acknowledged),
            "updates_unacknowledged": sum(1 for u in updates if not u.acknowledged),
        }


@dataclass(frozen=True, slots=True)
class Violation:
    # lost-create, doubled-create, lost-update, unexpected-change, unknown-record, audit-mismatch
    kind: str
    marker: str
    detail: str


def _check_updates(intent: CreateIntent, stored: StoredRecord) -> Violation | None:
    assert intent.acknowledged_version is not None
    last_version, last_value = intent.acknowledged_version, intent.value
    after: list[UpdateAttempt] = []
    for attempt in intent.updates:
        if attempt.acknowledged_version is not None:
            last_version, last_value = attempt.acknowledged_version, attempt.value
            after = []
        else:
            after.append(attempt)
    if stored.version < last_version:
        return Violation(
            "lost-update",
            intent.marker,
            f"version {stored.version} is older than the acknowledged version {last_version}",
        )
    if stored.version == last_version:
        if stored.value != last_value:
            return Violation(
                "lost-update",
                intent.marker,
                f"version {last_version} holds another value than was acknowledged",
            )
        return None
    if stored.version - last_version > len(after):
        return Violation(
            "unexpected-change",
            intent.marker,
            f"version {stored.version} is more than {len(after)} unacknowledged update(s) past "
            f"the acknowledged version {last_version}",
        )
    if stored.value not in {a.value for a in after}:
        return Violation(
            "unexpected-change",
            intent.marker,
            f"version {stored.version} holds a value no update after version {last_version} sent",
        )
    return None


def verify(
    ledger: Ledger, found: Iterable[StoredRecord], by_id: Mapping[str, StoredRecord | None]
) -> list[Violation]:
    """``found``: every record of the run (found by a search for the run's marker surname);
    ``by_id``: each acknowledged create's record read by its id (None: not found)."""
    found = list(found)
    violations: list[Violation] = []
    intents = {c.marker: c for c in ledger.creates}
    per_marker = Counter(r.marker for r in found)
    for marker, count in sorted(per_marker.items()):
        if marker not in intents:
            violations.append(Violation("unknown-record", marker, "no create of this run made it"))
        elif count > 1:
            violations.append(Violation("doubled-create", marker, f"{count} records"))
    for intent in ledger.acknowledged_creates():
        assert intent.client_id is not None
        stored = by_id.get(intent.client_id)
        if stored is None:
            violations.append(
                Violation("lost-create", intent.marker, "the acknowledged id is not found")
            )
            continue
        if stored.marker != intent.marker:
            violations.append(
                Violation("lost-create", intent.marker, "the acknowledged id holds another record")
            )
            continue
        if per_marker.get(intent.marker, 0) == 0:
            violations.append(
                Violation("lost-create", intent.marker, "readable by id but not found by search")
            )
        problem = _check_updates(intent, stored)
        if problem is not None:
            violations.append(problem)
    return violations


CREATE_ACTION = "client.create"
UPDATE_ACTION = "client.update"


def verify_audit(
    records: Iterable[StoredRecord], events: Mapping[str, Mapping[str, int]]
) -> list[Violation]:
    """``events``: per record id, how many successful audit events of each action it has."""
    violations = []
    for record in records:
        counted = events.get(record.client_id, {})
        creates, updates = counted.get(CREATE_ACTION, 0), counted.get(UPDATE_ACTION, 0)
        if creates != 1 or updates != record.version - 1:
            violations.append(
                Violation(
                    "audit-mismatch",
                    record.marker,
                    f"{creates} create and {updates} update event(s) for version {record.version}",
                )
            )
    return violations
