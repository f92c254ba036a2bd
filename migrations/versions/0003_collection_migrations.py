"""_migrations: which collection migration files (automigrate / schema as code) have been applied

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "_migrations",
        sa.Column("file", sa.Text, primary_key=True),
        sa.Column("applied", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("_migrations")
