"""Reports for management (johdon raportointi), computed from facts.

Every report is a :class:`~kotopolku.reporting.domain.table.Table` with the period group as its
first dimension. Counts are of distinct records (a fact delivered twice, or a record reported
twice, counts once); durations are whole days between Finnish calendar dates.

* ``assessments`` — assessments started and completed by kind, and the lead time from moving in
  (the first residence permit or registration) to the start of the assessment;
* ``plans`` — plans by kind: created, activated, suspended, ended, and in force at the end of
  each group;
* ``reviews`` — reviews done on time (on or before the due date) or late, and plans whose review
  is overdue at the end of each group (or today, for the current one);
* ``enrolments`` — programme service enrolments started, completed and interrupted by service
  type, with the median time to completion;
* ``language-tests`` — the final language tests' CEFR levels by skill;
* ``outreach`` — outreach targets identified, contacts by result and coverage;
* ``throughput`` — durations between the steps of a client's path (läpimenoajat), related by the
  client's pseudonym.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Final

from kotopolku.reporting.domain import facts as fk
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.facts import Fact
from kotopolku.reporting.domain.periods import Period
from kotopolku.reporting.domain.statistics import mean, median, percent, percentile
from kotopolku.reporting.domain.table import Measure, Table

ASSESSMENTS: Final = "assessments"
PLANS: Final = "plans"
REVIEWS: Final = "reviews"
ENROLMENTS: Final = "enrolments"
LANGUAGE_TESTS: Final = "language-tests"
OUTREACH: Final = "outreach"
FEEDBACK: Final = "feedback"
THROUGHPUT: Final = "throughput"
KINDS: Final = (
    ASSESSMENTS,
    PLANS,
    REVIEWS,
    ENROLMENTS,
    LANGUAGE_TESTS,
    OUTREACH,
    FEEDBACK,
    THROUGHPUT,
)

SEGMENTS: Final = frozenset({"SELF_MOVED", "PLACED", "QUOTA_REFUGEE"})
AUTHORITIES: Final = frozenset({"MUNICIPALITY", "EMPLOYMENT_AUTHORITY"})

# The filters each report accepts, and their values (None: checked by the feedback rules).
FILTERS: Final[Mapping[str, Mapping[str, frozenset[str] | None]]] = {
    ASSESSMENTS: {"kind": fk.ASSESSMENT_KINDS, "segment": SEGMENTS},
    PLANS: {"kind": fk.PLAN_KINDS, "authority": AUTHORITIES},
    REVIEWS: {"kind": fk.PLAN_KINDS},
    ENROLMENTS: {"service_type": fk.SERVICE_TYPES},
    LANGUAGE_TESTS: {"service_type": fk.SERVICE_TYPES, "skill": frozenset(fk.SKILLS)},
    OUTREACH: {"target_group": fk.TARGET_GROUPS},
    FEEDBACK: {"survey_id": None, "respondent": None, "context_kind": None},
    THROUGHPUT: {"segment": SEGMENTS},
}

# The facts each report reads.
FACT_KINDS: Final[Mapping[str, frozenset[str]]] = {
    ASSESSMENTS: frozenset({fk.ASSESSMENT_STARTED, fk.ASSESSMENT_COMPLETED}),
    PLANS: frozenset({fk.PLAN_STATUS_CHANGED}),
    REVIEWS: frozenset({fk.PLAN_STATUS_CHANGED, fk.PLAN_REVIEWED}),
    ENROLMENTS: frozenset({fk.ENROLMENT_STARTED, fk.ENROLMENT_ENDED}),
    LANGUAGE_TESTS: frozenset({fk.ENROLMENT_ENDED}),
    OUTREACH: frozenset({fk.OUTREACH_TARGET_IDENTIFIED, fk.OUTREACH_CONTACT_RECORDED}),
    FEEDBACK: frozenset(),
    THROUGHPUT: frozenset(
        {
            fk.ASSESSMENT_STARTED,
            fk.ASSESSMENT_COMPLETED,
            fk.PLAN_STATUS_CHANGED,
            fk.ENROLMENT_STARTED,
            fk.ENROLMENT_ENDED,
            fk.REFERRAL_RECEIVED,
        }
    ),
}

# Reports whose figures depend on earlier facts (states, paths) read this far back.
LOOKBACK_YEARS: Final = 5


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ReportingDomainError("kind", f"must be one of {', '.join(KINDS)}")
    return kind


def check_filters(kind: str, filters: Mapping[str, str]) -> dict[str, str]:
    known = FILTERS[kind]
    checked: dict[str, str] = {}
    for name, value in filters.items():
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ReportingDomainError(
                f"filters.{name}", f"is not a filter of this report ({allowed})"
            )
        values = known[name]
        if values is not None and value not in values:
            raise ReportingDomainError(
                f"filters.{name}", f"must be one of {', '.join(sorted(values))}"
            )
        checked[name] = value
    return checked


def _chronological(facts: Iterable[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (f.day, f.occurred_at))


def _days(start: date | None, end: date | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).days


def _state_days(period: Period, today: date) -> list[tuple[str, date | None]]:
    """The day each group's states are read: its last day, today for the current group, None
    for a group still in the future."""
    return [
        (key, end if end <= today else (today if period.bucket(today) == key else None))
        for key, end in period.buckets()
    ]


# --- assessments -------------------------------------------------------------------------------


def assessments(facts: Sequence[Fact], period: Period, filters: Mapping[str, str]) -> Table:
    table = Table(
        ASSESSMENTS,
        ("period", "kind"),
        (
            Measure("started", "count"),
            Measure("completed", "count"),
            Measure("lead_time_cases", "count"),
            Measure("lead_time_median_days", "days"),
            Measure("lead_time_mean_days", "days"),
        ),
    )
    segment = {f.record: f.code("segment") for f in facts if f.kind == fk.ASSESSMENT_STARTED}
    started: dict[tuple[str, str], set[str]] = defaultdict(set)
    completed: dict[tuple[str, str], set[str]] = defaultdict(set)
    lead: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for fact in facts:
        kind = fact.code("kind")
        if filters.get("kind", kind) != kind:
            continue
        if "segment" in filters and segment.get(fact.record) != filters["segment"]:
            continue
        bucket = period.bucket(fact.day)
        if bucket is None:
            continue
        if fact.kind == fk.ASSESSMENT_STARTED:
            started[bucket, kind].add(fact.record)
            days = _days(fact.date("moved_in_on"), fact.day)
            if days is not None:
                lead[bucket, kind][fact.record] = days
        elif fact.kind == fk.ASSESSMENT_COMPLETED:
            completed[bucket, kind].add(fact.record)
    kinds = sorted([filters["kind"]] if "kind" in filters else fk.ASSESSMENT_KINDS)
    for bucket, _ in period.buckets():
        for kind in kinds:
            times = list(lead[bucket, kind].values())
            table.add(
                (bucket, kind),
                len(started[bucket, kind]),
                len(completed[bucket, kind]),
                len(times),
                median(times),
                mean(times),
            )
    return table


# --- plans and reviews -------------------------------------------------------------------------


def _plan_states(facts: Sequence[Fact], as_of: date) -> dict[str, tuple[str, str, date | None]]:
    """Each plan's (kind, status, review due date) as of a day."""
    states: dict[str, tuple[str, str, date | None]] = {}
    for fact in _chronological(facts):
        if fact.day > as_of:
            break
        kind, status, _ = states.get(fact.record, (fact.code("kind"), "", None))
        if fact.kind == fk.PLAN_STATUS_CHANGED:
            states[fact.record] = (kind, fact.code("to_status"), fact.date("review_due_on"))
        elif fact.kind == fk.PLAN_REVIEWED:
            states[fact.record] = (kind, status, fact.date("next_due_on"))
    return states


