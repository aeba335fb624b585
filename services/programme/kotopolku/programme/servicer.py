"""ProgrammeService: RPCs to domain rules, queries and audit records. Kept thin on purpose;
the handlers live in :mod:`.catalogue_rpcs` and :mod:`.enrolment_rpcs`."""

from __future__ import annotations

from kotopolku.programme.catalogue_rpcs import CatalogueRpcs
from kotopolku.programme.enrolment_rpcs import EnrolmentRpcs
from kotopolku.programme.v1 import programme_pb2_grpc


class ProgrammeServicer(CatalogueRpcs, EnrolmentRpcs, programme_pb2_grpc.ProgrammeServiceServicer):
    pass
