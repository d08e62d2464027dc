"""An index of the queued migrations alone, on PostgreSQL.

To take the oldest queued migration of a project, PostgreSQL's planner may
choose the index on created_at and read every older migration of every
project, instead of revision 0005's index, which reads one entry: it did
once ten thousand queued migrations had been claimed two thousand times.
It takes this partial index, which holds the queued migrations alone, by
project and age. MariaDB and MySQL have no partial indexes; they, and
SQLite, take revision 0005's index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index('ix_migrations_queued', 'migrations',
                    ['project_id', 'created_at'],
                    postgresql_where=sa.text("status = 'queued'"))
