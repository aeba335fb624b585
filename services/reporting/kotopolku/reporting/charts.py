"""Charts of reports, for those who would rather look than read: grouped bars of one measure,
the groups (periods) along the axis and one bar per category, as PNG or SVG.

matplotlib with the non-interactive Agg backend, one figure per call (closed afterwards), and
fixed metadata so that the same report draws the same bytes. Drawing is CPU work: callers run it
in a thread.
"""

from __future__ import annotations

import io
import threading
from typing import Final

import matplotlib
from matplotlib.figure import Figure

from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.table import Table

# No display: the Agg backend draws in memory (Figure is used directly, never pyplot).
matplotlib.use("Agg")
# Element ids of SVG files from a fixed salt, not random: the same chart, the same bytes.
matplotlib.rcParams["svg.hashsalt"] = "kotopolku"

FORMATS: Final = {"png": "image/png", "svg": "image/svg+xml"}
_MAX_GROUPS: Final = 60
_MAX_SERIES: Final = 30
# pyplot's global state is not used, but font caches are shared: one drawing at a time.
_LOCK = threading.Lock()
_SVG_METADATA: Final = {"Date": None, "Creator": "Kotopolku"}
_PNG_METADATA: Final = {"Software": "Kotopolku"}


def _series(table: Table, measure: str) -> tuple[list[str], dict[str, list[float]]]:
    names = [m.name for m in table.measures]
    if measure not in names:
        raise ReportingDomainError("measure", f"must be one of {', '.join(names)}")
    index = names.index(measure)
    groups: list[str] = []
    series: dict[str, dict[str, float]] = {}
    for row in table.rows:
        group = row.dimensions[0]
        label = " / ".join(row.dimensions[1:]) or measure
        if group not in groups:
            groups.append(group)
        value = row.values[index]
        series.setdefault(label, {})[group] = (
            value.number if value.number is not None and not value.suppressed else 0.0
        )
    if len(groups) > _MAX_GROUPS or len(series) > _MAX_SERIES:
        raise ReportingDomainError(
            "group_by", "too many groups or categories to draw: choose a coarser grouping"
        )
    return groups, {label: [values.get(g, 0.0) for g in groups] for label, values in series.items()}


def render(table: Table, measure: str, image_format: str, title: str) -> bytes:
    if image_format not in FORMATS:
        raise ReportingDomainError("format", "must be png or svg")
    groups, series = _series(table, measure)
    with _LOCK:
        figure = Figure(figsize=(max(6.0, 0.5 * len(groups) * max(1, len(series)) ** 0.5), 4.0))
        axes = figure.add_subplot()
        width = 0.8 / max(1, len(series))
        for number, (label, values) in enumerate(series.items()):
            positions = [i + number * width for i in range(len(groups))]
            axes.bar(positions, values, width=width, label=label)
        axes.set_xticks([i + 0.4 - width / 2 for i in range(len(groups))])
        axes.set_xticklabels(groups, rotation=45 if len(groups) > 6 else 0, ha="right")
        axes.set_title(title)
        axes.set_ylabel(measure.replace("_", " "))
        if table.rows and len(series) > 1:
            axes.legend(fontsize="small")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(
            buffer,
            format=image_format,
            dpi=100,
            metadata=_SVG_METADATA if image_format == "svg" else _PNG_METADATA,
        )
    return buffer.getvalue()
