"""The queue on a real MariaDB server: claimers at once, each row once.

Claimers in threads, each with a Database of its own (connections of their
own), take queued migrations with SELECT ... FOR UPDATE SKIP LOCKED.
"""

from glint_service.db import api as db_api
from glint_service.db import schema
from tests import queue_claims


def test_claimers_on_mariadb_take_each_migration_once(mariadb):
    url = mariadb.create_database('glint_queue')
    schema.upgrade(url)
    db = db_api.Database(url)
    ids = []
    for project_id, count in (('p1', 120), ('p2', 60), ('p3', 1)):
        ids += queue_claims.queue(db, project_id, count)
    claimed = queue_claims.claim_all(url, 4)
    taken = [m for mine in claimed for m in mine]
    assert sorted(taken) == sorted(ids)
    assert all(mine for mine in claimed), 'a claimer took none'
    statuses = {m.status for m in db.list_migrations()}
    assert statuses == {'running'}
    db.engine.dispose()


def test_a_single_migration_of_another_project_goes_next_on_mariadb(
        mariadb):
    url = mariadb.create_database('glint_fair')
    schema.upgrade(url)
    db = db_api.Database(url)
    many = queue_claims.queue(db, 'many', 50)
    [single] = queue_claims.queue(db, 'single', 1)
    assert db.claim_next('engine', 60) == many[0]
    assert db.claim_next('engine', 60) == single
    db.engine.dispose()
