"""No index of the migrations' status alone.

To count a project's running migrations, PostgreSQL's planner took the
index of the status alone, and read every running migration of every
project for each project. Revision 0005's index starts with the status: it
serves every query that the status alone served, and counts the running
migrations of one project alone. One index fewer to update at each change
of status, too.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_migrations_status', table_name='migrations')
