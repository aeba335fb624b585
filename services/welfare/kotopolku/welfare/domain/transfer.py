"""Client transfer from a reception centre (asiakkuuden siirto vastaanottokeskukselta, §3.4.10).

With the person's written consent the reception centre's transfer data become the client record.
Ask once: every client field the transfer carried is filled from it, the segment and residence
permit follow from the placement basis, and only what the transfer lacked is left to ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from kotopolku.welfare.domain.codes import PlacementBasis
from kotopolku.welfare.domain.errors import WelfareDomainError

# The client record's fields a transfer can carry (clients service field paths).
CLIENT_FIELDS: Final = (
    "first_names",
    "last_name",
    "date_of_birth",
    "henkilotunnus",
    "languages",
    "contact.email",
    "contact.phone",
    "contact.street_address",
    "contact.postal_code",
    "contact.post_office",
    "first_permit_date",
)
# Known from the basis of the placement, never asked.
DERIVED_FIELDS: Final = ("segment", "residence_permit_type")
SEGMENT_BY_BASIS: Final = {
    PlacementBasis.ASYLUM: "placed",
    PlacementBasis.TEMPORARY_PROTECTION: "placed",
    PlacementBasis.QUOTA_REFUGEE: "quota-refugee",
}
PERMIT_BY_BASIS: Final = {
    PlacementBasis.ASYLUM: "international-protection",
    PlacementBasis.TEMPORARY_PROTECTION: "temporary-protection",
    PlacementBasis.QUOTA_REFUGEE: "international-protection",
}


@dataclass(frozen=True, slots=True)
class AskOnce:
    carried: tuple[str, ...]
    still_to_ask: tuple[str, ...]


def ask_once(values: Mapping[str, object]) -> AskOnce:
    """Which client fields the transfer filled (with the derived ones) and which remain."""
    carried = tuple(path for path in CLIENT_FIELDS if values.get(path))
    missing = tuple(path for path in CLIENT_FIELDS if not values.get(path))
    return AskOnce(carried + DERIVED_FIELDS, missing)


def check_consent(
    given_on: date | None, valid_until: date | None, today: date, prefix: str = "consent"
) -> date:
    """Nothing is transferred without the person's consent (suostumus)."""
    if given_on is None:
        raise WelfareDomainError(f"{prefix}.given_on", "the person's consent is required")
    if given_on > today:
        raise WelfareDomainError(f"{prefix}.given_on", "is in the future")
    if valid_until is not None and valid_until < today:
        raise WelfareDomainError(f"{prefix}.valid_until", "has already passed")
    return given_on


def check_received_on(received_on: date | None, today: date, field: str = "received_on") -> date:
    if received_on is None:
        return today
    if received_on > today:
        raise WelfareDomainError(field, "is in the future")
    return received_on
