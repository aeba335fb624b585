"""RPCs of reports and of the national extract. Reports are aggregates; reading one is still
recorded in the audit log (who looked at which municipality's figures, and why)."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from importlib import resources
from typing import Final

from sqlalchemy.ext.asyncio import AsyncConnection

from kotopolku.common.audit import AuditEntry
from kotopolku.common.errors import InvalidArgument
from kotopolku.common.identity import Caller, current_caller
from kotopolku.reporting import access, charts, convert, export, repository
from kotopolku.reporting.domain import facts as fk
from kotopolku.reporting.domain import reports
from kotopolku.reporting.domain.errors import ReportingDomainError
from kotopolku.reporting.domain.extract import MunicipalityFacts, national_extract
from kotopolku.reporting.domain.feedback import feedback_report
from kotopolku.reporting.domain.periods import Grouping, Period, period
from kotopolku.reporting.domain.table import Table
from kotopolku.reporting.rpc_support import Context, RpcBase, invalid
from kotopolku.reporting.v1 import reporting_pb2 as pb

SCHEMA_FILE: Final = "national-extract-v1.schema.json"
EXTRACT_FACTS: Final = frozenset(
    {
        fk.ASSESSMENT_STARTED,
        fk.PLAN_STATUS_CHANGED,
        fk.PLAN_REVIEWED,
        fk.ENROLMENT_ENDED,
    }
)
_MEDIA: Final = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    **charts.FORMATS,
}


def _lookback(first_day: date) -> date:
    return first_day.replace(year=first_day.year - reports.LOOKBACK_YEARS)


class ReportRpcs(RpcBase):
    async def _report(
        self, caller: Caller, request: pb.GetReportRequest, action: str
    ) -> tuple[Table, str, Period, dict[str, str]]:
        municipality = access.report_municipality(caller, request.municipality_code)
        today = self._today()
        try:
            kind = reports.check_kind(request.kind)
            filters = reports.check_filters(kind, dict(request.filters))
            chosen = period(request.period_start, request.period_end, request.group_by, today=today)
        except ReportingDomainError as error:
            raise invalid(error) from None
        async with self._db.transaction() as connection:
            table = await self._table(connection, kind, municipality, chosen, filters, today)
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action=action,
                        resource=f"reports/{kind}",
                        municipality=municipality,
                        fields=tuple(m.name for m in table.measures),
                    )
                ],
            )
        return table, municipality, chosen, filters

    async def _table(
        self,
        connection: AsyncConnection,
        kind: str,
        municipality: str,
        chosen: Period,
        filters: dict[str, str],
        today: date,
    ) -> Table:
        if kind == reports.FEEDBACK:
            answers = await repository.kept_answers(
                connection, municipality, chosen.start, chosen.end
            )
            return feedback_report(answers, chosen, filters, self._settings.min_group_size)
        found = await repository.load_facts(
            connection,
            municipality,
            reports.FACT_KINDS[kind],
            _lookback(chosen.first_day),
            chosen.last_day,
        )
        return reports.build(kind, found, chosen, filters, today)

    async def GetReport(self, request: pb.GetReportRequest, context: Context) -> pb.Report:
        table, municipality, chosen, filters = await self._report(
            current_caller(), request, "report.read"
        )
        message = convert.report_message(
            table,
            municipality,
            chosen.start,
            chosen.end,
            str(chosen.grouping),
            filters,
            self._settings.min_group_size,
        )
        message.generated_at.FromDatetime(self._clock())
        return message

    async def RenderReport(
        self, request: pb.RenderReportRequest, context: Context
    ) -> pb.RenderedDocument:
        caller = current_caller()
        access.report_municipality(caller, request.report.municipality_code)
        chosen_format = convert.FORMATS.get(request.format)
        if chosen_format not in ("csv", "png", "svg"):
            raise InvalidArgument.field("format", "must be CSV, PNG or SVG")
        table, municipality, chosen, _ = await self._report(caller, request.report, "report.export")
        name = f"{table.kind}-{municipality}-{chosen.start}-{chosen.end}.{chosen_format}"
        if chosen_format == "csv":
            content = export.report_csv(table)
        else:
            measure = request.measure or table.measures[0].name
            title = f"{table.kind} {municipality} {chosen.start}–{chosen.end}: {measure}"
            try:
                content = await asyncio.to_thread(
                    charts.render, table, measure, chosen_format, title
                )
            except ReportingDomainError as error:
                raise invalid(error) from None
        return pb.RenderedDocument(media_type=_MEDIA[chosen_format], content=content, filename=name)

    async def GetNationalExtract(
        self, request: pb.GetNationalExtractRequest, context: Context
    ) -> pb.RenderedDocument:
        caller = current_caller()
        scope = access.extract_municipalities(caller, request.municipality_code)
        chosen_format = convert.FORMATS.get(request.format, "json")
        if chosen_format not in ("json", "csv"):
            raise InvalidArgument.field("format", "must be JSON or CSV")
        if request.part not in ("", "cells", "follow-up"):
            raise InvalidArgument.field("part", "must be cells or follow-up")
        try:
            chosen = period(
                request.period_start, request.period_end, str(Grouping.MONTH), today=self._today()
            )
        except ReportingDomainError as error:
            raise invalid(error) from None
        async with self._db.transaction() as connection:
            codes = [scope] if scope else await repository.municipalities_with_facts(connection)
            items = [
                MunicipalityFacts(
                    code,
                    await repository.load_facts(
                        connection,
                        code,
                        EXTRACT_FACTS,
                        _lookback(chosen.first_day),
                        chosen.last_day,
                    ),
                )
                for code in codes
            ]
            await self._audit.record(
                connection,
                caller,
                [
                    AuditEntry(
                        action="national-extract.create",
                        resource="national-extract",
                        municipality=scope or "",
                    )
                ],
            )
        document = national_extract(
            items,
            chosen,
            self._settings.extract_threshold,
            lambda municipality, subject: self._national_key.pseudonym(
                "national", "subject", f"{municipality}:{subject}"
            ),
            self._clock(),
        )
        name = f"keha-extract-{scope or 'all'}-{chosen.start}-{chosen.end}"
        if chosen_format == "json":
            content = json.dumps(document, ensure_ascii=False, indent=1).encode()
            return pb.RenderedDocument(
                media_type=_MEDIA["json"], content=content, filename=f"{name}.json"
            )
        part = request.part or "cells"
        content = (
            export.extract_cells_csv(document)
            if part == "cells"
            else export.extract_follow_up_csv(document)
        )
        return pb.RenderedDocument(
            media_type=_MEDIA["csv"], content=content, filename=f"{name}-{part}.csv"
        )

    async def GetNationalExtractSchema(
        self, request: pb.GetNationalExtractSchemaRequest, context: Context
    ) -> pb.RenderedDocument:
        current_caller()
        content = resources.files("kotopolku.reporting.schemas").joinpath(SCHEMA_FILE).read_bytes()
        return pb.RenderedDocument(
            media_type="application/schema+json", content=content, filename=SCHEMA_FILE
        )
