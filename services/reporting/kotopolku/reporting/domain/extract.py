"""The national extract (kansallinen seurantatieto) for the national integration data store
(KEHA-keskus): what a municipality reports for national follow-up, and nothing more.

* **Tables** of counts per month and category (assessments started by kind, plans activated by
  kind, reviews on time or late, programme services completed by type, final language test
  levels by skill), each with its totals, small cells suppressed with complementary suppression
  (:mod:`.suppression`).
* **Follow-up rows**, one per client whose assessment started in the period: a national
  pseudonym (a keyed hash of the municipal pseudonym with the *national* key, which the
  municipalities do not hold) and coded, banded attributes only. A combination of attributes
  shared by fewer than ``threshold`` clients of a municipality is generalised away (all
  attributes withheld); if even that group is too small, its rows are left out and only counted.

No names, identity codes, client ids, record ids, dates of birth or free text exist in the input,
so none can reach the output. The document's JSON Schema is
``schemas/national-extract-v1.schema.json``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from kotopolku.reporting.domain import facts as fk
from kotopolku.reporting.domain.facts import Fact
from kotopolku.reporting.domain.periods import Grouping, Period, month_of
from kotopolku.reporting.domain.suppression import Entry, suppress

SCHEMA_ID: Final = "urn:kotopolku:keha:national-extract:v1"
NATIONAL_PURPOSE: Final = "kotopolku-reporting-national"
FOLLOW_UP_ATTRIBUTES: Final = (
    "assessment_kind",
    "lead_time_band",
    "plan_kind",
    "services_completed",
    "language_level",
)
LEAD_TIME_BANDS: Final = (
    (183, "under-6-months"),
    (366, "6-12-months"),
    (731, "1-2-years"),
    (1096, "2-3-years"),
)


@dataclass(frozen=True, slots=True)
class MunicipalityFacts:
    municipality: str
    facts: Sequence[Fact]


Pseudonymise = Callable[[str, str], str]


def _months(period: Period) -> list[str]:
    monthly = Period(period.first_day, period.last_day, Grouping.MONTH)
    return [key for key, _ in monthly.buckets()]


def _entry(entry: Entry) -> dict[str, Any]:
    return {"count": entry.published, "status": str(entry.status)}


def _table(
    name: str,
    municipality: str,
    row_dimension: str,
    column_dimension: str,
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    threshold: int,
) -> dict[str, Any]:
    grid = [[counts.get((r, c), 0) for c in columns] for r in rows]
    suppressed = suppress(grid, threshold)
    return {
        "name": name,
        "municipality": municipality,
        "row_dimension": row_dimension,
        "column_dimension": column_dimension,
        "rows": list(rows),
        "columns": list(columns),
        "cells": [[_entry(e) for e in row] for row in suppressed.cells],
        "row_totals": [_entry(e) for e in suppressed.row_totals],
        "column_totals": [_entry(e) for e in suppressed.column_totals],
        "grand_total": _entry(suppressed.grand_total),
    }


def _distinct(facts: Sequence[Fact], period: Period, key: Callable[[Fact], str | None]) -> dict:
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for fact in facts:
        if not period.contains(fact.day):
            continue
        column = key(fact)
        if column is not None:
            seen[month_of(fact.day), column].add(fact.record)
    return {k: len(v) for k, v in seen.items()}


def _tables(item: MunicipalityFacts, period: Period, threshold: int) -> list[dict[str, Any]]:
    facts, municipality, months = item.facts, item.municipality, _months(period)

    def of(kind: str) -> list[Fact]:
        return [f for f in facts if f.kind == kind]

    started = _distinct(of(fk.ASSESSMENT_STARTED), period, lambda f: f.code("kind"))
    activated = _distinct(
        of(fk.PLAN_STATUS_CHANGED),
        period,
        lambda f: (
            f.code("kind")
            if f.code("to_status") == "ACTIVE"
            and f.code("from_status") in ("DRAFT", "AWAITING_APPROVAL")
            else None
        ),
    )
    reviewed = _distinct(
        of(fk.PLAN_REVIEWED),
        period,
        lambda f: (
            "on_time"
            if f.date("due_on") is None or f.day <= (f.date("due_on") or f.day)
            else "late"
        ),
    )
    completed_facts = [f for f in of(fk.ENROLMENT_ENDED) if f.code("outcome") == "COMPLETED"]
    completed = _distinct(completed_facts, period, lambda f: f.code("service_type"))
    levels: Counter[tuple[str, str]] = Counter()
    for fact in completed_facts:
        if period.contains(fact.day):
            for skill, level in (fact.body.get("language_test") or {}).items():
                if level:
                    levels[skill, level] += 1
    return [
        _table(
            "assessments_started",
            municipality,
            "month",
            "assessment_kind",
            months,
            sorted(fk.ASSESSMENT_KINDS),
            started,
            threshold,
        ),
        _table(
            "plans_activated",
            municipality,
            "month",
            "plan_kind",
            months,
            sorted(fk.PLAN_KINDS),
            activated,
            threshold,
        ),
        _table(
            "reviews",
            municipality,
            "month",
            "timeliness",
            months,
            ["on_time", "late"],
            reviewed,
            threshold,
        ),
        _table(
            "services_completed",
            municipality,
            "month",
            "service_type",
            months,
            sorted(fk.SERVICE_TYPES),
            completed,
            threshold,
        ),
        _table(
            "final_language_test_levels",
            municipality,
            "skill",
            "cefr_level",
            list(fk.SKILLS),
            list(fk.CEFR_LEVELS),
            dict(levels),
            threshold,
        ),
    ]


def lead_time_band(moved_in: date | None, started: date) -> str:
    if moved_in is None or moved_in > started:
        return "unknown"
    days = (started - moved_in).days
    return next((band for limit, band in LEAD_TIME_BANDS if days < limit), "over-3-years")


def _lowest_level(levels: Mapping[str, str]) -> str | None:
    known = [level for level in levels.values() if level in fk.CEFR_LEVELS]
    return min(known, key=fk.CEFR_LEVELS.index) if known else None


def _follow_up(item: MunicipalityFacts, period: Period) -> list[dict[str, Any]]:
    """One row per client whose (first) assessment started in the period."""
    by_subject: dict[str, list[Fact]] = defaultdict(list)
    for fact in item.facts:
        if fact.subject and fact.day <= period.last_day:
            by_subject[fact.subject].append(fact)
    rows = []
    for subject, facts in sorted(by_subject.items()):
        starts = sorted((f for f in facts if f.kind == fk.ASSESSMENT_STARTED), key=lambda f: f.day)
        if not starts or not period.contains(starts[0].day):
            continue
        first = starts[0]
        activations = sorted(
            (
                f
                for f in facts
                if f.kind == fk.PLAN_STATUS_CHANGED and f.code("to_status") == "ACTIVE"
            ),
            key=lambda f: f.day,
        )
        completions = sorted(
            (f for f in facts if f.kind == fk.ENROLMENT_ENDED and f.code("outcome") == "COMPLETED"),
            key=lambda f: f.day,
        )
        tested = [f for f in completions if f.body.get("language_test")]
        count = len({f.record for f in completions})
        rows.append(
            {
                "subject": subject,
                "municipality": item.municipality,
                "assessment_kind": first.code("kind"),
                "lead_time_band": lead_time_band(first.date("moved_in_on"), first.day),
                "plan_kind": activations[0].code("kind") if activations else "none",
                "services_completed": "2-or-more" if count >= 2 else str(count),
                "language_level": (
                    _lowest_level(tested[-1].body["language_test"]) or "none" if tested else "none"
                ),
            }
        )
    return rows


def k_anonymise(
    rows: Sequence[dict[str, Any]], threshold: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Rows whose attributes (with the municipality) are shared by fewer than ``threshold`` rows
    lose their attributes; a municipality's rows that are then still too few are left out.
    Returns the rows kept and, per municipality, how many were left out."""

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return (row["municipality"], *(row[a] for a in FOLLOW_UP_ATTRIBUTES))

    sizes = Counter(key(row) for row in rows)
    generalised = [
        row if sizes[key(row)] >= threshold else {**row, **dict.fromkeys(FOLLOW_UP_ATTRIBUTES)}
        for row in rows
    ]
    sizes = Counter(key(row) for row in generalised)
    kept = [row for row in generalised if sizes[key(row)] >= threshold]
    withheld = Counter(row["municipality"] for row in generalised if sizes[key(row)] < threshold)
    return kept, dict(withheld)


