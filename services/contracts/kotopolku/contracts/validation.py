"""Turns API messages into validated column values, reporting every offending field at once.

Field paths are relative to the resource the request carries (``"valid_until"``,
``"parties[1].business_id"``, ``"renewal.notice_period_days"``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import partial
from typing import Any, TypeVar

from kotopolku.clients.domain import ClientDomainError
from kotopolku.common.errors import FieldViolation, InvalidArgument
from kotopolku.contracts.domain.accounts import account
from kotopolku.contracts.domain.contract import (
    AmountBasis,
    ContractKind,
    PartyRole,
    RenewalType,
    Terms,
    check_parties,
    check_terms,
    validate_party,
)
from kotopolku.contracts.domain.cost_entry import validate_activity_date
from kotopolku.contracts.domain.errors import ContractsDomainError
from kotopolku.contracts.domain.money import validate_amount
from kotopolku.contracts.domain.text import parse_date, validate_text
from kotopolku.contracts.enums import from_proto
from kotopolku.contracts.v1 import contracts_pb2 as pb

T = TypeVar("T")

CONTRACT_UPDATABLE = frozenset(
    {
        "title",
        "description",
        "reference",
        "parties",
        "valid_from",
        "valid_until",
        "renewal",
        "amount_cents",
        "amount_basis",
        "responsible_officer",
        "client_id",
    }
)
# Fields that change the terms: only while a draft.
TERMS_FIELDS = frozenset({"valid_from", "valid_until", "renewal"})
COST_UPDATABLE = frozenset(
    {
        "contract_id",
        "account_code",
        "amount_cents",
        "activity_date",
        "description",
        "invoice_reference",
    }
)


class Collector:
    """Runs validators and keeps every violation, so one response names all bad fields."""

    def __init__(self) -> None:
        self.violations: list[FieldViolation] = []

    def check(self, field: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except (ContractsDomainError, ClientDomainError) as error:
            self.violations.append(FieldViolation(error.field or field, error.message))
        except ValueError as error:
            self.violations.append(FieldViolation(field, str(error)))
        return None

    def add(self, problems: Iterable[ContractsDomainError]) -> None:
        self.violations.extend(FieldViolation(p.field, p.message) for p in problems)

    def fail(self, field: str, description: str) -> None:
        self.violations.append(FieldViolation(field, description))

    def failed(self, *fields: str) -> bool:
        return any(
            v.field == f or v.field.startswith((f + "[", f + "."))
            for v in self.violations
            for f in fields
        )

    def raise_if_any(self) -> None:
        if self.violations:
            fields = ", ".join(v.field for v in self.violations)
            raise InvalidArgument(f"Invalid value in: {fields}", violations=self.violations)


def reference_id(value: str, field: str, *, required: bool = True) -> str:
    """An id another record or service issued (a UUID); "" when optional and empty."""
    text = value.strip()
    if not text:
        if required:
            raise ContractsDomainError(field, "is required")
        return ""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ContractsDomainError(field, "is not an identifier this system issued") from None


def _mask(collector: Collector, paths: Iterable[str] | None, allowed: frozenset[str]) -> set[str]:
    if paths is None:
        return set(allowed)
    wanted = set(paths)
    if not wanted:
        collector.fail("update_mask", "names no field to change")
    for path in sorted(wanted - allowed):
        collector.fail(f"update_mask.{path}", "cannot be updated")
    return wanted & allowed


def _subject(value: str, field: str) -> str:
    text = value.strip()
    if len(text) > 200 or not text.isprintable():
        raise ContractsDomainError(field, "must be a user id of at most 200 characters")
    return text


# --- contracts ---------------------------------------------------------------------------------


def _parties(collector: Collector, parties: Iterable[pb.Party]) -> list[dict[str, Any]]:
    checked: list[dict[str, Any]] = []
    for index, party in enumerate(parties):
        path = f"parties[{index}]"
        role = from_proto(PartyRole, party.role)
        value = collector.check(
            path,
            partial(
                validate_party,
                role,
                party.name,
                party.business_id,
                party.is_person,
                (party.contact_name, party.contact_email, party.contact_phone),
                field=path,
            ),
        )
        if value is not None:
            checked.append(
                {
                    "role": value.role.value,
                    "name": value.name,
                    "business_id": value.business_id,
                    "is_person": value.is_person,
                    "contact_name": value.contact_name,
                    "contact_email": value.contact_email,
                    "contact_phone": value.contact_phone,
                }
            )
    return checked


def contract_values(
    message: pb.Contract, paths: Iterable[str] | None = None
) -> tuple[dict[str, Any], Collector]:
    """Parsed columns of a create (``paths`` None) or of the masked fields of an update.

    Rules across fields need the whole record: run :func:`check_contract` on the merged values,
    then ``collector.raise_if_any()``.
    """
    collector = Collector()
    wanted = _mask(collector, paths, CONTRACT_UPDATABLE)
    values: dict[str, Any] = {}
    if paths is None:
        kind = from_proto(ContractKind, message.kind)
        if kind is None:
            collector.fail("kind", "is required")
        values["kind"] = kind
    texts = {"title": (200, True), "description": (4000, False), "reference": (100, False)}
    for name, (limit, required) in texts.items():
        if name in wanted:
            text = str(getattr(message, name))
            values[name] = collector.check(
                name,
                partial(validate_text, text, field=name, max_length=limit, required=required),
            )
    if "parties" in wanted:
        values["parties"] = _parties(collector, message.parties)
    if "valid_from" in wanted:
        values["valid_from"] = collector.check(
            "valid_from", lambda: parse_date(message.valid_from, field="valid_from")
        )
    if "valid_until" in wanted:
        values["valid_until"] = collector.check(
            "valid_until",
            lambda: parse_date(message.valid_until, field="valid_until", required=False),
        )
    if "renewal" in wanted:
        renewal = from_proto(RenewalType, message.renewal.type)
        if renewal is None:
            collector.fail("renewal.type", "is required")
        values["renewal_type"] = renewal
        values["renewal_period_months"] = message.renewal.renewal_period_months
        values["notice_period_days"] = message.renewal.notice_period_days
    if "amount_cents" in wanted:
        values["amount_cents"] = collector.check(
            "amount_cents",
            lambda: validate_amount(message.amount_cents, field="amount_cents", allow_zero=True),
        )
    if "amount_basis" in wanted:
        basis = from_proto(AmountBasis, message.amount_basis)
        values["amount_basis"] = basis.value if basis is not None else ""
    if "responsible_officer" in wanted:
        values["responsible_officer"] = collector.check(
            "responsible_officer",
            lambda: _subject(message.responsible_officer, "responsible_officer"),
        )
    if "client_id" in wanted:
        values["client_id"] = collector.check(
            "client_id", lambda: reference_id(message.client_id, "client_id", required=False)
        )
    return values, collector


def stored_terms(values: Mapping[str, Any]) -> Terms:
    return Terms(
        values["valid_from"],
        values["valid_until"],
        RenewalType(values["renewal_type"]),
        values["renewal_period_months"],
        values["notice_period_days"],
    )


def check_contract(merged: Mapping[str, Any], changed: Iterable[str], collector: Collector) -> None:
    """Rules across fields on the whole record after the change, checked when their fields
    parsed: the terms fit together, the parties fit the kind, a price has a basis."""
    touched = set(changed)
    if (
        touched & {"valid_from", "valid_until", "renewal_type"}
        and all(merged.get(c) is not None for c in ("valid_from", "renewal_type"))
        and not collector.failed("valid_from", "valid_until", "renewal")
    ):
        collector.check("renewal", lambda: check_terms(stored_terms(merged)))
    if (
        touched & {"parties", "kind"}
        and merged.get("kind") is not None
        and not collector.failed("parties")
    ):
        kind = ContractKind(merged["kind"])
        parties = [
            validate_party(
                PartyRole(p["role"]),
                p["name"],
                p["business_id"],
                p["is_person"],
                (p["contact_name"], p["contact_email"], p["contact_phone"]),
                field="parties",
            )
            for p in merged.get("parties") or []
        ]
        collector.check("parties", lambda: check_parties(kind, parties))
    if (
        touched & {"amount_cents", "amount_basis"}
        and merged.get("amount_cents")
        and not merged.get("amount_basis")
        and not collector.failed("amount_cents")
    ):
        collector.fail("amount_basis", "is required when the contract has a price")


# --- cost entries ------------------------------------------------------------------------------


def cost_entry_values(
    message: pb.CostEntry, today: date, paths: Iterable[str] | None = None
) -> dict[str, Any]:
    collector = Collector()
    wanted = _mask(collector, paths, COST_UPDATABLE)
    values: dict[str, Any] = {}
    if paths is None:
        values["client_id"] = collector.check(
            "client_id", lambda: reference_id(message.client_id, "client_id")
        )
    if "contract_id" in wanted:
        values["contract_id"] = collector.check(
            "contract_id",
            lambda: reference_id(message.contract_id, "contract_id", required=False),
        )
    if "account_code" in wanted:
        code = collector.check("account_code", lambda: account(message.account_code))
        values["account_code"] = code.code if code is not None else None
        values["compensation_type"] = code.compensation_type.value if code is not None else None
    if "amount_cents" in wanted:
        values["amount_cents"] = collector.check(
            "amount_cents", lambda: validate_amount(message.amount_cents, field="amount_cents")
        )
    if "activity_date" in wanted:
        day = collector.check(
            "activity_date", lambda: parse_date(message.activity_date, field="activity_date")
        )
        if day is not None:
            day = collector.check(
                "activity_date", lambda: validate_activity_date(day, today, field="activity_date")
            )
        values["activity_date"] = day
    if "description" in wanted:
        values["description"] = collector.check(
            "description",
            lambda: validate_text(message.description, field="description", max_length=1000),
        )
    if "invoice_reference" in wanted:
        values["invoice_reference"] = collector.check(
            "invoice_reference",
            lambda: validate_text(
                message.invoice_reference, field="invoice_reference", max_length=100
            ),
        )
    collector.raise_if_any()
    return values


def optional_date(value: str, field: str) -> date | None:
    collector = Collector()
    day = collector.check(field, lambda: parse_date(value, field=field, required=False))
    collector.raise_if_any()
    return day


def required_text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    collector = Collector()
    text = collector.check(
        field, lambda: validate_text(value, field=field, max_length=max_length, required=required)
    )
    collector.raise_if_any()
    return text or ""
