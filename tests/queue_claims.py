"""Queued migrations, and claimers that take them: for the queue's tests.

Shared by the unit tests (SQLite) and the functional ones (MariaDB).
"""

import threading

from glint_service.db import api as db_api


def queue(db, project_id, count):
    """``count`` queued migrations of ``project_id``: their ids in order."""
    return [db.create_migration({
        'project_id': project_id, 'created_by': 'u', 'image_id': 'i',
        'source': 'local', 'visibility': 'private', 'on_conflict': 'copy',
        'size': 1}, ['c']).id for _ in range(count)]


def claim_all(url, claimers):
    """Claimers, each its own Database, claiming until nothing is left.

    Returns what each one claimed, in order.
    """
    claimed = [[] for _ in range(claimers)]
    start = threading.Barrier(claimers)

    def claimer(mine, owner):
        db = db_api.Database(url)
        start.wait()
        while True:
            migration_id = db.claim_next(owner, lease_seconds=300)
            if migration_id is None:
                db.engine.dispose()
                return
            mine.append(migration_id)

    threads = [threading.Thread(target=claimer, args=(mine, 'c%d' % i))
               for i, mine in enumerate(claimed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return claimed
