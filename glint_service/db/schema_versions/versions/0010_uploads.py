"""Uploads: a migration whose data comes in a request has no source image.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # In a batch: SQLite alters a column by copying its table.
    with op.batch_alter_table('migrations') as batch:
        batch.alter_column('image_id', existing_type=sa.String(64),
                           nullable=True)
