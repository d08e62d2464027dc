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

For each it prints claims per second and attempts per claim. An attempt is
one try to take one particular migration: a SELECT ... FOR UPDATE of a
project's oldest queued migration (Glint's claim), or a conditional update
of one listed id (the way before). One attempt per claim is the least
possible; more means that claimers tried for rows that others took.

The claimers take the same number of migrations from a queue of 1,000 as
from one of 10,000, so that the two runs differ by the queue's length
alone: the migrations they take stay running, as many in both. Each new
queue is in a new database, its migrations inserted in one transaction,
its statistics brought up to date (ANALYZE) as the servers' own automatic
analysis would. No transfer runs: this measures the queue alone.

The machine is shared and noisy: the ratios measured in one run hold,
absolute rates do not. Each figure is the median of ``--rounds`` rounds,
the two ways taking turns going first. At the end, for each database: the
claims per second at 10,000 queued over those at 1,000 (1 when the queue's
length does not matter), those of 8 claimers over 1 (more than 1 when
claimers work in parallel), and attempts per claim.
"""

import argparse
import datetime
import multiprocessing
import os
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


def claimer(url, way, owner, start, tickets, results):
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

        @sa.event.listens_for(db.engine, 'before_cursor_execute')
        def count(connection, cursor, statement, *args):
            if 'FOR UPDATE' in statement:
                attempts[0] += 1
    else:
        def claim():
            return claim_by_listing(db, owner, attempts)
    claims = 0
    start.wait()
    while True:
        with tickets.get_lock():
            if tickets.value == 0:
                break
            tickets.value -= 1
        assert claim() is not None
        claims += 1
    results.put((claims, attempts[0]))
    db.engine.dispose()


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

    def drop_database(self):
        if isinstance(self.server, cloudbed.PostgreSQL):
            connection = self.server.connect_as_superuser()
            statement = 'DROP DATABASE "%s"' % self.database
        else:
            connection = self.server.connect_as_root()
            statement = 'DROP DATABASE `%s`' % self.database
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


def run(server, way, queued, claimers, claims):
    """Claims per second and attempts per claim of one run."""
    url = server.create_database()
    schema.upgrade(url)
    fill(url, queued)
    context = multiprocessing.get_context('fork')
    start = context.Barrier(claimers + 1)
    tickets = context.Value('i', claims)
    results = context.Queue()
    processes = [context.Process(target=claimer,
                                 args=(url, way, 'c%d' % i, start, tickets,
                                       results))
                 for i in range(claimers)]
    for process in processes:
        process.start()
    start.wait()
    began = time.monotonic()
    counts = [results.get() for _ in processes]
    elapsed = time.monotonic() - began
    for process in processes:
        process.join()
    server.drop_database()
    taken = sum(c for c, _ in counts)
    assert taken == claims, (taken, claims)
    return taken / elapsed, sum(a for _, a in counts) / taken


def measure(server, queued_list, claimers_list, claims, rounds):
    """{(way, queued, claimers): (claims/s, attempts per claim)}."""
    figures = {}
    print('%s: claims per second and attempts per claim, median of %d '
          'rounds' % (server.name, rounds))
    print('  %7s %8s %11s %8s %6s %19s %8s'
          % ('queued', 'claimers', 'claim_next', 'listing', 'ratio',
             'attempts claim_next', 'listing'))
    for queued in queued_list:
        for claimers in claimers_list:
            rates = {way: [] for way in WAYS}
            attempts = {way: [] for way in WAYS}
            for number in range(rounds):
                for way in WAYS if number % 2 == 0 else WAYS[::-1]:
                    rate, tries = run(server, way, queued, claimers, claims)
                    rates[way].append(rate)
                    attempts[way].append(tries)
            for way in WAYS:
                figures[way, queued, claimers] = (
                    statistics.median(rates[way]),
                    statistics.median(attempts[way]))
            new, old = (figures[way, queued, claimers] for way in WAYS)
            print('  %7d %8d %11.0f %8.0f %6.2f %19.2f %8.2f'
                  % (queued, claimers, new[0], old[0], new[0] / old[0],
                     new[1], old[1]), flush=True)
    return figures


def summary(name, figures, queued_list, claimers_list):
    short, long_ = min(queued_list), max(queued_list)
    few, many = min(claimers_list), max(claimers_list)
    print('%s, claim_next (listing in brackets):' % name)
    for claimers in claimers_list:
        print('  claims/s at %d queued over %d, %d claimers: %s'
              % (long_, short, claimers, ratio(figures, (long_, claimers),
                                               (short, claimers))))
    for queued in queued_list:
        print('  claims/s of %d claimers over %d, %d queued: %s'
              % (many, few, queued, ratio(figures, (queued, many),
                                          (queued, few))))
    worst = {way: max(a for (w, q, c), (r, a) in figures.items() if w == way)
             for way in WAYS}
    print('  attempts per claim, at most: %.2f (%.2f)'
          % (worst['claim_next'], worst['listing']), flush=True)


def ratio(figures, top, bottom):
    return '%.2f (%.2f)' % tuple(
        figures[(way,) + top][0] / figures[(way,) + bottom][0]
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
            servers[-1].server.start()
        results = [(server.name, measure(server, queued_list, claimers_list,
                                         args.claims, args.rounds))
                   for server in servers]
        for name, figures in results:
            summary(name, figures, queued_list, claimers_list)
    finally:
        for server in servers:
            server.server.stop()


if __name__ == '__main__':
    main()
