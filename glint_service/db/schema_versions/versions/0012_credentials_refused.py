"""Remote clouds whose credentials the remote end refused; one exchange of
a refresh token at a time.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('clouds', sa.Column('credentials_refused_at',
                                      sa.DateTime))
    op.add_column('clouds', sa.Column('credentials_refused_reason',
                                      sa.String(255)))
    op.add_column('clouds', sa.Column('refresh_lease_until', sa.DateTime))
