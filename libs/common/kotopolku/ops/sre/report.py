"""Renders the reports as a table for people or JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from kotopolku.ops.sre.probe import ServiceReport

_COLUMNS = ("SERVICE", "LIVE", "READY", "VERSION", "BUILD", "MIGRATION", "OUTBOXES")


def _migration(report: ServiceReport) -> str:
    if report.status_error:
        return f"? ({report.status_error})"
    if not report.migration_head:
        return "-"
    if report.migrations_current:
        return f"{report.migration_revision} (current)"
    return f"{report.migration_revision or 'none'} -> {report.migration_head}"


def _outboxes(report: ServiceReport) -> str:
    if not report.outboxes:
        return "-"
    return ", ".join(
        f"{o.name} {o.backlog}" + (f" (oldest {o.oldest_age_seconds:.0f}s)" if o.backlog else "")
        for o in report.outboxes
    )


def table(reports: Sequence[ServiceReport], max_outbox_age: float) -> str:
    rows = [_COLUMNS]
    for r in reports:
        rows.append(
            (
                r.service,
                r.liveness,
                r.readiness,
                r.version or "-",
                r.build or "-",
                _migration(r),
                _outboxes(r),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    problems = [(r.service, p) for r in reports for p in r.problems(max_outbox_age)]
    lines.append("")
    if problems:
        lines += [f"PROBLEM {service}: {problem}" for service, problem in problems]
    else:
        lines.append(f"all {len(reports)} services healthy")
    return "\n".join(lines)


def as_json(reports: Sequence[ServiceReport], max_outbox_age: float) -> str:
    return json.dumps(
        [{**asdict(r), "problems": r.problems(max_outbox_age)} for r in reports], indent=2
    )
