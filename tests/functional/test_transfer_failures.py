"""Migrations that go wrong mid-transfer, against real clouds.

A Glint of its own (its API and two glint-engine processes on one
database, its migrations slowed to 4 MiB/s, leases of 20 s) makes
"mid-transfer" last long enough to act in. Every test runs twice: that
Glint's database is first an SQLite file, then on a real MariaDB server, as
a Glint on several hosts (and DevStack's) would have it.
"""

import datetime
import os
import threading
import time
import uuid

from keystoneclient.v3 import client as ks_client
import pytest
import requests
import sqlalchemy as sa

from tests import cloudbed
from tests.functional.conftest import add_remote_cloud
from tests.functional.conftest import Api
from tests.functional.conftest import as_user
from tests.functional.conftest import glint_of_its_own
from tests.functional.test_migrations import images_named
from tests.functional.test_migrations import wait_until_finished

MiB = 1024 * 1024
RATE = 4 * MiB
# A transfer goes on through half a lease without its database: long enough
# for a MariaDB server to stop and start again on a busy machine.
LEASE = 20


@pytest.fixture(scope='module', params=['sqlite', 'mariadb'])
def slow(request, bed, tmp_path_factory):
    database_url = None
    if request.param == 'mariadb':
        mariadb = request.getfixturevalue('mariadb')
        database_url = mariadb.create_database('glint_slow')
    with glint_of_its_own(
            bed, tmp_path_factory.mktemp('slow'), 'glint-slow', engines=2,
            database_url=database_url,
            options={'migrations': {'max_rate': RATE,
                                    'progress_interval': 0.2},
                     'engine': {'lease_seconds': LEASE}}) as glint:
        yield glint


@pytest.fixture(scope='module')
def demo(bed, slow):
    api = as_user(bed, slow)
    api.remotes = [add_remote_cloud(api, remote) for remote in bed.clouds[1:]]
    return api


def start_migration(bed, demo, size, targets=None):
    name, source = upload_source(bed, size)
    return name, source, post_migration(demo, source, targets)


def upload_source(bed, size):
    local = bed.clouds[0]
    name = 'slow-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(size), name)
    return name, source


def post_migration(demo, source, targets=None):
    response = demo.post('/v1/migrations', {
        'image_id': source['id'], 'targets': targets or demo.remotes})
    assert response.status_code == 202, response.text
    return response.json()['id']


