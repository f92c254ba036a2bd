"""system collections: _superusers, users, _externalAuths, _mfas, _otps, _authOrigins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from alembic import op

from baas.db.dialect import dialect_for
from baas.schema import system

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    system.install(connection, dialect_for(connection.dialect.name))


def downgrade() -> None:
    system.uninstall(op.get_bind())
