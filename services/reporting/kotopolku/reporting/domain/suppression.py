"""Small-cell suppression (pienten solujen tietosuoja) of a count table with its totals.

A table of counts is published with its row totals, column totals and grand total. Every
published number is an equation's term: each row's cells add up to its total, each column's to
its total, and the row totals (and the column totals) to the grand total.

1. **Primary suppression**: every count from 1 to ``threshold - 1`` is withheld, totals included.
   Zero is published: it discloses nobody.
2. **Complementary suppression**: a line (a row or column with its total, or the totals with the
   grand total) with exactly one withheld number would give it away by subtraction. In such a
   line another number is withheld as well: the smallest positive count, then the smallest
   positive total, then a zero.
3. Two lines can still give a number away together. Every number lies on exactly two lines, so
   the withheld numbers are the edges of a graph whose nodes are the lines; a withheld number is
   determined by the equations exactly when its edge is a bridge (on no cycle). For each bridge
   one more number is withheld that joins the bridge's two sides into a cycle (the graph is
   complete bipartite, so one always exists).

Steps 2 and 3 repeat until neither finds anything: then no withheld number can be derived,
however the published ones are combined (tested by solving the equations).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Status(enum.StrEnum):
    PUBLISHED = "published"
    PRIMARY = "primary"
    COMPLEMENTARY = "complementary"


@dataclass(frozen=True, slots=True)
class Entry:
    count: int
    status: Status

    @property
    def published(self) -> int | None:
        return self.count if self.status is Status.PUBLISHED else None


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    """``cells[r][c]``, ``row_totals[r]``, ``column_totals[c]``, ``grand_total``."""

    cells: tuple[tuple[Entry, ...], ...]
    row_totals: tuple[Entry, ...]
    column_totals: tuple[Entry, ...]
    grand_total: Entry


# An entry's position: ("cell", r, c), ("row", r, -1), ("column", -1, c), ("grand", -1, -1).
Position = tuple[str, int, int]


def suppress(counts: Sequence[Sequence[int]], threshold: int) -> SuppressedTable:
    if threshold < 1:
        raise ValueError("the threshold must be at least 1")
    rows = len(counts)
    columns = len(counts[0]) if rows else 0
    if any(len(row) != columns for row in counts):
        raise ValueError("every row needs the same number of cells")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("counts cannot be negative")
    value: dict[Position, int] = {}
    for r in range(rows):
        for c in range(columns):
            value["cell", r, c] = counts[r][c]
        value["row", r, -1] = sum(counts[r])
    for c in range(columns):
        value["column", -1, c] = sum(counts[r][c] for r in range(rows))
    value["grand", -1, -1] = sum(sum(row) for row in counts)

    lines: list[list[Position]] = []
    for r in range(rows):
        lines.append([*(("cell", r, c) for c in range(columns)), ("row", r, -1)])
    for c in range(columns):
        lines.append([*(("cell", r, c) for r in range(rows)), ("column", -1, c)])
    lines.append([*(("row", r, -1) for r in range(rows)), ("grand", -1, -1)])
    lines.append([*(("column", -1, c) for c in range(columns)), ("grand", -1, -1)])

    status = {
        p: Status.PRIMARY if 0 < v < threshold else Status.PUBLISHED for p, v in value.items()
    }
    lines_of: dict[Position, list[int]] = {p: [] for p in value}
    for index, line in enumerate(lines):
        for position in line:
            lines_of[position].append(index)
    while True:
        if _protect_lines(lines, status, value):
            continue
        if _protect_bridges(lines_of, status, value):
            continue
        break

    def entry(position: Position) -> Entry:
        return Entry(value[position], status[position])

    return SuppressedTable(
        cells=tuple(tuple(entry(("cell", r, c)) for c in range(columns)) for r in range(rows)),
        row_totals=tuple(entry(("row", r, -1)) for r in range(rows)),
        column_totals=tuple(entry(("column", -1, c)) for c in range(columns)),
        grand_total=entry(("grand", -1, -1)),
    )


def _protect_lines(
    lines: Sequence[Sequence[Position]], status: dict[Position, Status], value: dict[Position, int]
) -> bool:
    """Step 2 once over every line; True when something more was withheld."""
    changed = False
    for line in lines:
        hidden = [p for p in line if status[p] is not Status.PUBLISHED]
        if len(hidden) == 1:
            candidate = _complement(line, status, value)
            if candidate is not None:
                status[candidate] = Status.COMPLEMENTARY
                changed = True
    return changed


def _component(start: int, edges: dict[Position, list[int]], without: Position) -> set[int]:
    reached, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        for edge, ends in edges.items():
            if edge != without and node in ends:
                for other in ends:
                    if other not in reached:
                        reached.add(other)
                        frontier.append(other)
    return reached


def _protect_bridges(
    lines_of: dict[Position, list[int]], status: dict[Position, Status], value: dict[Position, int]
) -> bool:
    """Step 3 for the first bridge found; True when something more was withheld."""
    hidden = {p: ends for p, ends in lines_of.items() if status[p] is not Status.PUBLISHED}
    for edge, (left, right) in sorted(hidden.items()):
        side = _component(left, hidden, edge)
        if right in side:
            continue
        other = _component(right, hidden, edge)
        joining = [
            p
            for p, (a, b) in lines_of.items()
            if status[p] is Status.PUBLISHED
            and ((a in side and b in other) or (b in side and a in other))
        ]
        if joining:
            choice = min(joining, key=lambda p: (value[p] == 0, p[0] != "cell", value[p], p))
            status[choice] = Status.COMPLEMENTARY
            return True
    return False


def _complement(
    line: Sequence[Position], status: dict[Position, Status], value: dict[Position, int]
) -> Position | None:
    """The number to withhold beside a line's only withheld one."""
    open_ = [p for p in line if status[p] is Status.PUBLISHED]
    if not open_:
        return None
    # Positive cells first (smallest loss of information), then totals, then zeros.
    return min(
        open_,
        key=lambda p: (value[p] == 0, p[0] != "cell", value[p], p),
    )
