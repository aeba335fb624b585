"""ArchiveService: thin handlers over the domain rules, the engine and the tables; the handlers
live in :mod:`.job_rpcs`, :mod:`.hold_rpcs` and :mod:`.package_rpcs`."""

from __future__ import annotations

from kotopolku.archive.hold_rpcs import HoldRpcs
from kotopolku.archive.job_rpcs import JobRpcs
from kotopolku.archive.package_rpcs import PackageRpcs
from kotopolku.archive.v1 import archive_pb2_grpc


class ArchiveServicer(JobRpcs, HoldRpcs, PackageRpcs, archive_pb2_grpc.ArchiveServiceServicer):
    pass
