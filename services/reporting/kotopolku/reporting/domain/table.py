"""The shape every report has: dimension columns, measures, and one row per group."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    # count, days, score, percent
    unit: str


@dataclass(frozen=True, slots=True)
class Value:
    """A number, nothing to measure (None), or withheld."""

    number: float | None
    suppressed: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    dimensions: tuple[str, ...]
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Comment:
    dimensions: tuple[str, ...]
    question_id: str
    text: str


@dataclass(slots=True)
class Table:
    kind: str
    dimensions: tuple[str, ...]
    measures: tuple[Measure, ...]
    rows: list[Row] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, dimensions: tuple[str, ...], *numbers: float | Value | None) -> None:
        values = tuple(n if isinstance(n, Value) else Value(n) for n in numbers)
        assert len(values) == len(self.measures), "one value per measure"
        self.rows.append(Row(dimensions, values))

    def column(self, measure: str) -> list[Value]:
        index = [m.name for m in self.measures].index(measure)
        return [row.values[index] for row in self.rows]
