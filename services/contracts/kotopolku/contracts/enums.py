"""Domain enums ↔ protobuf enums: a domain value is the suffix of the protobuf name
(``ContractKind.HOUSING_LEASE`` ↔ ``CONTRACT_KIND_HOUSING_LEASE``); ``*_UNSPECIFIED`` has no
domain value."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeVar

from kotopolku.contracts.domain.accounts import CompensationType
from kotopolku.contracts.domain.claim import ClaimStatus
from kotopolku.contracts.domain.contract import (
    AmountBasis,
    ContractKind,
    ContractStatus,
    DeadlineKind,
    PartyRole,
    RenewalType,
)
from kotopolku.contracts.domain.cost_entry import CostEntryStatus
from kotopolku.contracts.v1 import contracts_pb2 as pb


class AttachmentOwner(enum.StrEnum):
    CONTRACT = "CONTRACT"
    COST_ENTRY = "COST_ENTRY"


class ExportFormat(enum.StrEnum):
    JSON = "JSON"
    CSV = "CSV"


E = TypeVar("E", bound=enum.StrEnum)

_PREFIXES: Final[dict[type[enum.StrEnum], tuple[str, Any]]] = {
    ContractKind: ("CONTRACT_KIND_", pb.ContractKind),
    ContractStatus: ("CONTRACT_STATUS_", pb.ContractStatus),
    RenewalType: ("RENEWAL_TYPE_", pb.RenewalType),
    PartyRole: ("PARTY_ROLE_", pb.PartyRole),
    AmountBasis: ("AMOUNT_BASIS_", pb.AmountBasis),
    DeadlineKind: ("KIND_", pb.ContractDeadline.Kind),
    CompensationType: ("COMPENSATION_TYPE_", pb.CompensationType),
    CostEntryStatus: ("COST_ENTRY_STATUS_", pb.CostEntryStatus),
    ClaimStatus: ("CLAIM_STATUS_", pb.ClaimStatus),
    AttachmentOwner: ("ATTACHMENT_OWNER_", pb.AttachmentOwner),
    ExportFormat: ("EXPORT_FORMAT_", pb.ExportFormat),
}


def from_proto(kind: type[E], value: int) -> E | None:
    """The domain member of a protobuf enum number; None for UNSPECIFIED or unknown numbers."""
    prefix, wrapper = _PREFIXES[kind]
    try:
        name = str(wrapper.Name(value))
    except ValueError:
        return None
    suffix = name.removeprefix(prefix)
    return kind[suffix] if suffix in kind.__members__ else None


def to_proto(member: enum.StrEnum | None) -> Any:
    """The protobuf enum number (typed Any: each protobuf enum has its own ValueType)."""
    if member is None:
        return 0
    prefix, wrapper = _PREFIXES[type(member)]
    return int(wrapper.Value(prefix + member.value))
