"""How fast claimers take migrations from Glint's queue, on real servers.

Run by ``tox -e benchmark-queue``, on a MariaDB server and a PostgreSQL
server that it starts on loopback. For each database, queue length
(``--queued``) and number of claimers (``--claimers``, separate processes,
each with its own connections), it queues migrations of five projects, lets
the claimers take ``--claims`` of them between them, and measures two ways
side by side in one run on the same server:

* Glint's claim (``Database.claim_next``): the oldest queued migration of
  the project with the fewest running, locked with SKIP LOCKED;
* the way before it: list every queued id, oldest first, then try to claim
  each in turn with a conditional update (all claimers race for the oldest).

For each it prints claims per second, attempts per claim and rows read per
claim. An attempt is one try to take one particular migration: a SELECT ...
FOR UPDATE of a project's oldest queued migration (Glint's claim), or a
conditional update of one listed id (the way before). One attempt per claim
is the least possible; more means that claimers tried for rows that others
took. Rows read are the server's own count, for the migrations table, of
the rows and index entries its queries read (MariaDB's TABLE_STATISTICS,
PostgreSQL's pg_stat_user_tables and pg_stat_user_indexes): unlike the
rates, a figure that the machine's load does not change.

The claimers take the same number of migrations from a queue of 1,000 as
from one of 10,000, so that the two runs differ by the queue's length
alone. Each claimer works as an engine does with ``[engine]
max_transfers`` (``--max-transfers``, 4): it runs that many migrations at
most, and before it claims one more it ends its oldest (as its transfer
would end), so that the running migrations stay as few as engines keep
them (``--max-transfers 0``: all stay running, as many as the claims).
Each new queue is in a new database, its migrations inserted in one
transaction, its statistics brought up to date (ANALYZE) as the servers'
own automatic analysis would. The claimers connect before the clock
starts. No transfer runs: this measures the queue alone.

The machine is shared and noisy: the ratios measured in one run hold,
absolute rates do not. Each figure is the median of ``--rounds`` rounds,
the two ways taking turns going first. At the end, for each database: the
claims per second and rows read per claim at 10,000 queued over those at
1,000 (1 when the queue's length does not matter), claims per second of 8
claimers over 1 (more than 1 when claimers work in parallel), and attempts
per claim.
"""

import argparse
import datetime
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import uuid

import sqlalchemy as sa

from glint_service.db import api as db_api
from glint_service.db import models
from glint_service.db import schema
from tests import cloudbed

PROJECTS = 5
WAYS = ('claim_next', 'listing')


def claim_by_listing(db, owner, attempts):
    """The claim before claim_next: the whole queue listed, then raced."""
    query = sa.select(models.Migration.id).where(
        models.Migration.status == 'queued').order_by(
        models.Migration.created_at)
    with db._session() as session:
        queued = list(session.scalars(query))
    for migration_id in queued:
        attempts[0] += 1
        if db.claim(migration_id, owner, 300):
            return migration_id
    return None


def claimer(url, way, owner, max_transfers, start, tickets, results):
    """Claim while there are tickets left; put (claims, attempts).

    In a session of its own, as an engine started as a service is: Linux's
    autogroup scheduling then weighs each claimer as one process, not all
    the claimers together as one.
    """
    os.setsid()
    db = db_api.Database(url)
    attempts = [0]
    if way == 'claim_next':
        def claim():
            return db.claim_next(owner, 300)

        @sa.event.listens_for(db.sql_engine, 'before_cursor_execute')
        def count(connection, cursor, statement, *args):
            if 'FOR UPDATE' in statement:
                attempts[0] += 1
    else:
        def claim():
            return claim_by_listing(db, owner, attempts)
    db.ping()
    running = []
    claims = 0
    start.wait()
    while True:
        with tickets.get_lock():
            if tickets.value == 0:
                break
            tickets.value -= 1
        if max_transfers and len(running) == max_transfers:
            db.end_migration(running.pop(0), {}, status='succeeded',
                             finished_at=db_api.utcnow())
        running.append(claim())
        assert running[-1] is not None
        claims += 1
    db.sql_engine.dispose()
    results.put((claims, attempts[0]))


