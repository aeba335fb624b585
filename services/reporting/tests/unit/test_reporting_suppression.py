"""Small-cell suppression: every count below the threshold is withheld, and no withheld count can
be derived from what is published, by one line or by all the equations together."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from kotopolku.reporting.domain.suppression import Entry, Status, SuppressedTable, suppress

THRESHOLD = 5


def _entries(table: SuppressedTable) -> list[tuple[tuple[str, int, int], Entry]]:
    found = []
    for r, row in enumerate(table.cells):
        for c, entry in enumerate(row):
            found.append((("cell", r, c), entry))
    found += [(("row", r, -1), e) for r, e in enumerate(table.row_totals)]
    found += [(("column", -1, c), e) for c, e in enumerate(table.column_totals)]
    found.append((("grand", -1, -1), table.grand_total))
    return found


def _equations(rows: int, columns: int) -> list[dict[tuple[str, int, int], int]]:
    """Each line as coefficients: its cells minus its total = 0."""
    lines = []
    for r in range(rows):
        line = {("cell", r, c): 1 for c in range(columns)}
        line["row", r, -1] = -1
        lines.append(line)
    for c in range(columns):
        line = {("cell", r, c): 1 for r in range(rows)}
        line["column", -1, c] = -1
        lines.append(line)
    lines.append({**{("row", r, -1): 1 for r in range(rows)}, ("grand", -1, -1): -1})
    lines.append({**{("column", -1, c): 1 for c in range(columns)}, ("grand", -1, -1): -1})
    return lines


def derivable(table: SuppressedTable) -> list[tuple[str, int, int]]:
    """What an attacker solving the linear equations learns exactly: withheld entries whose
    value is fixed by the published ones."""
    rows, columns = len(table.cells), len(table.cells[0])
    unknown = [p for p, e in _entries(table) if e.status is not Status.PUBLISHED]
    if not unknown:
        return []
    matrix = np.array(
        [[line.get(p, 0) for p in unknown] for line in _equations(rows, columns)], dtype=float
    )
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for index, position in enumerate(unknown):
        probe = np.zeros((1, len(unknown)))
        probe[0, index] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, probe])) == rank:
            found.append(position)
    return found


def feasible_values(table: SuppressedTable, limit: int) -> dict[tuple[str, int, int], set[int]]:
    """Brute force for small tables: every non-negative assignment of the withheld entries (up to
    ``limit``) that satisfies every equation, and the values each entry takes in them."""
    rows, columns = len(table.cells), len(table.cells[0])
    entries = dict(_entries(table))
    unknown = [p for p, e in entries.items() if e.status is not Status.PUBLISHED]
    lines = _equations(rows, columns)
    seen: dict[tuple[str, int, int], set[int]] = {p: set() for p in unknown}
    for values in itertools.product(range(limit + 1), repeat=len(unknown)):
        guess = dict(zip(unknown, values, strict=True))
        if all(
            sum(k * (guess[p] if p in guess else entries[p].count) for p, k in line.items()) == 0
            for line in lines
        ):
            for p, v in guess.items():
                seen[p].add(v)
    return seen


def test_small_counts_are_withheld_and_their_row_and_column_get_a_complement() -> None:
    table = suppress([[10, 2, 8], [7, 9, 12], [6, 11, 15]], THRESHOLD)
    assert table.cells[0][1] == Entry(2, Status.PRIMARY)
    statuses = [[e.status for e in row] for row in table.cells]
    # Row 0 and column 1 each get a second withheld count; a rectangle of four closes it.
    assert sum(s is not Status.PUBLISHED for s in statuses[0]) >= 2
    assert sum(statuses[r][1] is not Status.PUBLISHED for r in range(3)) >= 2
    assert table.grand_total == Entry(80, Status.PUBLISHED)
    assert derivable(table) == []


def test_zeros_and_large_counts_are_published_untouched() -> None:
    table = suppress([[0, 12], [30, 0]], THRESHOLD)
    assert all(e.status is Status.PUBLISHED for row in table.cells for e in row)
    assert [e.published for e in table.row_totals] == [12, 30]


def test_small_totals_are_withheld_too() -> None:
    table = suppress([[3]], THRESHOLD)
    assert table.cells[0][0].published is None
    assert table.row_totals[0].published is None
    assert table.grand_total.published is None


def test_a_bridge_between_two_rectangles_is_closed() -> None:
    # Two blocks of small counts that share no line except through the totals.
    table = suppress([[1, 1, 40, 40], [1, 1, 40, 40], [40, 40, 1, 1], [40, 40, 1, 1]], THRESHOLD)
    assert derivable(table) == []


@pytest.mark.parametrize("seed", range(40))
def test_no_withheld_count_is_derivable_from_random_tables(seed: int) -> None:
    generator = random.Random(seed)
    rows, columns = generator.randint(1, 6), generator.randint(1, 5)
    counts = [
        [generator.choice([0, 1, 2, 3, 4, 5, 7, 12, 30]) for _ in range(columns)]
        for _ in range(rows)
    ]
    table = suppress(counts, THRESHOLD)
    for position, entry in _entries(table):
        if 0 < entry.count < THRESHOLD:
            assert entry.status is not Status.PUBLISHED, position
        if entry.status is Status.PUBLISHED:
            assert entry.published == entry.count
    assert derivable(table) == []


@pytest.mark.parametrize(
    "counts",
    [
        [[2, 9], [8, 11]],
        [[4], [9], [3]],
        [[3, 3, 20]],
    ],
)
def test_an_attacker_trying_every_value_finds_at_least_two_for_each_small_count(
    counts: list[list[int]],
) -> None:
    table = suppress(counts, THRESHOLD)
    # Small enough to try every value of every withheld entry.
    assert sum(e.status is not Status.PUBLISHED for _, e in _entries(table)) <= 5
    values = feasible_values(table, limit=max(map(max, counts)) + 3)
    for position, entry in _entries(table):
        if entry.status is Status.PRIMARY:
            assert entry.count in values[position]
            assert len(values[position]) >= 2, (position, values[position])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress([[-1]], THRESHOLD)
    with pytest.raises(ValueError, match="same number"):
        suppress([[1, 2], [3]], THRESHOLD)
    with pytest.raises(ValueError, match="threshold"):
        suppress([[1]], 0)
