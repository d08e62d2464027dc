"""Glint's data layer: every query goes through a ``Database``.

Its queries are grouped by what they are about: the remote clouds
(db.clouds), the migrations as the API sees them (db.migrations), and the
queue the engines work from (db.queue).
"""

import re

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


# MySQL's answer to text that a column's character set cannot hold. In
# utf8mb3 (DevStack's "utf8"), that is a character beyond U+FFFF, which
# UTF-8 writes in four bytes, the first \xF0 to \xF4. MariaDB names the
# column `db`.`table`.`column`, MySQL 'column'.
_INCORRECT_STRING = 1366
_BEYOND_UTF8MB3 = re.compile(r"Incorrect string value: '\\x[Ff][0-4].* "
                             r"for column \S*?[`']?(\w+)[`']? at row ")


def _beyond_utf8mb3(context):
    """Text MySQL's utf8mb3 cannot store: a 400 naming the column, not a 500.

    The API's fields of text are stored in columns of the same name.
    """
    args = context.original_exception.args
    if len(args) == 2 and args[0] == _INCORRECT_STRING:
        match = _BEYOND_UTF8MB3.match(str(args[1]))
        if match:
            raise exception.TextNotStorable(match.group(1))


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
        sa.event.listen(self.sql_engine, 'handle_error', _beyond_utf8mb3)
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