def wait_for_bytes(demo, migration_id, at_least, timeout=cloudbed.WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        migration = demo.get('/v1/migrations/%s' % migration_id).json()
        if migration['bytes_read'] >= at_least:
            return migration
        assert migration['status'] in (
            'awaiting_data', 'queued', 'running'), migration
        time.sleep(0.1)
    raise AssertionError('no progress')


def no_image_left(clouds, name, timeout=cloudbed.WAIT):
    """No image named ``name`` in any of ``clouds``, within ``timeout``.

    A target whose Glance was down loses Glint's image once it is back.
    """
    deadline = time.monotonic() + timeout
    while True:
        left = {c.name: images_named(c, name) for c in clouds}
        if not any(left.values()):
            return True
        if time.monotonic() > deadline:
            raise AssertionError('images left behind: %s' % left)
        time.sleep(0.5)


def log_since(path, offset):
    with open(path) as log:
        log.seek(offset)
        return log.read()


def test_progress_moves_while_a_migration_runs(bed, demo):
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    first = wait_for_bytes(demo, migration_id, 1)
    later = wait_for_bytes(demo, migration_id, first['bytes_read'] + MiB)
    assert later['status'] == 'running'
    assert all(t['status'] == 'copying' for t in later['targets'])
    assert max(t['bytes_written'] for t in later['targets']) > 0
    done = wait_until_finished(demo, migration_id)
    assert done['status'] == 'succeeded', done


def test_cancel_mid_transfer_leaves_nothing(bed, demo):
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    wait_for_bytes(demo, migration_id, 2 * MiB)
    response = demo.delete('/v1/migrations/%s' % migration_id)
    assert response.status_code == 202
    migration = wait_until_finished(demo, migration_id)
    assert migration['status'] == 'cancelled', migration
    assert migration['bytes_read'] < 24 * MiB
    assert {t['status'] for t in migration['targets']} == {'cancelled'}
    assert no_image_left(bed.clouds[1:], name)
    assert demo.delete('/v1/migrations/%s' % migration_id).status_code == 204


def test_a_migrations_trust_delegates_the_member_role_only(bed, demo, slow):
    """Even when an admin of the project asks for the migration."""
    local = bed.clouds[0]
    operator = local.users['operator']
    session = local.session(operator)
    admin = Api(slow.url, session.get_token())
    trusts = ks_client.Client(session=session, interface='public').trusts
    before = {t.id for t in trusts.list(trustor_user=session.get_user_id())}
    name, source = upload_source(bed, 16 * MiB)
    response = admin.post('/v1/migrations', {
        'image_id': source['id'], 'targets': demo.remotes[:1]})
    assert response.status_code == 202, response.text
    migration_id = response.json()['id']
    wait_for_bytes(admin, migration_id, MiB)
    [new] = [t for t in trusts.list(trustor_user=session.get_user_id())
             if t.id not in before]
    # A listing leaves the roles out: the trust itself has them.
    trust = trusts.get(new.id)
    assert [role['name'] for role in trust.roles] == ['member']
    assert trust.impersonation is True
    # It lasts a day in the queue and the image at 1 MiB/s (the defaults),
    # not a week.
    expires = datetime.datetime.fromisoformat(
        trust.expires_at.replace('Z', '+00:00'))
    left = (expires - datetime.datetime.now(datetime.timezone.utc)
            ).total_seconds()
    assert 24 * 3600 + 16 - 600 < left <= 24 * 3600 + 16
    admin.delete('/v1/migrations/%s' % migration_id)
    wait_until_finished(admin, migration_id)
    # Its record deleted by its trustor: the trust goes with it.
    assert admin.delete('/v1/migrations/%s' % migration_id).status_code == (
        204)


def test_a_remote_cloud_in_use_cannot_be_deleted(bed, demo):
    name, source, migration_id = start_migration(bed, demo, 8 * MiB)
    response = demo.delete('/v1/clouds/%s' % demo.remotes[0])
    assert response.status_code == 409, response.text
    demo.delete('/v1/migrations/%s' % migration_id)
    wait_until_finished(demo, migration_id)


def finish_with_glance_down(demo, migration_id, cloud, while_down=None):
    """The migration's end when ``cloud``'s Glance is killed mid-transfer.

    ``while_down(migration)`` runs once it has ended, the Glance still down;
    the Glance is started again before this returns.
    """
    wait_for_bytes(demo, migration_id, 4 * MiB)
    cloud.glance.kill()
    try:
        migration = wait_until_finished(demo, migration_id)
        if while_down is not None:
            while_down(migration)
        return migration
    finally:
        cloud.glance.start()


def test_target_glance_stopped_mid_transfer(bed, demo):
    third = bed.clouds[2]
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    path = '/v1/migrations/%s' % migration_id

    def record_kept(migration):
        # Its partial image at cloud3 still to delete: the record stays.
        refused = demo.delete(path)
        assert refused.status_code == 409, refused.text
        assert 'partial image' in refused.json()['errors'][0]['detail']

    migration = finish_with_glance_down(demo, migration_id, third,
                                        record_kept)
    assert migration['status'] == 'partial', migration
    ok, failed = migration['targets']
    assert ok['status'] == 'succeeded'
    assert failed['status'] == 'failed' and failed['error']
    assert len(images_named(bed.clouds[1], name)) == 1
    assert no_image_left([third], name)
    deadline = time.monotonic() + cloudbed.WAIT
    while demo.delete(path).status_code == 409:
        assert time.monotonic() < deadline, 'the record is still kept'
        time.sleep(0.5)
    assert demo.get(path).status_code == 404


def test_source_glance_stopped_mid_transfer(bed, demo):
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    migration = finish_with_glance_down(demo, migration_id, bed.clouds[0])
    assert migration['status'] == 'failed', migration
    assert {t['status'] for t in migration['targets']} == {'failed'}
    assert all('source' in t['error'] for t in migration['targets'])
    assert no_image_left(bed.clouds[1:], name)


def engine_running(slow, migration_id):
    """The engine of ``slow`` that runs the migration (its log says so)."""
    def find():
        return [e for e in slow.engines
                if 'Migration %s: image' % migration_id in e.log()]
    [engine] = cloudbed.wait_for(find, cloudbed.WAIT, 'an engine runs it')
    return engine


def test_an_api_restart_mid_transfer_changes_nothing(bed, demo, slow):
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    wait_for_bytes(demo, migration_id, 2 * MiB)
    slow.server.kill()
    slow.server.start()
    migration = wait_until_finished(demo, migration_id)
    assert migration['status'] == 'succeeded', migration
    assert bed.clouds[0].image_downloads(source['id']) == 1
    for cloud in bed.clouds[1:]:
        assert len(images_named(cloud, name)) == 1


def test_an_api_process_killed_mid_upload_leaves_nothing(bed, demo, slow):
    """Its lease runs out: an engine ends the upload, and deletes images."""
    name = 'slow-upload-%s' % uuid.uuid4().hex[:6]
    response = demo.post('/v1/migrations', {
        'source': 'upload', 'name': name, 'disk_format': 'raw',
        'container_format': 'bare', 'targets': demo.remotes})
    assert response.status_code == 202, response.text
    migration_id = response.json()['id']

    def send():
        try:
            demo.request('PUT', '/v1/migrations/%s/file' % migration_id,
                         data=os.urandom(24 * MiB))
        except requests.RequestException:
            pass  # The API process is killed.

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    wait_for_bytes(demo, migration_id, 2 * MiB)
    slow.server.kill()
    slow.server.start()
    migration = wait_until_finished(demo, migration_id)
    assert migration['status'] == 'failed', migration
    assert 'the Glint API process that received its data stopped' in (
        migration['error'])
    assert no_image_left(bed.clouds[1:], name)
    sender.join(cloudbed.WAIT)


def test_an_engine_killed_mid_transfer_is_ended_by_another(bed, demo, slow):
    # SIGKILL: nothing of it is left to say anything. Within its lease,
    # the other engine ends the migration and deletes its partial images.
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    wait_for_bytes(demo, migration_id, 2 * MiB)
    engine = engine_running(slow, migration_id)
    engine.kill()
    try:
        migration = wait_until_finished(demo, migration_id)
        assert migration['status'] == 'failed', migration
        assert 'interrupted' in migration['error']
        assert {t['status'] for t in migration['targets']} == {'failed'}
        assert no_image_left(bed.clouds[1:], name)
        [other] = [e for e in slow.engines if e is not engine]
        assert 'Migration %s was left running' % migration_id in other.log()
    finally:
        engine.start()


def test_an_engine_stopped_mid_transfer_hands_its_migration_back(
        bed, demo, slow):
    # SIGTERM: the engine deletes its partial images and puts the
    # migration back in the queue; the other engine runs it from the start.
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    wait_for_bytes(demo, migration_id, 2 * MiB)
    engine = engine_running(slow, migration_id)
    engine.stop()
    try:
        assert engine.server.process.returncode == 0
        assert 'Migration %s handed back' % migration_id in engine.log()
        assert 'Traceback' not in engine.log()
        migration = wait_until_finished(demo, migration_id)
        assert migration['status'] == 'succeeded', migration
        [other] = [e for e in slow.engines if e is not engine]
        assert 'Migration %s: image' % migration_id in other.log()
        # Read once by each engine; one copy at each target.
        assert bed.clouds[0].image_downloads(source['id']) == 2
        for cloud in bed.clouds[1:]:
            [copy] = images_named(cloud, name)
            assert copy['os_hash_value'] == source['os_hash_value']
    finally:
        engine.start()


@pytest.mark.parametrize('slow', ['mariadb'], indirect=True)
def test_database_server_restarted_mid_transfer(bed, demo, slow, mariadb):
    # A moment without its database (well under half the lease): the
    # transfer goes on, its progress records skipped meanwhile.
    name, source, migration_id = start_migration(bed, demo, 24 * MiB)
    wait_for_bytes(demo, migration_id, 2 * MiB)
    mariadb.server.stop()
    time.sleep(0.5)
    mariadb.server.start()
    migration = wait_until_finished(demo, migration_id)
    assert migration['status'] == 'succeeded', migration
    assert migration['bytes_read'] == 24 * MiB
    assert bed.clouds[0].image_downloads(source['id']) == 1
    for cloud in bed.clouds[1:]:
        [copy] = images_named(cloud, name)
        assert copy['os_hash_value'] == source['os_hash_value']


@pytest.mark.parametrize('slow', ['mariadb'], indirect=True)
def test_database_server_stopped_mid_transfer(bed, demo, slow, mariadb):
    # Longer than half the lease: the process running the migration stops
    # it, and cannot record its end; once the database is back, the
    # migration's lease runs out and it is ended as interrupted, its
    # partial images deleted.
    name, source, migration_id = start_migration(bed, demo, 32 * MiB)
    wait_for_bytes(demo, migration_id, 2 * MiB)
    starts = [os.path.getsize(e.log_path) for e in slow.engines]

    def engines_said():
        return ''.join(log_since(e.log_path, start)
                       for e, start in zip(slow.engines, starts))

    mariadb.server.stop()
    try:
        response = demo.get('/v1/migrations/' + migration_id)
        assert response.status_code == 503, response.text
        error = response.json()['errors'][0]
        assert error['code'] == 'glint.service_unavailable'
        assert "Glint's database cannot be reached" in error['detail']
        assert response.headers['Retry-After'] == '10'
        # Half a lease later, the engine running it gives up.
        cloudbed.wait_for(
            lambda: 'Migration %s stopped' % migration_id in engines_said(),
            cloudbed.WAIT, 'the migration stopped')
    finally:
        mariadb.server.start()
    migration = wait_until_finished(demo, migration_id)
    assert migration['status'] == 'failed', migration
    assert 'lost its database' in migration['error']
    assert {t['status'] for t in migration['targets']} == {'failed'}
    assert no_image_left(bed.clouds[1:], name)
    # The log says so in a line at a time, without tracebacks.
    said = engines_said()
    assert "Glint's database cannot be reached" in said
    assert 'Traceback' not in said


def test_two_engines_on_one_database_run_each_migration_once(
        bed, demo, slow):
    # The slow Glint has two engines on one database: each one looks for
    # queued migrations, and a claim goes to one of them only.
    # Asked for one right after another, within the same second.
    sources = [upload_source(bed, 2 * MiB) for _ in range(4)]
    started = [(name, source, post_migration(demo, source))
               for name, source in sources]
    for name, source, migration_id in started:
        migration = wait_until_finished(demo, migration_id)
        assert migration['status'] == 'succeeded', migration
        assert bed.clouds[0].image_downloads(source['id']) == 1
        for cloud in bed.clouds[1:]:
            assert len(images_named(cloud, name)) == 1
    # Newest first.
    listed = [m['id'] for m in demo.get('/v1/migrations').json()['migrations']]
    ours = [m for _, _, m in started]
    assert [m for m in listed if m in ours] == ours[::-1]
    # In the database that Glint was given, whose password (if it has one)
    # is in no log line.
    url = sa.engine.make_url(slow.database_url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        statuses = dict(connection.execute(
            sa.text('SELECT id, status FROM migrations')).all())
    engine.dispose()
    assert {statuses[m] for m in ours} == {'succeeded'}
    with open(slow.log_path) as log:
        said = log.read() + slow.engine_logs()
    assert url.password is None or url.password not in said
