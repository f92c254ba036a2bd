"""_cron_leases: one row per cron job and tick, so each job runs once per tick across the cluster

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "_cron_leases",
        sa.Column("job", sa.Text, primary_key=True),
        sa.Column("tick", sa.Text, primary_key=True),
        sa.Column("node", sa.Text, nullable=False, server_default=""),
        sa.Column("created", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("_cron_leases")
