"""What outreach tells the reporting service (kotopolku.common.facts): pseudonymous facts, in
the transaction of the change, for the reporting service's outreach coverage report.

* ``outreach_target_identified`` — a person became an outreach target in a group (a new target,
  or a group new to a target), on the Finnish day of the import. A person who is a client
  already when listed is not an outreach target and is not reported.
* ``outreach_contact_recorded`` — a contact attempt and its result, once per group of the target.

The record is the target (keyed hash); the subject is the client's pseudonym once the target is
matched to a client, empty before. No names, identity codes or notes ever go.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from kotopolku.clients.domain.outreach import ContactOutcome, TargetGroup
from kotopolku.common.facts import FactRecorder
from kotopolku.reporting.v1 import reporting_pb2

RECORD_KIND = "outreach-target"


def identified(
    recorder: FactRecorder,
    municipality: str,
    target_id: str,
    client_id: str | None,
    groups: Iterable[TargetGroup],
    identified_on: date,
    window_ends_on: date,
) -> list[reporting_pb2.Fact]:
    facts = []
    for group in sorted(groups):
        fact = recorder.fact(municipality, client_id or "", RECORD_KIND, target_id)
        fact.outreach_target_identified.CopyFrom(
            reporting_pb2.OutreachTargetIdentified(
                target_group=group.name,
                identified_on=identified_on.isoformat(),
                window_ends_on=window_ends_on.isoformat(),
            )
        )
        facts.append(fact)
    return facts


def contact_recorded(
    recorder: FactRecorder,
    municipality: str,
    target_id: str,
    client_id: str | None,
    groups: Iterable[TargetGroup],
    contacted_on: date,
    outcome: ContactOutcome,
) -> list[reporting_pb2.Fact]:
    facts = []
    for group in sorted(groups):
        fact = recorder.fact(municipality, client_id or "", RECORD_KIND, target_id)
        fact.outreach_contact_recorded.CopyFrom(
            reporting_pb2.OutreachContactRecorded(
                target_group=group.name,
                contacted_on=contacted_on.isoformat(),
                result=outcome.value,
            )
        )
        facts.append(fact)
    return facts