def plans(facts: Sequence[Fact], period: Period, filters: Mapping[str, str], today: date) -> Table:
    table = Table(
        PLANS,
        ("period", "kind"),
        (
            Measure("created", "count"),
            Measure("activated", "count"),
            Measure("suspended", "count"),
            Measure("ended", "count"),
            Measure("in_force_at_end", "count"),
        ),
    )
    relevant = [
        f
        for f in facts
        if f.kind == fk.PLAN_STATUS_CHANGED
        and filters.get("kind", f.code("kind")) == f.code("kind")
        and filters.get("authority", f.code("authority")) == f.code("authority")
    ]
    events: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for fact in relevant:
        bucket = period.bucket(fact.day)
        if bucket is None:
            continue
        before, after = fact.code("from_status"), fact.code("to_status")
        kind = fact.code("kind")
        if not before:
            events[bucket, kind, "created"].add(fact.record)
        if after == "ACTIVE" and before in ("DRAFT", "AWAITING_APPROVAL"):
            events[bucket, kind, "activated"].add(fact.record)
        if after in ("SUSPENDED", "ENDED") and before != after:
            events[bucket, kind, after.lower()].add(fact.record)
    kinds = sorted([filters["kind"]] if "kind" in filters else fk.PLAN_KINDS)
    for bucket, as_of in _state_days(period, today):
        states = _plan_states(relevant, as_of) if as_of is not None else {}
        for kind in kinds:
            in_force = (
                sum(1 for k, s, _ in states.values() if k == kind and s in fk.IN_FORCE)
                if as_of is not None
                else None
            )
            table.add(
                (bucket, kind),
                *(len(events[bucket, kind, e]) for e in ("created", "activated", "suspended")),
                len(events[bucket, kind, "ended"]),
                in_force,
            )
    return table


