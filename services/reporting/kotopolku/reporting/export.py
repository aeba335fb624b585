"""CSV forms of reports and of the national extract (RFC 4180, UTF-8, comma-separated)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kotopolku.reporting.domain.table import Table


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def report_csv(table: Table) -> bytes:
    """One line per row: the dimensions, then each measure; a withheld value is empty and named
    in the ``suppressed`` column."""
    header = [*table.dimensions, *(m.name for m in table.measures), "suppressed"]
    return _csv(
        header,
        (
            [
                *row.dimensions,
                *(_number(v.number) for v in row.values),
                " ".join(
                    m.name for m, v in zip(table.measures, row.values, strict=True) if v.suppressed
                ),
            ]
            for row in table.rows
        ),
    )


def extract_cells_csv(document: Mapping[str, Any]) -> bytes:
    """The extract's tables in long form, totals as rows and columns named ``total``."""
    lines = []
    for table in document["tables"]:
        base = [
            table["name"],
            table["municipality"],
            table["row_dimension"],
            table["column_dimension"],
        ]
        for r, row in enumerate(table["rows"]):
            for c, column in enumerate(table["columns"]):
                entry = table["cells"][r][c]
                lines.append([*base, row, column, _count(entry), entry["status"]])
            entry = table["row_totals"][r]
            lines.append([*base, row, "total", _count(entry), entry["status"]])
        for c, column in enumerate(table["columns"]):
            entry = table["column_totals"][c]
            lines.append([*base, "total", column, _count(entry), entry["status"]])
        entry = table["grand_total"]
        lines.append([*base, "total", "total", _count(entry), entry["status"]])
    return _csv(
        [
            "table",
            "municipality",
            "row_dimension",
            "column_dimension",
            "row",
            "column",
            "count",
            "status",
        ],
        lines,
    )


def extract_follow_up_csv(document: Mapping[str, Any]) -> bytes:
    attributes = document["follow_up"]["attributes"]
    return _csv(
        ["pseudonym", "municipality", *attributes],
        (
            [row["pseudonym"], row["municipality"], *(row[a] or "" for a in attributes)]
            for row in document["follow_up"]["rows"]
        ),
    )


def _count(entry: Mapping[str, Any]) -> str:
    return "" if entry["count"] is None else str(entry["count"])
