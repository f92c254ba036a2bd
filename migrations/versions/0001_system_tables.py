"""system tables: _collections and _params

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "_collections",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False, server_default="base"),
        sa.Column("system", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("fields", sa.Text, nullable=False, server_default="[]"),
        sa.Column("indexes", sa.Text, nullable=False, server_default="[]"),
        sa.Column("listRule", sa.Text, nullable=True),
        sa.Column("viewRule", sa.Text, nullable=True),
        sa.Column("createRule", sa.Text, nullable=True),
        sa.Column("updateRule", sa.Text, nullable=True),
        sa.Column("deleteRule", sa.Text, nullable=True),
        sa.Column("options", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created", sa.Text, nullable=False, server_default=""),
        sa.Column("updated", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("_collections_name_idx", "_collections", [sa.text("lower(name)")], unique=True)
    op.create_table(
        "_params",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created", sa.Text, nullable=False, server_default=""),
        sa.Column("updated", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("_params")
    op.drop_index("_collections_name_idx", "_collections")
    op.drop_table("_collections")
