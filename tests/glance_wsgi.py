"""Glance's WSGI app for gunicorn, on the SQLite database of a test bed.

oslo.db begins Glance's SQLite transactions deferred: when two requests read
and then write at the same moment, SQLite refuses one of them at once
("database is locked", HTTP 500) rather than let it wait. A deployed Glance
has MySQL or PostgreSQL; here every transaction takes SQLite's write lock as
it begins (BEGIN IMMEDIATE), so that the requests wait for one another.
"""

from sqlalchemy import engine
from sqlalchemy import event
from sqlalchemy import text


@event.listens_for(engine.Engine, 'begin')
def _begin_immediate(connection):
    # Runs before oslo.db's listener of the engine, which then finds the
    # transaction begun and emits no BEGIN of its own.
    if (connection.dialect.name == 'sqlite'
            and 'in_transaction' not in connection.info):
        connection.execute(text('BEGIN IMMEDIATE'))
        connection.info['in_transaction'] = True


from glance.wsgi.api import application  # noqa: E402,F401
