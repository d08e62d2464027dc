"""What each target's image is made with, on the target's own row.

Today the name and the visibility, the same for every target of a
migration; a setting of one target alone (a disk format per cloud, say)
has its place here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('migration_targets', sa.Column('settings', sa.JSON))
