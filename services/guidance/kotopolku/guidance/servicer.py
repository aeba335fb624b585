"""GuidanceService: RPCs to domain rules, queries and audit records. Kept thin on purpose; the
handlers live in :mod:`.visit_rpcs`, :mod:`.series_rpcs` and :mod:`.article_rpcs`."""

from __future__ import annotations

from kotopolku.guidance.article_rpcs import ArticleRpcs
from kotopolku.guidance.series_rpcs import SeriesRpcs
from kotopolku.guidance.v1 import guidance_pb2_grpc
from kotopolku.guidance.visit_rpcs import VisitRpcs


class GuidanceServicer(
    VisitRpcs, SeriesRpcs, ArticleRpcs, guidance_pb2_grpc.GuidanceServiceServicer
):
    pass
