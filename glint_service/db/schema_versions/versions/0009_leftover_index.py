"""The targets whose images Glint still has to delete, found by an index.

Every engine looks for them six times per lease (see Database.leftovers);
without an index each look read every target of every migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_migration_targets_leftover', 'migration_targets',
                    ['leftover'])
