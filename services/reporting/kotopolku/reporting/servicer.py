"""ReportingService: RPCs to domain rules, queries and audit records. Kept thin on purpose;
the handlers live in :mod:`.fact_rpcs`, :mod:`.feedback_rpcs` and :mod:`.report_rpcs`."""

from __future__ import annotations

from kotopolku.reporting.fact_rpcs import FactRpcs
from kotopolku.reporting.feedback_rpcs import FeedbackRpcs
from kotopolku.reporting.report_rpcs import ReportRpcs
from kotopolku.reporting.v1 import reporting_pb2_grpc


class ReportingServicer(
    FactRpcs, FeedbackRpcs, ReportRpcs, reporting_pb2_grpc.ReportingServiceServicer
):
    pass
