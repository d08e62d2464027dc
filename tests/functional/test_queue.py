"""The queue on real MariaDB and PostgreSQL servers.

Each test runs on both. Claimers in processes of their own, each with its
own Database (connections of its own), take queued migrations at the same
moment with SELECT ... FOR UPDATE SKIP LOCKED: each migration once, and
fairly between projects.
"""

import datetime
import itertools
from unittest import mock

import pytest

from glint_service.db import api as db_api
from glint_service.db import models
from glint_service.db import schema
from tests import cloudbed
from tests import queue_claims


@pytest.fixture(params=['mariadb', 'postgresql'])
def server(request):
    """Each database server, in turn (the session's fixtures)."""
    return request.getfixturevalue(request.param)


DATABASES = itertools.count()


@pytest.fixture
def db(server):
    """A Database of Glint's schema, new for the test."""
    url = server.create_database('glint_queue%d' % next(DATABASES))
    schema.upgrade(url)
    db = db_api.Database(url)
    yield db
    db.sql_engine.dispose()


def test_db_sync_makes_a_schema_that_keeps_glints_values(server):
    url = server.create_database('glint_schema')
    assert schema.upgrade(url) == (None, schema.head_revision(url))
    assert schema.upgrade(url) == ((schema.head_revision(url),) * 2)
    db = db_api.Database(url)
    db.check_schema()
    cloud = db.create_cloud({
        'project_id': 'p', 'created_by': 'u', 'name': 'cern',
        'auth_url': 'https://k/v3', 'region_name': None,
        'auth_type': 'password', 'interface': 'public', 'verify': False,
        'cacert': None, 'auth': {'username': 'a', 'project_name': 'ü'},
        'sealed_secrets': 'sealed', 'image_endpoint': 'https://g'})
    stored = db.get_cloud(cloud.id, 'p')
    assert (stored.verify, stored.auth) == (
        False, {'username': 'a', 'project_name': 'ü'})
    # Times to the microsecond: two migrations in the same second keep
    # their order.
    first, second = (db.create_migration({
        'project_id': 'p', 'created_by': 'u', 'image_id': 'i',
        'source': 'local', 'visibility': 'private', 'on_conflict': 'copy',
        'size': 5 << 40, 'image_metadata': {'disk_format': 'qcow2'}},
        ['c']) for _ in range(2))
    stored = db.get_migration(first.id)
    assert stored.created_at == first.created_at
    assert (stored.size, stored.image_metadata, stored.cancel_requested) == (
        5 << 40, {'disk_format': 'qcow2'}, False)
    assert [m.id for m in db.list_migrations('p')] == [second.id, first.id]
    assert second.created_at - first.created_at < datetime.timedelta(
        seconds=1)
    db.sql_engine.dispose()


def test_claimers_at_once_take_each_migration_once(db):
    ids = []
    for project_id, count in (('p1', 120), ('p2', 60), ('p3', 1)):
        ids += queue_claims.queue(db, project_id, count)
    claimed = queue_claims.claim_all(db.url, 4)
    taken = [m for mine in claimed for m in mine]
    assert sorted(taken) == sorted(ids)
    assert all(mine for mine in claimed), 'a claimer took none'
    statuses = {m.status for m in db.list_migrations()}
    assert statuses == {'running'}


def test_a_single_migration_of_another_project_goes_next(db):
    many = queue_claims.queue(db, 'many', 50)
    [single] = queue_claims.queue(db, 'single', 1)
    assert db.claim_next('engine', 60) == many[0]
    assert db.claim_next('engine', 60) == single
    assert db.claim_next('engine', 60) == many[1]


def test_claimers_at_once_hold_a_single_migration_back_one_claim_each(db):
    many = queue_claims.queue(db, 'many', 200)
    [single] = queue_claims.queue(db, 'single', 1)
    claimed = queue_claims.claim_all(db.url, 4)
    # Each claimer's own claims are in order: the single migration came
    # within its first two, though 200 were queued before it.
    assert any(mine[:2].count(single) for mine in claimed), claimed
    assert sorted(m for mine in claimed for m in mine) == sorted(
        many + [single])


def test_leases_are_timed_by_the_databases_clock(db):
    """A lease runs out by the database's clock, not by an engine's.

    Engines on hosts whose clocks are an hour off, either way, agree.
    """
    [migration_id] = queue_claims.queue(db, 'p', 1)
    assert db.claim_next('engine-a', lease_seconds=600) == migration_id
    host_clock = models.utcnow
    hour = datetime.timedelta(hours=1)
    with mock.patch.object(models, 'utcnow', lambda: host_clock() + hour):
        # A fresh lease is not taken by a host whose clock runs ahead.
        assert not db.claim(migration_id, 'engine-b', 600)
        assert db.abandoned_migration_ids() == []
    db.release_leases('engine-a', [migration_id])
    with mock.patch.object(models, 'utcnow', lambda: host_clock() - hour):
        # Nor is a lease that ran out kept by a host whose clock is behind.
        cloudbed.wait_for(
            lambda: db.abandoned_migration_ids() == [migration_id],
            cloudbed.WAIT, 'the lease ends')
        assert db.claim(migration_id, 'engine-b', 600)
