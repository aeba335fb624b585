"""WelfareService: RPCs to domain rules, queries and audit records. Kept thin on purpose; the
handlers live in the *_rpcs modules, one per area of the work."""

from __future__ import annotations

from kotopolku.welfare.consultation_rpcs import ConsultationRpcs
from kotopolku.welfare.cooperation_rpcs import CooperationRpcs
from kotopolku.welfare.disclosure_rpcs import DisclosureRpcs
from kotopolku.welfare.feed_rpcs import FeedRpcs
from kotopolku.welfare.placement_rpcs import PlacementRpcs
from kotopolku.welfare.transfer_rpcs import TransferRpcs
from kotopolku.welfare.v1 import welfare_pb2_grpc


class WelfareServicer(
    PlacementRpcs,
    ConsultationRpcs,
    TransferRpcs,
    CooperationRpcs,
    DisclosureRpcs,
    FeedRpcs,
    welfare_pb2_grpc.WelfareServiceServicer,
):
    pass
