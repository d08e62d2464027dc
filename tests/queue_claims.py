"""Queued migrations, and claimers that take them: for the queue's tests.

Shared by the unit tests (SQLite) and the functional ones (MariaDB and
PostgreSQL).
"""

import multiprocessing
import time

from glint_service.db import api as db_api

# The most the claimers may take to empty a queue of the tests: far more
# than they take on a busy machine.
TIMEOUT = 300


def queue(db, project_id, count):
    """``count`` queued migrations of ``project_id``: their ids in order."""
    return [db.create_migration({
        'project_id': project_id, 'created_by': 'u', 'image_id': 'i',
        'source': 'local', 'visibility': 'private', 'on_conflict': 'copy',
        'size': 1}, ['c']).id for _ in range(count)]


def claimer(url, number, start, results):
    """Claim until nothing is left; put (number, what it claimed)."""
    db = db_api.Database(url)
    mine = []
    start.wait(TIMEOUT)
    while True:
        migration_id = db.claim_next('c%d' % number, lease_seconds=300)
        if migration_id is None:
            break
        mine.append(migration_id)
    db.sql_engine.dispose()
    results.put((number, mine))


def claim_all(url, claimers):
    """Claimers that claim at once until nothing is left.

    Each is a process with its own Database, started afresh (spawn), not
    forked from the test's process and its threads. Returns what each one
    claimed, in order.
    """
    context = multiprocessing.get_context('spawn')
    start = context.Barrier(claimers)
    results = context.Queue()
    processes = [context.Process(target=claimer,
                                 args=(url, number, start, results))
                 for number in range(claimers)]
    for process in processes:
        process.start()
    claimed = {}
    deadline = time.monotonic() + TIMEOUT
    try:
        while len(claimed) < claimers:
            if not results.empty():
                number, mine = results.get()
                claimed[number] = mine
                continue
            failed = [p.exitcode for p in processes if p.exitcode]
            assert not failed, 'a claimer failed, exit codes %s' % failed
            assert time.monotonic() < deadline, (
                'the claimers did not end within %ds' % TIMEOUT)
            time.sleep(0.1)
    finally:
        for process in processes:
            if len(claimed) < claimers:
                # A claimer failed: the others are stopped.
                process.terminate()
            process.join(TIMEOUT)
    return [claimed[number] for number in range(claimers)]
