"""Glint's data layer: every query goes through a ``Database``.

Its queries are grouped by what they are about: the remote clouds
(db.clouds), the migrations as the API sees them (db.migrations), and the
queue the engines work from (db.queue).
"""

from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import orm

from glint_service.db import clouds
from glint_service.db import migrations
from glint_service.db import models
from glint_service.db import queue
from glint_service.db import schema
from glint_service import exception

LOG = logging.getLogger(__name__)

utcnow = models.utcnow


def _unreachable(context):
    """A database that cannot be reached: one line in the log, and a 503."""
    if context.is_pre_ping:
        return  # The pool tries a new connection.
    # No connection: the error came when connecting.
    if context.is_disconnect or context.connection is None:
        LOG.error("Glint's database cannot be reached: %s",
                  context.original_exception)
        raise exception.DatabaseUnavailable()


class Database(clouds.Clouds, migrations.Migrations, queue.Queue):
    """A database's connections, and Glint's queries of it."""

    def __init__(self, url):
        connect_args = {}
        if url.startswith('sqlite'):
            # Wait for a writer in another thread or process, not fail.
            connect_args['timeout'] = 30
        self.url = url
        self.sql_engine = sa.create_engine(
            url, connect_args=connect_args, pool_pre_ping=True)
        sa.event.listen(self.sql_engine, 'handle_error', _unreachable)
        self._session = orm.sessionmaker(self.sql_engine,
                                         expire_on_commit=False)

    def ping(self):
        with self.sql_engine.connect() as connection:
            connection.execute(sa.text('SELECT 1'))

    def check_schema(self):
        """Raise unless the schema is the newest one."""
        current = schema.current_revision(self.sql_engine)
        head = schema.head_revision(self.url)
        if current != head:
            raise exception.GlintError(
                'The database schema is at revision %s, not %s: run '
                '"glint-manage db sync".' % (current, head))
