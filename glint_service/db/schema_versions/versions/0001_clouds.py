"""Remote clouds.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clouds',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(64), nullable=False, index=True),
        sa.Column('created_by', sa.String(64), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('auth_url', sa.String(1024), nullable=False),
        sa.Column('region_name', sa.String(255)),
        sa.Column('auth_type', sa.String(64), nullable=False),
        sa.Column('interface', sa.String(16), nullable=False),
        sa.Column('verify', sa.Boolean, nullable=False),
        sa.Column('cacert', sa.Text),
        sa.Column('auth', sa.JSON, nullable=False),
        sa.Column('sealed_secrets', sa.Text, nullable=False),
        sa.Column('image_endpoint', sa.String(1024), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False),
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_clouds0project_id0name'),
    )
