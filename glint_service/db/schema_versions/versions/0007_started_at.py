"""When each migration was last claimed to run, for the queue's turns.

The project whose migration was started longest ago goes first among those
with as many running (see Database.claim_next): with one engine running one
transfer at a time, one project's long queue holds another project's
migration back by one claim only. The index gives a project's last start in
one entry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # To the microsecond on MySQL and MariaDB, as revision 0004 made the
    # other times.
    op.add_column('migrations', sa.Column(
        'started_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6),
                                                 'mysql', 'mariadb')))
    op.create_index('ix_migrations_project_started', 'migrations',
                    ['project_id', 'started_at'])
