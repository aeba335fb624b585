"""Y-tunnus, the Finnish business id of a provider organisation: the rule lives once in
:mod:`kotopolku.common.business_id`; here it reports the programme's field."""

from __future__ import annotations

from kotopolku.common.business_id import (
    BusinessIdError,
    business_id_check_digit,
    canonical_business_id,
)
from kotopolku.programme.domain.errors import InvalidBusinessId

__all__ = ["business_id_check_digit", "validate_business_id"]


def validate_business_id(text: str, *, field: str = "business_id") -> str:
    """The canonical ``NNNNNNN-C`` form; raises :class:`InvalidBusinessId`."""
    try:
        return canonical_business_id(text)
    except BusinessIdError as error:
        raise InvalidBusinessId(field, str(error)) from None
