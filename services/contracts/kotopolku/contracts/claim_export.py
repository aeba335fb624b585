"""A compensation claim as a document for KEHA-keskus: JSON described by a JSON Schema
(``schemas/compensation-claim-v1.schema.json``) and CSV, each with its SHA-256.

The JSON document carries everything KEHA's handler needs to check the claim line by line: the
period and type, each cost with its account code, activity date, amount, evidence reference and
the client's eligibility basis as recorded when the claim was assembled. Amounts are integer
cents plus the same amount as an exact decimal string; nothing is a floating-point number. The
CSV has one row per line (RFC 4180, UTF-8, comma-separated, CRLF) for spreadsheets.

Both are byte-for-byte reproducible from the same data: keys in a fixed order, no timestamps of
the moment of export. At submission the JSON document is frozen in object storage, and later
exports of the claim return that document.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from kotopolku.contracts.domain.accounts import CHART, CompensationType, account
from kotopolku.contracts.domain.deadline import claim_deadline
from kotopolku.contracts.domain.money import euros

SCHEMA_ID: Final = "urn:kotopolku:schema:keha-compensation-claim:1"
JSON_MEDIA_TYPE: Final = "application/json"
CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8; header=present"
CSV_COLUMNS: Final = (
    "line_number",
    "cost_entry_id",
    "client_id",
    "contract_id",
    "account_code",
    "activity_date",
    "amount_cents",
    "amount_eur",
    "description",
    "invoice_reference",
    "segment",
    "residence_permit_type",
    "first_permit_date",
)


@dataclass(frozen=True, slots=True)
class Document:
    content: bytes
    media_type: str
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def schema() -> dict[str, Any]:
    text = (
        resources.files("kotopolku.contracts")
        .joinpath("schemas/compensation-claim-v1.schema.json")
        .read_text(encoding="utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _filename(claim: Any, extension: str) -> str:
    return (
        f"korvaushakemus-{claim.municipality_code}-{claim.compensation_type.lower()}-"
        f"{claim.period_start.isoformat()}_{claim.period_end.isoformat()}.{extension}"
    )


def _line(line: Any) -> dict[str, Any]:
    facts = line.eligibility or {}
    code = account(line.account_code)
    return {
        "line_number": line.line_number,
        "cost_entry_id": line.cost_entry_id,
        "client_id": line.client_id,
        "contract_id": line.contract_id or None,
        "account_code": code.code,
        "account_name": code.name_fi,
        "activity_date": line.activity_date.isoformat(),
        "claim_deadline": claim_deadline(line.activity_date).isoformat(),
        "amount_cents": line.amount_cents,
        "amount": euros(line.amount_cents),
        "description": line.description,
        "invoice_reference": line.invoice_reference,
        "eligibility": {
            "segment": facts.get("segment") or None,
            "residence_permit_type": facts.get("residence_permit_type") or None,
            "first_permit_date": facts.get("first_permit_date") or None,
        },
    }


def json_document(
    claim: Any, lines: Sequence[Any], submitted_on: str = "", submission_reference: str = ""
) -> Document:
    compensation_type = CompensationType(claim.compensation_type)
    total = sum(line.amount_cents for line in lines)
    body: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "format_version": 1,
        "claim_id": claim.id,
        "municipality_code": claim.municipality_code,
        "compensation_type": compensation_type.value,
        "legal_basis": next(
            a.legal_basis for a in CHART if a.compensation_type is compensation_type
        ),
        "period": {"start": claim.period_start.isoformat(), "end": claim.period_end.isoformat()},
        "submitted_on": submitted_on or None,
        "submission_reference": submission_reference or None,
        "currency": "EUR",
        "line_count": len(lines),
        "total_cents": total,
        "total": euros(total),
        "lines": [_line(line) for line in lines],
    }
    content = (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return Document(content, JSON_MEDIA_TYPE, _filename(claim, "json"))


def csv_document(claim: Any, lines: Sequence[Any]) -> Document:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        facts = line.eligibility or {}
        writer.writerow(
            (
                line.line_number,
                line.cost_entry_id,
                line.client_id,
                line.contract_id,
                line.account_code,
                line.activity_date.isoformat(),
                line.amount_cents,
                euros(line.amount_cents),
                line.description,
                line.invoice_reference,
                facts.get("segment", ""),
                facts.get("residence_permit_type", ""),
                facts.get("first_permit_date", ""),
            )
        )
    return Document(buffer.getvalue().encode("utf-8"), CSV_MEDIA_TYPE, _filename(claim, "csv"))
