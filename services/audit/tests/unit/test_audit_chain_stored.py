"""The fast paths of the chain: the canonical form written out by hand must be exactly the JSON
encoder's, and verifying stored rows (``ChainVerifier.feed_stored``) must judge every chain,
intact or tampered, exactly as verifying entries (``ChainVerifier.feed``) does."""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kotopolku.audit.chain import (
    GENESIS_HASH,
    STORED_FIELDS,
    ChainEntry,
    ChainHead,
    ChainVerifier,
    EventData,
    VerificationResult,
    canonical_bytes,
    context_json,
    format_time,
    names_json,
    seal,
    seal_all,
    verify,
)
from kotopolku.audit.repository import _context, entry_row

T0 = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
REFERENCE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# Everything JSON escapes, and what it leaves alone with ensure_ascii=False.
AWKWARD = [chr(c) for c in range(0x20)] + ['"', "\\", "/", "\x7f", "ä", "€", "\u2028", "𝄞", "'"]


def reference_canonical(event: EventData, position: int, recorded_at: datetime) -> bytes:
    """The canonical form as the chain defines it: a dict through the JSON encoder."""
    document = {
        **{f.name: getattr(event, f.name) for f in dataclasses.fields(EventData)},
        "occurred_at": event.occurred_at.astimezone(UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
        + "Z",
        "actor_roles": list(event.actor_roles),
        "fields": list(event.fields),
        "position": position,
        "recorded_at": recorded_at.astimezone(UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
        + "Z",
    }
    # The context only when there is one (see test_audit_chain.py).
    del document["context"]
    if event.context:
        document["context"] = dict(event.context)
    return REFERENCE.encode(document).encode("utf-8")


def random_text(rng: random.Random) -> str:
    pool = [*AWKWARD, *"abcdefghij0123456789-.:/ ", "Äänekoski", "Олена", "محمد"]
    return "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))


def random_event(rng: random.Random) -> EventData:
    zone = timezone(timedelta(minutes=rng.choice([0, 120, 180, -300, 330])))
    return EventData(
        event_id=random_text(rng),
        occurred_at=(T0 + timedelta(microseconds=rng.randint(0, 10**12))).astimezone(zone),
        actor_subject=random_text(rng),
        actor_roles=tuple(random_text(rng) for _ in range(rng.randint(0, 3))),
        municipality_code=random_text(rng),
        welfare_area_code=random_text(rng),
        subject_client_id=random_text(rng),
        action=random_text(rng),
        resource=random_text(rng),
        fields=tuple(random_text(rng) for _ in range(rng.randint(0, 4))),
        purpose=random_text(rng),
        trace_id=random_text(rng),
        service=random_text(rng),
        outcome=random_text(rng),
        context=tuple(
            sorted(
                {
                    random_text(rng): random_text(rng) for _ in range(rng.choice([0, 0, 1, 3]))
                }.items()
            )
        ),
    )


def test_the_canonical_form_is_exactly_the_json_encoders() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        event = random_event(rng)
        position = rng.randint(1, 10**12)
        recorded = T0 + timedelta(microseconds=rng.randint(0, 10**12))
        assert canonical_bytes(event, position, recorded) == reference_canonical(
            event, position, recorded
        )


@pytest.mark.parametrize("names", [(), ("a",), ("municipal-officer", "auditor"), tuple(AWKWARD)])
def test_names_json_is_the_compact_list_encoding(names: tuple[str, ...]) -> None:
    compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    assert names_json(names) == compact.encode(list(names))


@pytest.mark.parametrize(
    "context",
    [(), (("a", "x"),), (("b", "2"), ("a", "1")), (("a", "1"), ("a", "2")), ((AWKWARD[0], '"'),)],
)
def test_context_json_is_the_sorted_compact_object(context: tuple[tuple[str, str], ...]) -> None:
    expected = REFERENCE.encode(dict(context)) if context else ""
    assert context_json(context) == expected


@pytest.mark.parametrize("minutes", [0, 120, -330, 59])
@pytest.mark.parametrize("microsecond", [0, 1, 999999])
def test_format_time_is_the_utc_isoformat(minutes: int, microsecond: int) -> None:
    moment = datetime(2026, 12, 31, 23, 59, 59, microsecond, tzinfo=UTC).astimezone(
        timezone(timedelta(minutes=minutes))
    )
    expected = moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    assert format_time(moment) == expected + "Z"
    assert format_time(datetime(999, 1, 2, tzinfo=UTC)) == "0999-01-02T00:00:00.000000Z"


# -- feed_stored judges every chain as feed does -----------------------------------------------


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
        context=(("recipient", "pirkanmaa"), ("x-road-id", f"id-{index}"))
        if index % 3 == 0
        else (),
    )


def make_chain(length: int) -> list[ChainEntry]:
    # Two appends: entries of one append share their recorded time, the next has another.
    first = seal_all(
        (make_event(i) for i in range(1, length // 2 + 1)), ChainHead(0, GENESIS_HASH), T0
    )
    head = (
        ChainHead(first[-1].position, first[-1].entry_hash) if first else ChainHead(0, GENESIS_HASH)
    )
    later = T0 + timedelta(seconds=1)
    return first + seal_all(
        (make_event(i) for i in range(length // 2 + 1, length + 1)), head, later
    )


def head_of(chain: list[ChainEntry]) -> ChainHead:
    return (
        ChainHead(chain[-1].position, chain[-1].entry_hash) if chain else ChainHead(0, GENESIS_HASH)
    )


def replaced(chain: list[ChainEntry], position: int, **changes: Any) -> list[ChainEntry]:
    chain = list(chain)
    chain[position - 1] = dataclasses.replace(chain[position - 1], **changes)
    return chain


def changed_event(chain: list[ChainEntry], position: int, **changes: Any) -> list[ChainEntry]:
    event = dataclasses.replace(chain[position - 1].event, **changes)
    return replaced(chain, position, event=event)


def without(chain: list[ChainEntry], *positions: int) -> list[ChainEntry]:
    return [e for e in chain if e.position not in positions]


def swapped(chain: list[ChainEntry], first: int, second: int) -> list[ChainEntry]:
    chain = list(chain)
    chain[first - 1], chain[second - 1] = chain[second - 1], chain[first - 1]
    return chain


def swapped_contents(chain: list[ChainEntry], first: int, second: int) -> list[ChainEntry]:
    chain = list(chain)
    a, b = chain[first - 1], chain[second - 1]
    chain[first - 1] = dataclasses.replace(b, position=a.position)
    chain[second - 1] = dataclasses.replace(a, position=b.position)
    return chain


BASE = make_chain(8)
SCENARIOS: dict[str, tuple[list[ChainEntry], ChainHead | None]] = {
    "intact": (BASE, head_of(BASE)),
    "empty": ([], ChainHead(0, GENESIS_HASH)),
    "intact without head": (BASE, None),
    "changed action": (changed_event(BASE, 3, action="client.nothing"), None),
    "changed roles": (changed_event(BASE, 1, actor_roles=("admin",)), None),
    "changed fields": (changed_event(BASE, 8, fields=("names",)), None),
    "changed context": (changed_event(BASE, 3, context=(("recipient", "vantaa"),)), None),
    "added context": (changed_event(BASE, 4, context=(("recipient", "vantaa"),)), None),
    "removed context": (changed_event(BASE, 6, context=()), None),
    "changed occurred_at": (
        changed_event(BASE, 2, occurred_at=BASE[1].event.occurred_at + timedelta(microseconds=1)),
        None,
    ),
    "changed recorded_at": (
        replaced(BASE, 5, recorded_at=BASE[4].recorded_at + timedelta(days=1)),
        None,
    ),
    "changed entry hash": (replaced(BASE, 4, entry_hash="f" * 64), None),
    "changed previous hash": (replaced(BASE, 6, previous_hash="a" * 64), None),
    "non-ascii previous hash": (replaced(BASE, 2, previous_hash="ä" * 64), None),
    "removed entry": (without(BASE, 3), head_of(BASE)),
    "removed first entry": (without(BASE, 1), head_of(BASE)),
    "removed entries": (without(BASE, 4, 5, 6), None),
    "removed last entry": (without(BASE, 8), head_of(BASE)),
    "everything removed": ([], head_of(BASE)),
    "changed head": (BASE, ChainHead(8, "b" * 64)),
    "entries beyond the head": (BASE, ChainHead(7, BASE[6].entry_hash)),
    "swapped entries": (swapped(BASE, 2, 5), None),
    "swapped contents": (swapped_contents(BASE, 4, 5), None),
    "duplicated entry": (BASE[:3] + BASE[2:], None),
    "rewritten tail": (
        BASE[:3]
        + seal_all(
            [dataclasses.replace(e.event, action="forged") for e in BASE[3:]],
            ChainHead(3, BASE[2].entry_hash),
            T0,
        ),
        head_of(BASE),
    ),
}


def stored(chain: Sequence[ChainEntry], *, times_as_text: bool) -> list[tuple[Any, ...]]:
    rows = []
    for entry in chain:
        row = entry_row(entry)
        if times_as_text:
            row["occurred_at"] = format_time(row["occurred_at"])
            row["recorded_at"] = format_time(row["recorded_at"])
        rows.append(tuple(row[name] for name in STORED_FIELDS))
    return rows


def stored_names(text: str) -> str:
    return names_json(json.loads(text))


def stored_context(text: str) -> str:
    return context_json(_context(text))


def fed_stored(
    rows: list[tuple[Any, ...]], head: ChainHead | None, chunk: int, names: Callable[[str], str]
) -> VerificationResult:
    verifier = ChainVerifier()
    for start in range(0, max(len(rows), 1), chunk):
        if not verifier.feed_stored(rows[start : start + chunk], names, stored_context):
            break
    return verifier.result(head)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("times_as_text", [False, True])
@pytest.mark.parametrize("chunk", [1, 3, 100])
def test_stored_rows_are_judged_as_entries_are(
    scenario: str, times_as_text: bool, chunk: int
) -> None:
    chain, head = SCENARIOS[scenario]
    expected = verify(chain, head)
    assert expected.intact == scenario.startswith(("intact", "empty"))
    result = fed_stored(stored(chain, times_as_text=times_as_text), head, chunk, stored_names)
    assert result == expected


def test_random_events_verify_through_stored_rows() -> None:
    rng = random.Random(11)
    chain: list[ChainEntry] = []
    previous = GENESIS_HASH
    for position in range(1, 300):
        entry = seal(random_event(rng), position, T0 + timedelta(seconds=position), previous)
        chain.append(entry)
        previous = entry.entry_hash
    rows = stored(chain, times_as_text=False)
    assert fed_stored(rows, head_of(chain), 50, stored_names) == verify(chain, head_of(chain))
    assert verify(chain, head_of(chain)).intact


def test_feeding_after_a_failure_does_nothing() -> None:
    rows = stored(replaced(BASE, 2, entry_hash="0" * 64), times_as_text=False)
    verifier = ChainVerifier()
    assert not verifier.feed_stored(rows[:4], stored_names, stored_context)
    assert not verifier.feed_stored(rows[4:], stored_names, stored_context)
    assert verifier.result().first_bad_position == 2
    assert verifier.result().entries_checked == 2
