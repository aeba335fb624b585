"""The e-signature service's part of the client-records contract (archiving, docs/archiving.md):
the client's signing requests with their signers, and the documents (the rendered plan and each
signed version, exported as the PDF itself) go into the archival package and are then removed,
with invitations and reminders not yet sent. A document is kept while another request uses it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kotopolku.common.client_records import (
    ClientRecordsConfig,
    RecordSource,
    StoredFile,
    owned_by_client,
    rows_of,
)
from kotopolku.esign.tables import deliveries, documents, signers, signing_requests

_request = owned_by_client(signing_requests)


def _hashes(requests: ColumnElement[bool]) -> sa.CompoundSelect:
    chosen = sa.select(signing_requests.c.id).where(requests)
    return sa.union(
        sa.select(signing_requests.c.original_sha256).where(requests),
        sa.select(signing_requests.c.document_sha256).where(requests),
        sa.select(signers.c.document_sha256).where(
            signers.c.request_id.in_(chosen), signers.c.document_sha256.is_not(None)
        ),
    )


def _documents(client_id: str, municipality: str) -> ColumnElement[bool]:
    mine = _request(client_id, municipality)
    return sa.and_(
        documents.c.sha256.in_(_hashes(mine)), documents.c.sha256.not_in(_hashes(sa.not_(mine)))
    )


CLIENT_RECORDS = ClientRecordsConfig(
    sources=(
        RecordSource("esign.signing-request", signing_requests, _request),
        RecordSource(
            "esign.signer",
            signers,
            rows_of(signers, "request_id", signing_requests, _request),
            id_columns=("request_id", "position"),
            created_column=None,
            updated_column="signed_at",
            parent=("esign.signing-request", "request_id"),
        ),
        RecordSource(
            "esign.delivery",
            deliveries,
            rows_of(deliveries, "request_id", signing_requests, _request),
            id_columns=("seq",),
            updated_column=None,
            exported=False,
        ),
        RecordSource(
            "esign.document",
            documents,
            _documents,
            id_columns=("sha256",),
            updated_column=None,
            file=StoredFile("content", "media_type"),
        ),
    )
)
