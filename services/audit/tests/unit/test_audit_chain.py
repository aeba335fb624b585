"""The hash chain: canonical form, hashes, and every kind of tampering verify() must catch."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kotopolku.audit.chain import (
    GENESIS_HASH,
    ChainEntry,
    ChainHead,
    ChainVerifier,
    EventData,
    canonical_bytes,
    entry_hash,
    format_time,
    seal,
    seal_all,
    verify,
)

T0 = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
EVENT_FIELDS = [f.name for f in dataclasses.fields(EventData)]


def make_event(index: int) -> EventData:
    return EventData(
        event_id=f"00000000-0000-4000-8000-{index:012d}",
        occurred_at=T0 + timedelta(seconds=index),
        actor_subject=f"officer-{index % 3}",
        actor_roles=("municipal-officer",),
        municipality_code="091" if index % 2 else "837",
        welfare_area_code="",
        subject_client_id=f"client-{index % 4}",
        action="client.read",
        resource=f"clients/client-{index % 4}",
        fields=("names", "contact"),
        purpose="integration-service",
        trace_id="",
        service="clients",
        outcome="success",
    )


def make_chain(length: int) -> list[ChainEntry]:
    return seal_all((make_event(i) for i in range(1, length + 1)), ChainHead(0, GENESIS_HASH), T0)


def head_of(chain: list[ChainEntry]) -> ChainHead:
    return (
        ChainHead(chain[-1].position, chain[-1].entry_hash) if chain else ChainHead(0, GENESIS_HASH)
    )


def changed(value: object) -> object:
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        if all(isinstance(item, tuple) for item in value):
            return (*value, ("extra", "x"))
        return (*value, "extra")
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    raise AssertionError(type(value))


# -- canonical form and hashes ----------------------------------------------------------------


def test_canonical_bytes_are_sorted_compact_json_with_position_and_recorded_at() -> None:
    raw = canonical_bytes(make_event(1), 7, T0)
    document = json.loads(raw)
    assert list(document) == sorted(document)
    assert b" " not in raw.replace(b"municipal-officer", b"")
    assert document["position"] == 7
    assert document["recorded_at"] == "2026-03-01T08:30:00.123456Z"
    assert document["occurred_at"] == "2026-03-01T08:30:01.123456Z"
    # The context is left out when empty (see below).
    assert set(document) == {*EVENT_FIELDS, "position", "recorded_at"} - {"context"}


def test_the_context_is_in_the_canonical_form_only_when_present() -> None:
    plain = make_event(1)
    assert "context" not in json.loads(canonical_bytes(plain, 1, T0))
    with_context = dataclasses.replace(
        plain, context=(("recipient", "pirkanmaa"), ("x-road-id", "abc"))
    )
    document = json.loads(canonical_bytes(with_context, 1, T0))
    assert document["context"] == {"recipient": "pirkanmaa", "x-road-id": "abc"}
    assert canonical_bytes(with_context, 1, T0) != canonical_bytes(plain, 1, T0)


def test_canonical_bytes_are_deterministic_across_time_zones() -> None:
    helsinki = timezone(timedelta(hours=2))
    event = make_event(1)
    moved = dataclasses.replace(event, occurred_at=event.occurred_at.astimezone(helsinki))
    assert canonical_bytes(event, 1, T0) == canonical_bytes(moved, 1, T0.astimezone(helsinki))


def test_canonical_bytes_keep_unicode_as_utf8() -> None:
    event = dataclasses.replace(make_event(1), resource="asiakkaat/Äänekoski")
    assert "Äänekoski".encode() in canonical_bytes(event, 1, T0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1))


def test_format_time_always_has_microseconds() -> None:
    assert format_time(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000Z"


def test_entry_hash_is_sha256_of_previous_position_and_content() -> None:
    expected = hashlib.sha256(GENESIS_HASH.encode() + b"\n1\n" + b"{}").hexdigest()
    assert entry_hash(GENESIS_HASH, 1, b"{}") == expected
    assert len(expected) == 64
    assert GENESIS_HASH == "0" * 64


def test_entry_hash_depends_on_every_input() -> None:
    base = entry_hash(GENESIS_HASH, 1, b"a")
    assert entry_hash("1" * 64, 1, b"a") != base
    assert entry_hash(GENESIS_HASH, 2, b"a") != base
    assert entry_hash(GENESIS_HASH, 1, b"b") != base


def test_seal_all_assigns_consecutive_positions_and_links_hashes() -> None:
    chain = make_chain(5)
    assert [e.position for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].previous_hash == GENESIS_HASH
    for before, after in itertools.pairwise(chain):
        assert after.previous_hash == before.entry_hash
    assert len({e.entry_hash for e in chain}) == 5


def test_seal_all_continues_after_a_head() -> None:
    first = make_chain(3)
    more = seal_all([make_event(4), make_event(5)], head_of(first), T0)
    assert [e.position for e in more] == [4, 5]
    assert verify([*first, *more]).intact


def test_seal_is_reproducible() -> None:
    assert seal(make_event(1), 1, T0, GENESIS_HASH) == seal(make_event(1), 1, T0, GENESIS_HASH)


# -- intact chains ----------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 2, 10])
def test_intact_chain_verifies(length: int) -> None:
    chain = make_chain(length)
    result = verify(chain, head_of(chain))
    assert result.intact
    assert result.entries_checked == length
    assert result.first_bad_position == 0
    assert result.problem == ""


def test_verifying_in_chunks_equals_verifying_at_once() -> None:
    chain = make_chain(23)
    verifier = ChainVerifier()
    for start in range(0, 23, 5):
        assert verifier.feed(chain[start : start + 5])
    assert verifier.result(head_of(chain)) == verify(chain, head_of(chain))


# -- tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EVENT_FIELDS)
@pytest.mark.parametrize("position", [1, 3, 6])
def test_a_changed_event_field_is_found(name: str, position: int) -> None:
    chain = make_chain(6)
    target = chain[position - 1]
    event = dataclasses.replace(target.event, **{name: changed(getattr(target.event, name))})
    chain[position - 1] = dataclasses.replace(target, event=event)
    result = verify(chain)
    assert not result.intact
    assert result.first_bad_position == position
    assert result.entries_checked == position
    assert "hash" in result.problem


def test_a_changed_recorded_at_is_found() -> None:
    chain = make_chain(4)
    chain[1] = dataclasses.replace(chain[1], recorded_at=chain[1].recorded_at + timedelta(days=1))
    assert verify(chain).first_bad_position == 2


@pytest.mark.parametrize("position", [1, 2, 5])
def test_a_changed_entry_hash_is_found(position: int) -> None:
    chain = make_chain(5)
    chain[position - 1] = dataclasses.replace(chain[position - 1], entry_hash="f" * 64)
    result = verify(chain)
    assert not result.intact
    assert result.first_bad_position == position


@pytest.mark.parametrize("position", [1, 3])
def test_a_changed_previous_hash_is_found(position: int) -> None:
    chain = make_chain(4)
    chain[position - 1] = dataclasses.replace(chain[position - 1], previous_hash="a" * 64)
    result = verify(chain)
    assert result.first_bad_position == position
    assert "previous hash" in result.problem


@pytest.mark.parametrize("position", [1, 2, 5, 9])
def test_a_removed_entry_is_found(position: int) -> None:
    chain = make_chain(10)
    del chain[position - 1]
    result = verify(chain, ChainHead(10, make_chain(10)[-1].entry_hash))
    assert not result.intact
    assert result.first_bad_position == position
    assert "missing" in result.problem


def test_removed_entries_in_a_row_report_the_first() -> None:
    chain = make_chain(10)
    del chain[3:6]
    assert verify(chain).first_bad_position == 4


def test_a_removed_last_entry_is_found_against_the_head() -> None:
    chain = make_chain(5)
    head = head_of(chain)
    del chain[-1]
    # Without the head a shorter chain is a valid chain ...
    assert verify(chain).intact
    # ... the head says how long it must be.
    result = verify(chain, head)
    assert not result.intact
    assert result.first_bad_position == 5
    assert "head" in result.problem


def test_removing_every_entry_is_found_against_the_head() -> None:
    chain = make_chain(3)
    result = verify([], head_of(chain))
    assert not result.intact
    assert result.first_bad_position == 1


def test_a_changed_head_is_found() -> None:
    chain = make_chain(3)
    result = verify(chain, ChainHead(3, "b" * 64))
    assert not result.intact
    assert result.first_bad_position == 3


def test_entries_beyond_the_head_are_found() -> None:
    chain = make_chain(4)
    result = verify(chain, ChainHead(3, chain[2].entry_hash))
    assert not result.intact
    assert result.first_bad_position == 4


@pytest.mark.parametrize(("first", "second"), [(1, 2), (2, 5), (4, 5)])
def test_swapped_entries_are_found(first: int, second: int) -> None:
    chain = make_chain(5)
    chain[first - 1], chain[second - 1] = chain[second - 1], chain[first - 1]
    result = verify(chain)
    assert not result.intact
    assert result.first_bad_position == first


@pytest.mark.parametrize(("first", "second"), [(1, 2), (2, 4)])
def test_swapped_contents_under_kept_positions_are_found(first: int, second: int) -> None:
    # What swapping two rows' contents in the table looks like: positions stay in order.
    chain = make_chain(5)
    a, b = chain[first - 1], chain[second - 1]
    chain[first - 1] = dataclasses.replace(b, position=a.position)
    chain[second - 1] = dataclasses.replace(a, position=b.position)
    result = verify(chain)
    assert not result.intact
    assert result.first_bad_position == first


def test_a_duplicated_entry_is_found() -> None:
    chain = make_chain(4)
    chain.insert(2, chain[1])
    result = verify(chain)
    assert result.first_bad_position == 3
    assert "reordered" in result.problem


def test_a_consistently_rewritten_tail_is_found_only_against_the_head() -> None:
    chain = make_chain(6)
    head = head_of(chain)
    forged = dataclasses.replace(chain[3].event, action="client.nothing-to-see")
    rewritten = seal_all(
        [forged, chain[4].event, chain[5].event],
        ChainHead(3, chain[2].entry_hash),
        T0,
    )
    tampered = [*chain[:3], *rewritten]
    assert verify(tampered).intact
    result = verify(tampered, head)
    assert not result.intact
    assert result.first_bad_position == 6


def test_the_verifier_stops_at_the_first_problem() -> None:
    chain = make_chain(6)
    chain[1] = dataclasses.replace(chain[1], entry_hash="0" * 64)
    chain[4] = dataclasses.replace(chain[4], entry_hash="0" * 64)
    verifier = ChainVerifier()
    assert not verifier.feed(chain[:3])
    assert verifier.failed
    assert not verifier.feed(chain[3:])
    result = verifier.result()
    assert result.first_bad_position == 2
    assert result.entries_checked == 2


def test_fail_records_an_outside_problem_once() -> None:
    chain = make_chain(3)
    verifier = ChainVerifier()
    verifier.feed(chain[:2])
    result = verifier.fail(3, "entries after 2 cannot be read")
    assert result.first_bad_position == 3
    assert result.entries_checked == 2
    assert verifier.fail(9, "later") == result
    assert verifier.result(head_of(chain)) == result
