"""The schema migrations and the data layer, on SQLite files."""

import datetime
from unittest import mock

import pytest
import sqlalchemy as sa

from glint_service.api import deploy
from glint_service.db import api as db_api
from glint_service.db import schema
from glint_service import exception
from tests import queue_claims

VALUES = {'project_id': 'p', 'created_by': 'u', 'name': 'cern',
          'auth_url': 'https://k/v3', 'region_name': None,
          'auth_type': 'password', 'interface': 'public', 'verify': True,
          'cacert': None, 'auth': {'username': 'a'},
          'sealed_secrets': 'sealed', 'image_endpoint': 'https://g'}


@pytest.fixture
def url(tmp_path):
    return 'sqlite:///%s/glint.sqlite' % tmp_path


def test_upgrade_creates_the_schema_then_does_nothing(url):
    before, after = schema.upgrade(url)
    assert before is None and after == schema.head_revision(url)
    assert schema.upgrade(url) == (after, after)
    tables = sa.inspect(sa.create_engine(url)).get_table_names()
    assert 'clouds' in tables


def test_app_refuses_an_unsynced_database(conf, tmp_path):
    conf.set_override('connection', 'sqlite:///%s/empty.sqlite' % tmp_path,
                      group='database')
    with pytest.raises(exception.GlintError) as raised:
        deploy.loadapp(conf)
    assert 'glint-manage db sync' in raised.value.detail


def test_app_refuses_to_start_without_its_key(conf, tmp_path):
    conf.set_override('key_file', str(tmp_path / 'missing.key'),
                      group='crypto')
    with pytest.raises(exception.KeyFileError):
        deploy.loadapp(conf)


