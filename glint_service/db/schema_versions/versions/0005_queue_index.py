"""An index for taking the next queued migration of a project.

The claim looks up the projects with queued migrations and the oldest
queued migration of one project: both read this index alone.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_migrations_status_project_created', 'migrations',
                    ['status', 'project_id', 'created_at'])