def reviews(
    facts: Sequence[Fact], period: Period, filters: Mapping[str, str], today: date
) -> Table:
    table = Table(
        REVIEWS,
        ("period", "kind"),
        (
            Measure("reviewed", "count"),
            Measure("on_time", "count"),
            Measure("late", "count"),
            Measure("on_time_percent", "percent"),
            Measure("overdue_at_end", "count"),
        ),
    )
    relevant = [f for f in facts if filters.get("kind", f.code("kind")) == f.code("kind")]
    on_time: dict[tuple[str, str], set[str]] = defaultdict(set)
    late: dict[tuple[str, str], set[str]] = defaultdict(set)
    for fact in relevant:
        if fact.kind != fk.PLAN_REVIEWED:
            continue
        bucket = period.bucket(fact.day)
        if bucket is None:
            continue
        due = fact.date("due_on")
        # One review of a plan on one day counts once.
        key = f"{fact.record}:{fact.day.isoformat()}"
        (on_time if due is None or fact.day <= due else late)[bucket, fact.code("kind")].add(key)
    kinds = sorted([filters["kind"]] if "kind" in filters else fk.PLAN_KINDS)
    for bucket, as_of in _state_days(period, today):
        states = _plan_states(relevant, as_of) if as_of is not None else {}
        for kind in kinds:
            timely, tardy = len(on_time[bucket, kind]), len(late[bucket, kind])
            overdue = (
                sum(
                    1
                    for k, status, due in states.values()
                    if k == kind and status in fk.IN_FORCE and due is not None and due < as_of
                )
                if as_of is not None
                else None
            )
            table.add(
                (bucket, kind),
                timely + tardy,
                timely,
                tardy,
                percent(timely, timely + tardy),
                overdue,
            )
    return table


# --- programme ---------------------------------------------------------------------------------


def enrolments(facts: Sequence[Fact], period: Period, filters: Mapping[str, str]) -> Table:
    table = Table(
        ENROLMENTS,
        ("period", "service_type"),
        (
            Measure("started", "count"),
            Measure("completed", "count"),
            Measure("interrupted", "count"),
            Measure("completed_percent", "percent"),
            Measure("completion_median_days", "days"),
        ),
    )
    started: dict[tuple[str, str], set[str]] = defaultdict(set)
    ended: dict[tuple[str, str, str], dict[str, int | None]] = defaultdict(dict)
    for fact in facts:
        service_type = fact.code("service_type")
        if filters.get("service_type", service_type) != service_type:
            continue
        bucket = period.bucket(fact.day)
        if bucket is None:
            continue
        if fact.kind == fk.ENROLMENT_STARTED:
            started[bucket, service_type].add(fact.record)
        elif fact.kind == fk.ENROLMENT_ENDED:
            ended[bucket, service_type, fact.code("outcome")][fact.record] = _days(
                fact.date("started_on"), fact.day
            )
    types = sorted([filters["service_type"]] if "service_type" in filters else fk.SERVICE_TYPES)
    for bucket, _ in period.buckets():
        for service_type in types:
            done = ended[bucket, service_type, "COMPLETED"]
            stopped = ended[bucket, service_type, "INTERRUPTED"]
            durations = [d for d in done.values() if d is not None]
            table.add(
                (bucket, service_type),
                len(started[bucket, service_type]),
                len(done),
                len(stopped),
                percent(len(done), len(done) + len(stopped)),
                median(durations),
            )
    return table


