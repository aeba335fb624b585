"""The loss-and-double check of the fault suite: what counts as lost, doubled or unexplained."""

from __future__ import annotations

from loadtests.faults.ledger import (
    CreateIntent,
    Ledger,
    StoredRecord,
    UpdateAttempt,
    Violation,
    verify,
    verify_audit,
)


def _intent(
    n: int, *, acknowledged: bool = True, updates: list[UpdateAttempt] | None = None
) -> CreateIntent:
    return CreateIntent(
        idempotency_key=f"key-{n}",
        marker=f"m{n}@example.fi",
        value=f"p{n}",
        client_id=f"id-{n}" if acknowledged else None,
        acknowledged_version=1 if acknowledged else None,
        updates=updates or [],
    )


def _record(n: int, version: int = 1, value: str | None = None) -> StoredRecord:
    return StoredRecord(f"id-{n}", f"m{n}@example.fi", version, value or f"p{n}")


def _check(intents: list[CreateIntent], found: list[StoredRecord]) -> list[Violation]:
    by_id = {r.client_id: r for r in found}
    return verify(
        Ledger(intents),
        found,
        {i.client_id: by_id.get(i.client_id) for i in intents if i.client_id},
    )


def _kinds(violations: list[Violation]) -> list[str]:
    return [v.kind for v in violations]


def test_everything_in_place_passes() -> None:
    updates = [UpdateAttempt("a", 2), UpdateAttempt("b", 3)]
    assert _check([_intent(1, updates=updates), _intent(2)], [_record(1, 3, "b"), _record(2)]) == []


def test_an_acknowledged_create_that_is_gone_is_lost() -> None:
    assert _kinds(_check([_intent(1), _intent(2)], [_record(1)])) == ["lost-create"]


def test_a_record_found_by_id_but_not_by_search_is_lost() -> None:
    intents = [_intent(1)]
    violations = verify(Ledger(intents), [], {"id-1": _record(1)})
    assert _kinds(violations) == ["lost-create"]


def test_an_id_holding_another_record_is_lost() -> None:
    other = StoredRecord("id-1", "m9@example.fi", 1, "p9")
    violations = verify(Ledger([_intent(1)]), [_record(1)], {"id-1": other})
    assert _kinds(violations) == ["lost-create"]


def test_a_create_stored_twice_is_doubled() -> None:
    twice = [_record(1), StoredRecord("id-x", "m1@example.fi", 1, "p1")]
    assert _kinds(_check([_intent(1)], twice)) == ["doubled-create"]


def test_an_unacknowledged_create_may_exist_once_but_not_twice() -> None:
    intents = [_intent(1), _intent(2, acknowledged=False)]
    once = [_record(1), StoredRecord("id-y", "m2@example.fi", 1, "p2")]
    assert _check(intents, once) == []
    assert _check(intents, [_record(1)]) == []
    twice = [*once, StoredRecord("id-z", "m2@example.fi", 1, "p2")]
    assert _kinds(_check(intents, twice)) == ["doubled-create"]


def test_a_record_no_create_made_is_unknown() -> None:
    stranger = StoredRecord("id-q", "q@example.fi", 1, "q")
    assert _kinds(_check([_intent(1)], [_record(1), stranger])) == ["unknown-record"]


def test_an_acknowledged_update_that_is_undone_is_lost() -> None:
    intent = _intent(1, updates=[UpdateAttempt("a", 2)])
    assert _kinds(_check([intent], [_record(1, 1, "p1")])) == ["lost-update"]


def test_the_acknowledged_version_with_another_value_is_lost() -> None:
    intent = _intent(1, updates=[UpdateAttempt("a", 2)])
    assert _kinds(_check([intent], [_record(1, 2, "zzz")])) == ["lost-update"]


def test_an_unacknowledged_update_may_or_may_not_have_been_committed() -> None:
    intent = _intent(1, updates=[UpdateAttempt("a", 2), UpdateAttempt("b")])
    assert _check([intent], [_record(1, 2, "a")]) == []
    assert _check([intent], [_record(1, 3, "b")]) == []


def test_more_changes_than_unacknowledged_updates_are_unexplained() -> None:
    intent = _intent(1, updates=[UpdateAttempt("a", 2), UpdateAttempt("b")])
    assert _kinds(_check([intent], [_record(1, 4, "b")])) == ["unexpected-change"]


def test_a_value_no_update_sent_is_unexplained() -> None:
    intent = _intent(1, updates=[UpdateAttempt("a", 2), UpdateAttempt("b")])
    assert _kinds(_check([intent], [_record(1, 3, "c")])) == ["unexpected-change"]


def test_an_acknowledged_update_after_an_unanswered_one_sets_the_expectation() -> None:
    updates = [UpdateAttempt("a"), UpdateAttempt("b", 3)]
    intent = _intent(1, updates=updates)
    assert _check([intent], [_record(1, 3, "b")]) == []
    assert _kinds(_check([intent], [_record(1, 2, "a")])) == ["lost-update"]


def test_counts() -> None:
    intents = [
        _intent(1, updates=[UpdateAttempt("a", 2), UpdateAttempt("b")]),
        _intent(2, acknowledged=False),
    ]
    assert Ledger(intents).counts() == {
        "creates_acknowledged": 1,
        "creates_unacknowledged": 1,
        "updates_acknowledged": 1,
        "updates_unacknowledged": 1,
    }


def test_the_audit_trail_matches_each_records_history() -> None:
    records = [_record(1, 3), _record(2)]
    good = {
        "id-1": {"client.create": 1, "client.update": 2, "client.read": 7},
        "id-2": {"client.create": 1},
    }
    assert verify_audit(records, good) == []
    lost = {**good, "id-1": {"client.create": 1, "client.update": 1}}
    doubled = {**good, "id-2": {"client.create": 2}}
    missing = {"id-1": good["id-1"]}
    for events in (lost, doubled, missing):
        assert _kinds(verify_audit(records, events)) == ["audit-mismatch"]
