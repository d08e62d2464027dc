"""glint-engine processes sharing one database, against real clouds.

Each test has a Glint of its own (its API, and engines started when the
test says), its migrations slowed so that they overlap.
"""

import concurrent.futures
import os
import re
import uuid

import pytest

from tests import cloudbed
from tests.functional.conftest import add_remote_cloud
from tests.functional.conftest import as_user
from tests.functional.conftest import glint_of_its_own
from tests.functional.test_migrations import images_named
from tests.functional.test_migrations import wait_until_finished

MiB = 1024 * 1024


def queue(api, image_id, target):
    response = api.post('/v1/migrations', {
        'image_id': image_id, 'targets': [target], 'on_conflict': 'copy'})
    assert response.status_code == 202, response.text
    return response.json()['id']


def start_engines(glint):
    """Start its engines at the same moment."""
    with concurrent.futures.ThreadPoolExecutor(len(glint.engines)) as pool:
        for future in [pool.submit(e.start) for e in glint.engines]:
            future.result()


def runs(engine):
    """The migrations an engine ran, in the order it started them."""
    return re.findall(r'Migration ([0-9a-f-]{36}): image ', engine.log())


@pytest.mark.parametrize('database', ['mariadb', 'postgresql'])
def test_two_engines_each_run_half_and_none_twice(request, bed, database,
                                                  tmp_path):
    server = request.getfixturevalue(database)
    url = server.create_database('glint_engines')
    # Ten at most at once in all, as many as are queued: each engine takes
    # five, and holds them long enough (16 MiB at 1 MiB/s) for the other
    # to take the rest.
    with glint_of_its_own(bed, tmp_path, 'glint-two', engines=2,
                          database_url=url, start_engines=False,
                          options={'migrations': {'max_rate': MiB},
                                   'engine': {'max_transfers': 5,
                                              'max_transfers_per_project': 5}}
                          ) as glint:
        local = bed.clouds[0]
        demo = as_user(bed, glint)
        target = add_remote_cloud(demo, bed.clouds[1])
        name = 'engines-%s' % uuid.uuid4().hex[:6]
        source = cloudbed.upload_image(local, local.users['demo'],
                                       os.urandom(16 * MiB), name)
        queued = [queue(demo, source['id'], target) for _ in range(10)]
        start_engines(glint)
        for migration_id in queued:
            migration = wait_until_finished(demo, migration_id)
            assert migration['status'] == 'succeeded', migration
        first, second = [runs(engine) for engine in glint.engines]
        assert sorted(first + second) == sorted(queued)
        assert (len(first), len(second)) == (5, 5)
        assert len(images_named(bed.clouds[1], name)) == 10
        assert local.image_downloads(source['id']) == 10


def test_another_projects_migration_is_taken_second(bed, tmp_path):
    # One engine, one transfer at a time: the demo project's twenty
    # migrations, queued first, hold the other project's single one back
    # by one claim only.
    with glint_of_its_own(bed, tmp_path, 'glint-fair', start_engines=False,
                          options={'engine': {'max_transfers': 1},
                                   'quota': {'migrations': 20}}) as glint:
        local = bed.clouds[0]
        apis = {user: as_user(bed, glint, user) for user in ('demo', 'other')}
        sources = {user: cloudbed.upload_image(
            local, local.users[user], os.urandom(MiB),
            'fair-%s-%s' % (user, uuid.uuid4().hex[:6]))
            for user in apis}
        targets = {user: add_remote_cloud(api, bed.clouds[1], user)
                   for user, api in apis.items()}
        many = [queue(apis['demo'], sources['demo']['id'], targets['demo'])
                for _ in range(20)]
        single = queue(apis['other'], sources['other']['id'],
                       targets['other'])
        start_engines(glint)
        for user, migration_ids in (('demo', many), ('other', [single])):
            for migration_id in migration_ids:
                migration = wait_until_finished(apis[user], migration_id)
                assert migration['status'] == 'succeeded', migration
        [engine] = glint.engines
        assert runs(engine)[:2] == [many[0], single]
        assert sorted(runs(engine)) == sorted(many + [single])


def test_a_project_never_takes_every_transfer_of_an_engine(bed, tmp_path):
    """The demo project's slow migrations leave a transfer to another's.

    One engine of two transfers, one of them for a project at most: the
    other project's migration, queued while the demo project's first runs
    (16 MiB at 1 MiB/s), is taken at once, before the demo project's
    second.
    """
    with glint_of_its_own(bed, tmp_path, 'glint-share',
                          options={'engine': {'max_transfers': 2},
                                   'migrations': {'max_rate': MiB}}) as glint:
        local = bed.clouds[0]
        apis = {user: as_user(bed, glint, user) for user in ('demo', 'other')}
        sizes = {'demo': 16 * MiB, 'other': MiB}
        sources = {user: cloudbed.upload_image(
            local, local.users[user], os.urandom(sizes[user]),
            'share-%s-%s' % (user, uuid.uuid4().hex[:6]))
            for user in apis}
        targets = {user: add_remote_cloud(api, bed.clouds[1], user)
                   for user, api in apis.items()}
        slow = [queue(apis['demo'], sources['demo']['id'], targets['demo'])
                for _ in range(2)]
        single = queue(apis['other'], sources['other']['id'],
                       targets['other'])
        migration = wait_until_finished(apis['other'], single)
        assert migration['status'] == 'succeeded', migration
        second = apis['demo'].get('/v1/migrations/%s' % slow[1]).json()
        assert second['status'] == 'queued', second
        for migration_id in slow:
            migration = wait_until_finished(apis['demo'], migration_id)
            assert migration['status'] == 'succeeded', migration
