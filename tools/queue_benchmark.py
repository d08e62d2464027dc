"""How fast claimers empty Glint's queue, on a real MariaDB server.

Run by ``tox -e benchmark-queue``.
For each queue length and number of claimers (separate processes, each
with its connections), it queues migrations of a few projects, lets the
claimers take them all, and prints claims per second for two ways, side by
side in one run on the same server:

* Glint's claim (``Database.claim_next``): the next migration of the
  project with the fewest running, locked with SKIP LOCKED;
* the way before it: list every queued id, oldest first, then try to claim
  each in turn with a conditional update (all claimers race for the oldest).

No transfer runs: this measures the queue alone. The machine is shared and
noisy: the ratios hold, absolute rates do not.
"""

import argparse
import multiprocessing
import statistics
import tempfile
import time

import sqlalchemy as sa

from glint_service.db import api as db_api
from glint_service.db import models
from glint_service.db import schema
from tests import cloudbed
from tests import queue_claims

PROJECTS = 5


def claim_by_listing(db, owner):
    """The claim before claim_next: the whole queue listed, then raced."""
    query = sa.select(models.Migration.id).where(
        models.Migration.status == 'queued').order_by(
        models.Migration.created_at)
    with db._session() as session:
        queued = list(session.scalars(query))
    for migration_id in queued:
        if db.claim(migration_id, owner, 300):
            return migration_id
    return None


def claimer(url, way, owner, start, counts):
    db = db_api.Database(url)
    claim = (db.claim_next if way == 'claim_next'
             else lambda o, lease: claim_by_listing(db, o))
    start.wait()
    taken = 0
    while claim(owner, 300) is not None:
        taken += 1
    counts.put(taken)
    db.engine.dispose()


def rate(mariadb, name, way, queued, claimers):
    """Claims per second of ``claimers`` processes emptying a new queue."""
    url = mariadb.create_database(name)
    schema.upgrade(url)
    db = db_api.Database(url)
    for project in range(PROJECTS):
        queue_claims.queue(db, 'project-%d' % project, queued // PROJECTS)
    db.engine.dispose()
    context = multiprocessing.get_context('fork')
    start = context.Barrier(claimers + 1)
    counts = context.Queue()
    processes = [context.Process(target=claimer,
                                 args=(url, way, 'c%d' % i, start, counts))
                 for i in range(claimers)]
    for process in processes:
        process.start()
    start.wait()
    began = time.monotonic()
    for process in processes:
        process.join()
    elapsed = time.monotonic() - began
    taken = sum(counts.get() for _ in processes)
    assert taken == queued - queued % PROJECTS, (taken, queued)
    return taken / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--queued', default='1000,10000')
    parser.add_argument('--claimers', default='1,4,8')
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix='glint-queue-benchmark-')
    mariadb = cloudbed.MariaDB(root)
    mariadb.start()
    try:
        print('claims per second, median of %d runs, ways alternating:'
              % args.repeat)
        number = 0
        for queued in [int(q) for q in args.queued.split(',')]:
            for claimers in [int(c) for c in args.claimers.split(',')]:
                rates = {'claim_next': [], 'listing': []}
                for run in range(args.repeat):
                    ways = ['claim_next', 'listing']
                    for way in ways if run % 2 == 0 else ways[::-1]:
                        number += 1
                        rates[way].append(rate(mariadb, 'q%d' % number,
                                               way, queued, claimers))
                new = statistics.median(rates['claim_next'])
                old = statistics.median(rates['listing'])
                print('  %6d queued, %d claimers: claim_next %7.0f/s, '
                      'listing %7.0f/s, ratio %.2f'
                      % (queued, claimers, new, old, new / old), flush=True)
    finally:
        mariadb.stop()


if __name__ == '__main__':
    main()