def fill(url, queued):
    """``queued`` migrations of PROJECTS projects, in turns, oldest first."""
    engine = sa.create_engine(url)
    now = db_api.utcnow()
    rows = [{'id': str(uuid.uuid4()),
             'project_id': 'project-%d' % (i % PROJECTS),
             'created_by': 'u', 'image_id': 'i', 'source': 'local',
             'visibility': 'private', 'on_conflict': 'copy', 'size': 1,
             'status': 'queued', 'bytes_read': 0, 'cancel_requested': False,
             'created_at': now + datetime.timedelta(microseconds=i),
             'updated_at': now} for i in range(queued)]
    with engine.begin() as connection:
        connection.execute(sa.insert(models.Migration), rows)
    with engine.connect() as connection:
        connection.execute(sa.text(
            'ANALYZE migrations' if engine.dialect.name == 'postgresql'
            else 'ANALYZE TABLE migrations'))
        connection.commit()
    engine.dispose()


class Server(object):
    """A database server of the benchmark, and new databases on it."""

    def __init__(self, name, server):
        self.name = name
        self.server = server
        self.count = 0

    def create_database(self):
        self.count += 1
        self.database = 'queue%d' % self.count
        return self.server.create_database(self.database)

    @property
    def postgresql(self):
        return isinstance(self.server, cloudbed.PostgreSQL)

    def start(self):
        self.server.start()
        if not self.postgresql:
            # MariaDB's counts of rows read, per table.
            self._query('SET GLOBAL userstat = 1')

    def drop_database(self):
        if self.postgresql:
            self._query('DROP DATABASE "%s" WITH (FORCE)' % self.database)
        else:
            self._query('DROP DATABASE `%s`' % self.database)

    def rows_read(self):
        """Rows and index entries read in the migrations table so far."""
        if not self.postgresql:
            return self._query(
                "SELECT ROWS_READ FROM information_schema.TABLE_STATISTICS "
                "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'migrations'",
                self.database) or 0
        # A server process adds its counts when it ends: once every
        # connection to the database is closed, they are all there.
        cloudbed.wait_for(lambda: not self._query(
            'SELECT count(*) FROM pg_stat_activity WHERE datname = %s',
            self.database), cloudbed.WAIT, 'connections closed')
        return self._query(
            "SELECT seq_tup_read + (SELECT coalesce(sum(idx_tup_read), 0) "
            "FROM pg_stat_user_indexes WHERE relname = 'migrations') "
            "FROM pg_stat_user_tables WHERE relname = 'migrations'",
            database=self.database)

    def _query(self, statement, *args, database='postgres'):
        """The first column of the first row of a statement, if any."""
        if self.postgresql:
            connection = self.server.connect_as_superuser(database)
        else:
            connection = self.server.connect_as_root()
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, args or None)
                row = cursor.fetchone() if cursor.description else None
        finally:
            connection.close()
        return row[0] if row else None


def run(server, way, queued, claimers, claims, max_transfers):
    """Claims per second, attempts and rows read per claim of one run."""
    url = server.create_database()
    schema.upgrade(url)
    fill(url, queued)
    before = server.rows_read()
    context = multiprocessing.get_context('fork')
    start = context.Barrier(claimers + 1)
    tickets = context.Value('i', claims)
    results = context.Queue()
    processes = [context.Process(target=claimer,
                                 args=(url, way, 'c%d' % i, max_transfers,
                                       start, tickets, results))
                 for i in range(claimers)]
    for process in processes:
        process.start()
    start.wait()
    began = time.monotonic()
    counts = [results.get() for _ in processes]
    elapsed = time.monotonic() - began
    for process in processes:
        process.join()
    rows = server.rows_read() - before
    server.drop_database()
    taken = sum(c for c, _ in counts)
    assert taken == claims, (taken, claims)
    return taken / elapsed, sum(a for _, a in counts) / taken, rows / taken


