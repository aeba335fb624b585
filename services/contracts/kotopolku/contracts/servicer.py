"""ContractsService: RPCs to domain rules, queries and audit records. Kept thin on purpose; the
handlers live in :mod:`.contract_rpcs`, :mod:`.attachment_rpcs`, :mod:`.cost_rpcs` and
:mod:`.claim_rpcs`."""

from __future__ import annotations

from kotopolku.contracts.attachment_rpcs import AttachmentRpcs
from kotopolku.contracts.claim_rpcs import ClaimRpcs
from kotopolku.contracts.contract_rpcs import ContractRpcs
from kotopolku.contracts.cost_rpcs import CostRpcs
from kotopolku.contracts.v1 import contracts_pb2_grpc


class ContractsServicer(
    ContractRpcs, AttachmentRpcs, CostRpcs, ClaimRpcs, contracts_pb2_grpc.ContractsServiceServicer
):
    pass
