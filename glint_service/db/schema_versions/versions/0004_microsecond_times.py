"""Times to the microsecond on MySQL and MariaDB.

Their DATETIME keeps whole seconds unless told otherwise, so migrations
asked for within one second had no order ("newest first"). SQLite and
PostgreSQL keep microseconds already: nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from alembic import op
from sqlalchemy.dialects import mysql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Table: its time columns and whether each may be NULL.
TIMES = {
    'clouds': {'created_at': False, 'updated_at': False},
    'migrations': {'lease_until': True, 'created_at': False,
                   'updated_at': False, 'finished_at': True},
}


def upgrade():
    if op.get_bind().dialect.name not in ('mysql', 'mariadb'):
        return
    for table, columns in TIMES.items():
        for column, nullable in columns.items():
            op.alter_column(table, column, type_=mysql.DATETIME(fsp=6),
                            existing_nullable=nullable)