def measure(server, queued_list, claimers_list, claims, max_transfers,
            rounds):
    """{(way, queued, claimers): (claims/s, attempts, rows per claim)}."""
    figures = {}
    print('%s, median of %d rounds: claims per second (Glint\'s claim, '
          'listing first, ratio), attempts per claim, rows read per claim'
          % (server.name, rounds))
    for queued in queued_list:
        for claimers in claimers_list:
            runs = {way: [] for way in WAYS}
            for number in range(rounds):
                for way in WAYS if number % 2 == 0 else WAYS[::-1]:
                    runs[way].append(run(server, way, queued, claimers,
                                         claims, max_transfers))
            for way in WAYS:
                figures[way, queued, claimers] = tuple(
                    statistics.median(column) for column in zip(*runs[way]))
            new, old = (figures[way, queued, claimers] for way in WAYS)
            print('  %6d queued, %d claimers: %5.0f %5.0f %5.2f, '
                  'attempts %5.2f %5.2f, rows %6.1f %8.1f'
                  % (queued, claimers, new[0], old[0], new[0] / old[0],
                     new[1], old[1], new[2], old[2]), flush=True)
    return figures


def summary(name, figures, queued_list, claimers_list):
    short, long_ = min(queued_list), max(queued_list)
    few, many = min(claimers_list), max(claimers_list)
    print('%s, Glint\'s claim (listing first in brackets):' % name)
    for claimers in claimers_list:
        print('  at %d queued over %d, %d claimers: claims/s %s, rows read '
              'per claim %s'
              % (long_, short, claimers,
                 ratio(figures, 0, (long_, claimers), (short, claimers)),
                 ratio(figures, 2, (long_, claimers), (short, claimers))))
    for queued in queued_list:
        print('  claims/s of %d claimers over %d, %d queued: %s'
              % (many, few, queued,
                 ratio(figures, 0, (queued, many), (queued, few))))
    worst = {way: max(f[1] for (w, q, c), f in figures.items() if w == way)
             for way in WAYS}
    print('  attempts per claim, at most: %.2f (%.2f)'
          % (worst['claim_next'], worst['listing']), flush=True)


def ratio(figures, column, top, bottom):
    return '%.2f (%.2f)' % tuple(
        figures[(way,) + top][column] / figures[(way,) + bottom][column]
        for way in WAYS)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('--databases', default='mariadb,postgresql')
    parser.add_argument('--queued', default='1000,10000')
    parser.add_argument('--claimers', default='1,4,8')
    parser.add_argument('--claims', type=int, default=500,
                        help='migrations taken in each run, fewer than '
                             'the shortest queue')
    parser.add_argument('--max-transfers', type=int, default=4,
                        help='migrations each claimer runs at most; 0: '
                             'no limit, none ends')
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    queued_list = [int(q) for q in args.queued.split(',')]
    claimers_list = [int(c) for c in args.claimers.split(',')]
    if args.claims >= min(queued_list):
        parser.error('--claims must be fewer than the shortest queue')
    root = tempfile.mkdtemp(prefix='glint-queue-benchmark-')
    kinds = {'mariadb': ('MariaDB', cloudbed.MariaDB),
             'postgresql': ('PostgreSQL', cloudbed.PostgreSQL)}
    servers = []
    try:
        for kind in args.databases.split(','):
            name, server_class = kinds[kind]
            servers.append(Server(name, server_class(root)))
            servers[-1].start()
        results = [(server.name, measure(
            server, queued_list, claimers_list, args.claims,
            args.max_transfers, args.rounds)) for server in servers]
        for name, figures in results:
            summary(name, figures, queued_list, claimers_list)
    finally:
        for server in servers:
            server.server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