def national_extract(
    items: Sequence[MunicipalityFacts],
    period: Period,
    threshold: int,
    national_pseudonym: Pseudonymise,
    generated_at: datetime,
) -> dict[str, Any]:
    tables = [table for item in items for table in _tables(item, period, threshold)]
    follow_up = [row for item in items for row in _follow_up(item, period)]
    kept, withheld = k_anonymise(follow_up, threshold)
    rows = [
        {
            "pseudonym": national_pseudonym(row["municipality"], row["subject"]),
            "municipality": row["municipality"],
            **{a: row[a] for a in FOLLOW_UP_ATTRIBUTES},
        }
        for row in kept
    ]
    rows.sort(key=lambda r: r["pseudonym"])
    return {
        "schema": SCHEMA_ID,
        "generated_at": generated_at.isoformat(),
        "period": {"start": period.start, "end": period.end},
        "municipalities": [item.municipality for item in items],
        "suppression": {
            "threshold": threshold,
            "method": (
                "counts from 1 to threshold-1 withheld (primary); further counts withheld "
                "(complementary) so that no withheld count can be derived from the totals; "
                "follow-up attributes shared by fewer than threshold clients withheld"
            ),
        },
        "tables": tables,
        "follow_up": {
            "attributes": list(FOLLOW_UP_ATTRIBUTES),
            "rows": rows,
            # A small number of left-out rows is itself a small cell.
            "withheld_rows": [
                {
                    "municipality": m,
                    "count": c if c >= threshold else None,
                    "status": "published" if c >= threshold else "primary",
                }
                for m, c in sorted(withheld.items())
            ],
        },
    }
