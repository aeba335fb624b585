"""Search keys carry the client's municipality and sort name, indexed for tenant-scoped search.

A search then reads one municipality's matches for a key, already in (sort name, id) order, from
one index range, instead of every municipality's matches joined back to the clients table; and
checks a candidate's keys in an index of (client_id, search_key) alone.

Revision ID: clients_0004
Revises: clients_0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "clients_0004"
down_revision = "clients_0003"
branch_labels = None
depends_on = None

SearchKey = sa.String(120).with_variant(sa.String(120, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("client_search_keys") as batch:
        batch.add_column(sa.Column("municipality_code", sa.String(3), nullable=True))
        batch.add_column(sa.Column("sort_name", SearchKey, nullable=True))
    op.execute(
        "UPDATE client_search_keys SET"
        " municipality_code = (SELECT c.municipality_code FROM clients c"
        " WHERE c.id = client_search_keys.client_id),"
        " sort_name = (SELECT c.sort_name FROM clients c WHERE c.id = client_search_keys.client_id)"
    )
    with op.batch_alter_table("client_search_keys") as batch:
        batch.alter_column("municipality_code", existing_type=sa.String(3), nullable=False)
        batch.alter_column("sort_name", existing_type=SearchKey, nullable=False)
    op.create_index(
        "ix_client_search_keys_match",
        "client_search_keys",
        ["municipality_code", "search_key", "sort_name", "client_id"],
    )
    # A candidate's keys are probed without visiting the table.
    op.create_index(
        "ix_client_search_keys_client_key", "client_search_keys", ["client_id", "search_key"]
    )
    op.drop_index("ix_client_search_keys_client", table_name="client_search_keys")


def downgrade() -> None:
    op.create_index("ix_client_search_keys_client", "client_search_keys", ["client_id"])
    op.drop_index("ix_client_search_keys_client_key", table_name="client_search_keys")
    op.drop_index("ix_client_search_keys_match", table_name="client_search_keys")
    with op.batch_alter_table("client_search_keys") as batch:
        batch.drop_column("sort_name")
        batch.drop_column("municipality_code")
