"""Migrations and their targets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'migrations',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(64), nullable=False, index=True),
        sa.Column('created_by', sa.String(64), nullable=False),
        sa.Column('image_id', sa.String(64), nullable=False),
        sa.Column('image_name', sa.String(255)),
        sa.Column('source', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255)),
        sa.Column('visibility', sa.String(16), nullable=False),
        sa.Column('on_conflict', sa.String(32), nullable=False),
        sa.Column('size', sa.BigInteger),
        sa.Column('os_hash_algo', sa.String(64)),
        sa.Column('os_hash_value', sa.String(128)),
        sa.Column('status', sa.String(16), nullable=False, index=True),
        sa.Column('bytes_read', sa.BigInteger, nullable=False),
        sa.Column('error', sa.Text),
        sa.Column('trust_id', sa.String(64)),
        sa.Column('cancel_requested', sa.Boolean, nullable=False),
        sa.Column('owner', sa.String(255)),
        sa.Column('lease_until', sa.DateTime),
        sa.Column('created_at', sa.DateTime, nullable=False, index=True),
        sa.Column('updated_at', sa.DateTime, nullable=False),
        sa.Column('finished_at', sa.DateTime),
    )
    op.create_table(
        'migration_targets',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('migration_id', sa.String(36),
                  sa.ForeignKey('migrations.id', ondelete='CASCADE'),
                  nullable=False, index=True),
        sa.Column('position', sa.Integer, nullable=False),
        sa.Column('cloud_id', sa.String(36), nullable=False, index=True),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('image_id', sa.String(64)),
        sa.Column('bytes_written', sa.BigInteger, nullable=False),
        sa.Column('error', sa.Text),
        sa.Column('leftover', sa.Boolean, nullable=False),
    )