def language_tests(facts: Sequence[Fact], period: Period, filters: Mapping[str, str]) -> Table:
    """The CEFR level distribution of final language tests, per skill."""
    table = Table(LANGUAGE_TESTS, ("period", "skill", "level"), (Measure("results", "count"),))
    counts: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    buckets_with_results: set[str] = set()
    for fact in facts:
        if fact.kind != fk.ENROLMENT_ENDED or fact.code("outcome") != "COMPLETED":
            continue
        if filters.get("service_type", fact.code("service_type")) != fact.code("service_type"):
            continue
        bucket = period.bucket(fact.day)
        levels = fact.body.get("language_test") or {}
        if bucket is None or not levels:
            continue
        for skill, level in levels.items():
            if level and filters.get("skill", skill) == skill:
                counts[bucket, skill, level].add(fact.record)
                buckets_with_results.add(bucket)
    skills = [filters["skill"]] if "skill" in filters else list(fk.SKILLS)
    for bucket, _ in period.buckets():
        if bucket not in buckets_with_results:
            continue
        for skill in skills:
            for level in fk.CEFR_LEVELS:
                table.add((bucket, skill, level), len(counts[bucket, skill, level]))
    if not buckets_with_results:
        table.notes.append("No final language test results in the period.")
    return table


# --- outreach ----------------------------------------------------------------------------------


def outreach(
    facts: Sequence[Fact], period: Period, filters: Mapping[str, str], today: date
) -> Table:
    table = Table(
        OUTREACH,
        ("period", "target_group"),
        (
            Measure("identified", "count"),
            Measure("reached", "count"),
            Measure("not_reached", "count"),
            Measure("declined", "count"),
            Measure("coverage_percent", "percent"),
        ),
    )
    if not facts:
        table.notes.append(
            "No outreach data yet: outreach targets and contacts are reported by the service "
            "that keeps the outreach lists (facts outreach_target_identified and "
            "outreach_contact_recorded)."
        )
    relevant = [
        f
        for f in facts
        if filters.get("target_group", f.code("target_group")) == f.code("target_group")
    ]
    identified: dict[tuple[str, str], set[str]] = defaultdict(set)
    contacts: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    reached_on: dict[str, date] = {}
    for fact in _chronological(relevant):
        if fact.kind == fk.OUTREACH_CONTACT_RECORDED and fact.code("result") == "REACHED":
            reached_on.setdefault(fact.record, fact.day)
        bucket = period.bucket(fact.day)
        if bucket is None:
            continue
        group = fact.code("target_group")
        if fact.kind == fk.OUTREACH_TARGET_IDENTIFIED:
            identified[bucket, group].add(fact.record)
        else:
            contacts[bucket, group, fact.code("result")].add(fact.record)
    groups = sorted([filters["target_group"]] if "target_group" in filters else fk.TARGET_GROUPS)
    for bucket, as_of in _state_days(period, today):
        for group in groups:
            targets = identified[bucket, group]
            covered = (
                sum(1 for r in targets if reached_on.get(r, date.max) <= as_of)
                if as_of is not None
                else 0
            )
            table.add(
                (bucket, group),
                len(targets),
                len(contacts[bucket, group, "REACHED"]),
                len(contacts[bucket, group, "NOT_REACHED"]),
                len(contacts[bucket, group, "DECLINED"]),
                percent(covered, len(targets)),
            )
    return table


# --- throughput --------------------------------------------------------------------------------

MOVED_IN_TO_ASSESSMENT: Final = "moved-in-to-assessment"
REFERRAL_TO_ASSESSMENT: Final = "referral-to-assessment"
ASSESSMENT_DURATION: Final = "assessment"
ASSESSMENT_TO_PLAN: Final = "assessment-to-plan"
PLAN_TO_FIRST_SERVICE: Final = "plan-to-first-service"
SERVICE_TO_COMPLETION: Final = "service-to-completion"
STAGES: Final = (
    MOVED_IN_TO_ASSESSMENT,
    REFERRAL_TO_ASSESSMENT,
    ASSESSMENT_DURATION,
    ASSESSMENT_TO_PLAN,
    PLAN_TO_FIRST_SERVICE,
    SERVICE_TO_COMPLETION,
)


def _first_on_or_after(days: Iterable[date], start: date) -> date | None:
    later = [d for d in days if d >= start]
    return min(later) if later else None


