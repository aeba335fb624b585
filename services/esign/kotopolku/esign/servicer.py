"""EsignService: RPCs to domain rules, queries and audit records. Kept thin on purpose; the
handlers live in :mod:`.request_rpcs`, :mod:`.signing_rpcs` and :mod:`.document_rpcs`."""

from __future__ import annotations

from kotopolku.esign.document_rpcs import DocumentRpcs
from kotopolku.esign.v1 import esign_pb2_grpc


class EsignServicer(DocumentRpcs, esign_pb2_grpc.EsignServiceServicer):
    pass