def test_clouds_belong_to_their_project(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    cloud = db.create_cloud(dict(VALUES))
    assert db.get_cloud(cloud.id, 'p').name == 'cern'
    with pytest.raises(exception.NotFound):
        db.get_cloud(cloud.id, 'other')
    with pytest.raises(exception.NotFound):
        db.delete_cloud(cloud.id, 'other')
    assert [c.id for c in db.list_clouds('p')] == [cloud.id]
    assert db.list_clouds('other') == []
    assert [c.id for c in db.list_clouds()] == [cloud.id]


def test_names_are_unique_within_a_project(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    db.create_cloud(dict(VALUES))
    db.create_cloud(dict(VALUES, project_id='q'))
    with pytest.raises(exception.Conflict):
        db.create_cloud(dict(VALUES))
    second = db.create_cloud(dict(VALUES, name='ral'))
    with pytest.raises(exception.Conflict):
        db.update_cloud(second.id, 'p', {'name': 'cern'}, second.updated_at)
    assert db.get_cloud(second.id, 'p').name == 'ral'


def test_a_change_made_meanwhile_is_never_undone(url):
    """Two PATCHes of one cloud: the second, read before, is refused."""
    schema.upgrade(url)
    db = db_api.Database(url)
    read = db.create_cloud(dict(VALUES))
    db.update_cloud(read.id, 'p', {'sealed_secrets': 'new'}, read.updated_at)
    with pytest.raises(exception.Conflict, match='changed by another'):
        db.update_cloud(read.id, 'p', {'name': 'ral'}, read.updated_at)
    again = db.get_cloud(read.id, 'p')
    assert (again.name, again.sealed_secrets) == ('cern', 'new')
    db.update_cloud(read.id, 'p', {'name': 'ral'}, again.updated_at)
    assert db.get_cloud(read.id, 'p').name == 'ral'


def test_a_key_rotation_never_undoes_a_secret_changed_meanwhile(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    cloud = db.create_cloud(dict(VALUES, sealed_secrets='old'))
    seen = []

    def reencrypt(sealed):
        if not seen:
            # A request stores a new secret while the rotation works.
            fresh = db.get_cloud(cloud.id, 'p')
            db.update_cloud(cloud.id, 'p', {'sealed_secrets': 'changed'},
                            fresh.updated_at)
        seen.append(sealed)
        return 'rotated-' + sealed

    assert db.reencrypt_clouds(reencrypt) == 1
    assert seen == ['old', 'changed']
    assert db.get_cloud(cloud.id, 'p').sealed_secrets == 'rotated-changed'


def test_a_quota_counts_in_the_order_of_creation(url):
    """Of clouds stored at the same moment, the later ones are past it."""
    schema.upgrade(url)
    db = db_api.Database(url)
    first = db.create_cloud(dict(VALUES, name='a'))
    second = db.create_cloud(dict(VALUES, name='b'))
    assert db.count_clouds('p', until=first) == 1
    assert db.count_clouds('p', until=second) == 2
    assert db.count_clouds('p') == 2


def test_a_database_that_cannot_be_reached_is_said_in_one_line(tmp_path):
    db = db_api.Database('sqlite:///%s/no-such-folder/glint.sqlite'
                         % tmp_path)
    with pytest.raises(exception.DatabaseUnavailable) as raised:
        db.list_clouds()
    assert raised.value.status == 503
    assert raised.value.headers == {'Retry-After': '10'}


@pytest.mark.parametrize('message, field', [
    # MariaDB's words, then MySQL's.
    (r"Incorrect string value: '\xF0\x9F\x98\x80b' for column "
     r"`glint-db`.`clouds`.`name` at row 1", 'name'),
    (r"Incorrect string value: '\xF0\x9F\x98\x80' for column "
     r"'image_name' at row 1", 'image_name'),
])
def test_text_beyond_utf8mb3_is_a_400_naming_its_field(message, field):
    error = mock.Mock(original_exception=Exception(1366, message))
    with pytest.raises(exception.TextNotStorable) as raised:
        db_api._beyond_utf8mb3(error)
    assert raised.value.status == 400
    assert raised.value.detail == (
        "%s: characters beyond U+FFFF, such as emoji, cannot be stored by "
        "this deployment's database (MySQL's utf8mb3); its operator can "
        "convert it to utf8mb4" % field)


@pytest.mark.parametrize('args', [
    # An é in latin1: not a character beyond U+FFFF.
    (1366, r"Incorrect string value: '\xC3\xA9' for column "
           r"`glint`.`clouds`.`name` at row 1"),
    (1366, "Incorrect integer value: 'x' for column `glint`.`t`.`n` at "
           "row 1"),
    (1062, "Duplicate entry 'p-cern' for key 'uniq_clouds0project_id0name'"),
])
def test_other_errors_of_mysql_are_left_as_they_are(args):
    assert db_api._beyond_utf8mb3(
        mock.Mock(original_exception=Exception(*args))) is None


def test_what_is_not_an_id_is_not_looked_up(url):
    """An emoji, say, which MySQL may answer with an error, not no row."""
    schema.upgrade(url)
    db = db_api.Database(url)
    asked = []
    sa.event.listen(db.sql_engine, 'before_cursor_execute',
                    lambda *args: asked.append(args[2]))
    with pytest.raises(exception.NotFound):
        db.get_cloud('\U0001F600', 'p')
    with pytest.raises(exception.NotFound):
        db.get_migration('\U0001F600', 'p')
    assert asked == []


def test_a_migrations_end_records_its_targets_ends_with_it(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    created = db.create_migration({
        'project_id': 'p', 'created_by': 'u', 'image_id': 'a1',
        'source': 'local', 'visibility': 'private', 'on_conflict': 'copy',
        'size': 10}, ['cloud-b', 'cloud-c'])
    assert db.claim(created.id, 'me', lease_seconds=30)
    db.end_migration(created.id, {
        0: {'status': 'succeeded', 'error': None, 'image_id': 'b1',
            'leftover': False},
        1: {'status': 'failed', 'error': 'upload: refused',
            'image_id': 'c1', 'leftover': True}},
        status='partial', error='cloud-c: upload: refused')
    ended = db.get_migration(created.id)
    assert (ended.status, ended.owner, ended.lease_until) == (
        'partial', None, None)
    assert [(t.status, t.error, t.image_id, t.leftover)
            for t in ended.targets] == [
        ('succeeded', None, 'b1', False),
        ('failed', 'upload: refused', 'c1', True)]


def test_a_claim_takes_the_oldest_of_the_project_with_least_running(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    busy = queue_claims.queue(db, 'busy', 3)
    [alone] = queue_claims.queue(db, 'alone', 1)
    assert db.claim_next('me', 60) == busy[0]
    # "busy" runs one now: "alone" goes next, though queued later.
    assert db.claim_next('me', 60) == alone
    assert db.claim_next('me', 60) == busy[1]
    assert db.claim_next('me', 60) == busy[2]
    assert db.claim_next('me', 60) is None
    claimed = db.get_migration(alone)
    assert (claimed.status, claimed.owner) == ('running', 'me')
    assert claimed.lease_until > db_api.utcnow()


def test_a_project_with_many_queued_holds_another_back_one_claim(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    queue_claims.queue(db, 'many', 20)
    [single] = queue_claims.queue(db, 'single', 1)
    first, second = db.claim_next('me', 60), db.claim_next('me', 60)
    assert single in (first, second)


def test_concurrent_claimers_take_each_migration_once(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    ids = queue_claims.queue(db, 'p', 30) + queue_claims.queue(db, 'q', 30)
    claimed = queue_claims.claim_all(url, 4)
    taken = [m for mine in claimed for m in mine]
    assert sorted(taken) == sorted(ids)


def test_turns_go_by_fewest_running_then_oldest_queued(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    # Project ids in the opposite order of their turns.
    busy = queue_claims.queue(db, 'a-busy', 3)
    some = queue_claims.queue(db, 'b-some', 2)
    [idle] = queue_claims.queue(db, 'c-idle', 1)
    for migration_id in busy[:2] + some[:1]:
        assert db.claim(migration_id, 'other', 60)
    # Running: a-busy 2, b-some 1, c-idle none.
    assert db.claim_next('me', 60) == idle
    assert db.claim_next('me', 60) == some[1]
    assert db.claim_next('me', 60) == busy[2]
    assert db.claim_next('me', 60) is None


def test_a_claims_queries_do_not_grow_with_the_queue(url):
    schema.upgrade(url)
    db = db_api.Database(url)
    statements = []
    sa.event.listen(db.sql_engine, 'before_cursor_execute',
                    lambda *args: statements.append(args[2]))

    def statements_of_a_claim():
        del statements[:]
        assert db.claim_next('me', 60) is not None
        return len(statements)

    for project_id in ('p', 'q', 'r'):
        queue_claims.queue(db, project_id, 2)
    short = statements_of_a_claim()
    for project_id in ('p', 'q', 'r'):
        queue_claims.queue(db, project_id, 100)
    assert statements_of_a_claim() == short
    # One look at the queue per project (with its running migrations
    # counted and its last start) and one more, the oldest selected and
    # taken.
    assert short == 3 + 1 + 2


def test_one_claimer_one_at_a_time_lets_projects_take_turns(url):
    # An engine running one transfer at a time: when it claims, nothing is
    # running, and the project whose last start is the oldest goes first.
    schema.upgrade(url)
    db = db_api.Database(url)
    many = queue_claims.queue(db, 'many', 3)
    [single] = queue_claims.queue(db, 'single', 1)
    order = []
    while True:
        migration_id = db.claim_next('engine', lease_seconds=30)
        if migration_id is None:
            break
        order.append(migration_id)
        db.end_migration(migration_id, {}, status='succeeded')
    assert order == [many[0], single, many[1], many[2]]


def test_prune_deletes_only_records_ended_long_ago(url):
    schema.upgrade(url)
    db = db_api.Database(url)

    def migration(status, finished_at=None, leftover=False):
        created = db.create_migration({
            'project_id': 'p', 'created_by': 'u', 'image_id': 'a1',
            'source': 'local', 'visibility': 'private',
            'on_conflict': 'copy', 'size': 10}, ['cloud-b'])
        db.end_migration(created.id, {0: {'leftover': leftover}},
                         status=status, finished_at=finished_at)
        return created.id

    long_ago = db_api.utcnow() - datetime.timedelta(days=40)
    old = migration('succeeded', long_ago)
    migration('failed', long_ago, leftover=True)
    migration('succeeded', db_api.utcnow())
    migration('queued')
    before = db_api.utcnow() - datetime.timedelta(days=30)
    assert db.prune_migrations(before) == 1
    assert old not in [m.id for m in db.list_migrations()]
    assert len(db.list_migrations()) == 3


def test_an_engine_that_lost_its_lease_writes_nothing_more(url):
    """Paused past its lease, it finds its migration another's."""
    schema.upgrade(url)
    db = db_api.Database(url)
    migration_id = db.create_migration({
        'project_id': 'p', 'created_by': 'u', 'image_id': 'a1',
        'source': 'local', 'visibility': 'private', 'on_conflict': 'copy',
        'size': 10}, ['cloud-b']).id
    assert db.claim(migration_id, 'paused', lease_seconds=-1)
    assert db.claim(migration_id, 'other', lease_seconds=60)
    stale = {0: {'status': 'copying', 'bytes_written': 7}}
    with pytest.raises(exception.LeaseLost):
        db.save_progress(migration_id, 7, stale, owner='paused')
    with pytest.raises(exception.LeaseLost):
        db.end_migration(migration_id, stale, owner='paused',
                         status='succeeded')
    with pytest.raises(exception.LeaseLost):
        db.requeue_migration(migration_id, 'paused')
    migration = db.get_migration(migration_id)
    assert (migration.status, migration.owner) == ('running', 'other')
    assert (migration.bytes_read, migration.targets[0].status) == (
        0, 'queued')
    assert db.save_progress(migration_id, 7, stale, owner='other') is False
    assert db.get_migration(migration_id).bytes_read == 7