def _last_on_or_before(days: Iterable[date], end: date) -> date | None:
    earlier = [d for d in days if d <= end]
    return max(earlier) if earlier else None


def throughput(facts: Sequence[Fact], period: Period, filters: Mapping[str, str]) -> Table:
    """Durations (days) of the steps of the client's path, counted in the group of the step's
    end; clients are related by their pseudonym only."""
    table = Table(
        THROUGHPUT,
        ("period", "stage"),
        (
            Measure("cases", "count"),
            Measure("median_days", "days"),
            Measure("mean_days", "days"),
            Measure("p90_days", "days"),
        ),
    )
    segment = {f.subject: f.code("segment") for f in facts if f.kind == fk.ASSESSMENT_STARTED}
    if "segment" in filters:
        facts = [f for f in facts if segment.get(f.subject) == filters["segment"]]
    by_kind: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_kind[fact.kind].append(fact)

    def days_of(kind: str, keep: Callable[[Fact], bool] = lambda _: True) -> dict[str, list[date]]:
        found: dict[str, list[date]] = defaultdict(list)
        for fact in by_kind[kind]:
            if keep(fact):
                found[fact.subject].append(fact.day)
        return found

    durations: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)

    def count(stage: str, key: str, start: date | None, end: date | None) -> None:
        bucket = period.bucket(end) if end is not None else None
        days = _days(start, end)
        if bucket is not None and days is not None:
            durations[bucket, stage][key] = days

    referrals = days_of(fk.REFERRAL_RECEIVED)
    started = {f.record: f for f in by_kind[fk.ASSESSMENT_STARTED]}
    for record, fact in started.items():
        count(MOVED_IN_TO_ASSESSMENT, record, fact.date("moved_in_on"), fact.day)
        referred = _last_on_or_before(referrals.get(fact.subject, []), fact.day)
        count(REFERRAL_TO_ASSESSMENT, record, referred, fact.day)
    for fact in by_kind[fk.ASSESSMENT_COMPLETED]:
        begun = started.get(fact.record)
        count(ASSESSMENT_DURATION, fact.record, begun.day if begun else None, fact.day)
    completions = days_of(fk.ASSESSMENT_COMPLETED)
    activations = days_of(
        fk.PLAN_STATUS_CHANGED,
        lambda f: (
            f.code("to_status") == "ACTIVE"
            and f.code("from_status") in ("DRAFT", "AWAITING_APPROVAL")
        ),
    )
    for subject, days in completions.items():
        first = min(days)
        count(
            ASSESSMENT_TO_PLAN,
            subject,
            first,
            _first_on_or_after(activations.get(subject, []), first),
        )
    service_starts = days_of(fk.ENROLMENT_STARTED)
    for subject, days in activations.items():
        first = min(days)
        count(
            PLAN_TO_FIRST_SERVICE,
            subject,
            first,
            _first_on_or_after(service_starts.get(subject, []), first),
        )
    for fact in by_kind[fk.ENROLMENT_ENDED]:
        if fact.code("outcome") == "COMPLETED":
            count(SERVICE_TO_COMPLETION, fact.record, fact.date("started_on"), fact.day)
    for bucket, _ in period.buckets():
        for stage in STAGES:
            values = list(durations[bucket, stage].values())
            table.add(
                (bucket, stage), len(values), median(values), mean(values), percentile(values, 0.9)
            )
    if not by_kind[fk.REFERRAL_RECEIVED]:
        table.notes.append(
            "No referral facts yet: the referral-to-assessment stage is empty until the clients "
            "service reports referrals."
        )
    return table


def build(
    kind: str,
    facts: Sequence[Fact],
    period: Period,
    filters: Mapping[str, str],
    today: date,
) -> Table:
    """Any report but feedback (which reads answers, not facts)."""
    if kind == ASSESSMENTS:
        return assessments(facts, period, filters)
    if kind == PLANS:
        return plans(facts, period, filters, today)
    if kind == REVIEWS:
        return reviews(facts, period, filters, today)
    if kind == ENROLMENTS:
        return enrolments(facts, period, filters)
    if kind == LANGUAGE_TESTS:
        return language_tests(facts, period, filters)
    if kind == OUTREACH:
        return outreach(facts, period, filters, today)
    if kind == THROUGHPUT:
        return throughput(facts, period, filters)
    raise ValueError(f"{kind} is not built from facts")
