"""/v1/migrations and /v1/images against real clouds and real image bytes."""

import hashlib
import json
import os
import subprocess
import time
import uuid

from keystoneclient.v3 import client as ks_client
import pytest

from tests import cloudbed
from tests.functional import conftest

MiB = 1024 * 1024


def wait_until_finished(api, migration_id, timeout=cloudbed.WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = api.get('/v1/migrations/%s' % migration_id)
        assert response.status_code == 200, response.text
        migration = response.json()
        if migration['status'] not in ('queued', 'running'):
            return migration
        time.sleep(0.3)
    raise AssertionError('migration %s still %s after %ds'
                         % (migration_id, migration['status'], timeout))


def migrate(api, body):
    """Ask for a migration and wait for its end: the migration then."""
    response = api.post('/v1/migrations', body)
    assert response.status_code == 202, response.text
    return wait_until_finished(api, response.json()['id'])


def images_named(cloud, name, user='demo'):
    client = cloudbed.glance_client(cloud, cloud.users[user])
    return [dict(i) for i in client.images.list(filters={'name': name})]


@pytest.fixture(scope='module')
def remotes(bed, api):
    """cloud2 and cloud3 as remote clouds of the demo project: their ids."""
    with conftest.remote_clouds(bed, api, 'migrations') as created:
        yield [c['id'] for c in created]


def test_one_image_to_two_remote_clouds(bed, api, remotes):
    local = bed.clouds[0]
    data = os.urandom(6 * MiB + 12345)
    name = 'fan-out-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(
        local, local.users['demo'], data, name, min_disk=1, min_ram=64,
        tags=['hep', 'vetted'], os_distro='almalinux', hw_rng_model='virtio')
    demo = api('demo')
    response = demo.post('/v1/migrations', {'image_id': source['id'],
                                            'targets': remotes})
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued['source'] == 'local'
    assert queued['size'] == len(data)
    assert [t['cloud_id'] for t in queued['targets']] == remotes
    migration = wait_until_finished(demo, queued['id'])
    assert migration['status'] == 'succeeded', migration
    assert migration['bytes_read'] == len(data)
    assert local.image_downloads(source['id']) == 1
    for target, cloud in zip(migration['targets'], bed.clouds[1:]):
        assert target['status'] == 'succeeded', target
        assert target['bytes_written'] == len(data)
        client = cloudbed.glance_client(cloud, cloud.users['demo'])
        copy = dict(client.images.get(target['image_id']))
        assert copy['status'] == 'active'
        assert copy['name'] == name
        assert copy['visibility'] == 'private'
        assert copy['size'] == len(data)
        assert copy['os_hash_value'] == source['os_hash_value']
        assert copy['checksum'] == source['checksum']
        for field in ('disk_format', 'container_format', 'min_disk',
                      'min_ram', 'os_distro', 'hw_rng_model'):
            assert copy[field] == source[field], field
        assert sorted(copy['tags']) == ['hep', 'vetted']
        assert copy['owner'] == cloud.users['demo']['project_id']
        assert hashlib.sha512(b''.join(client.images.data(copy['id']))
                              ).hexdigest() == source['os_hash_value']


def qcow2_image(folder, size):
    """A real qcow2 made by qemu-img from random data: its bytes."""
    raw, qcow2 = folder / 'disk.raw', folder / 'disk.qcow2'
    raw.write_bytes(os.urandom(size))
    subprocess.run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2',
                    str(raw), str(qcow2)], check=True)
    return qcow2.read_bytes()


def test_a_qcow2_image_keeps_its_format(bed, api, remotes, tmp_path):
    """The target Glance inspects the content against disk_format."""
    local, remote = bed.clouds[0], bed.clouds[1]
    data = qcow2_image(tmp_path, 5 * MiB)
    source = cloudbed.upload_image(local, local.users['demo'], data,
                                   'qcow2-%s' % uuid.uuid4().hex[:6],
                                   disk_format='qcow2')
    assert source['virtual_size'] == 5 * MiB
    demo = api('demo')
    migration = migrate(demo, {'image_id': source['id'],
                               'targets': remotes[:1]})
    assert migration['status'] == 'succeeded', migration
    client = cloudbed.glance_client(remote, remote.users['demo'])
    copy = dict(client.images.get(migration['targets'][0]['image_id']))
    assert copy['disk_format'] == 'qcow2'
    assert copy['virtual_size'] == 5 * MiB
    assert copy['os_hash_value'] == source['os_hash_value']
    copied = tmp_path / 'copy.qcow2'
    copied.write_bytes(b''.join(client.images.data(copy['id'])))
    info = json.loads(subprocess.run(
        ['qemu-img', 'info', '--output=json', str(copied)], check=True,
        capture_output=True, text=True).stdout)
    assert (info['format'], info['virtual-size']) == ('qcow2', 5 * MiB)


def trust_ids(cloud, user='demo'):
    """The trusts the user has given, as the local Keystone lists them."""
    session = cloud.session(cloud.users[user])
    client = ks_client.Client(session=session, interface='public')
    return {trust.id for trust in client.trusts.list(
        trustor_user=session.get_user_id())}


def test_a_finished_migration_leaves_no_trust(bed, api, remotes):
    """The trust goes at its trustor's first look at the ended migration.

    The engine cannot delete it: Keystone lets only the trustor.
    """
    local = bed.clouds[0]
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(MiB), 'trusted-%s'
                                   % uuid.uuid4().hex[:6])
    before = trust_ids(local)
    demo = api('demo')
    migration = migrate(demo, {'image_id': source['id'],
                               'targets': remotes[:1]})
    # migrate() saw it end with GET /v1/migrations/ID.
    assert migration['status'] == 'succeeded', migration
    assert not trust_ids(local) - before


def test_migrations_ask_the_local_keystone_for_its_versions_once(
        bed, api, remotes):
    """The sessions of a process share what version discovery found."""
    local = bed.clouds[0]
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(MiB), 'discovered-%s'
                                   % uuid.uuid4().hex[:6])
    demo = api('demo')
    before = local.version_discoveries()
    for run in range(5):
        migration = migrate(demo, {'image_id': source['id'],
                                   'targets': remotes[:1]})
        assert migration['status'] == 'succeeded', migration
    # Each made a trust, logged in with it and deleted it; the versions
    # were asked for once per process at most (the API's two uWSGI
    # workers and the engine), not once per migration.
    assert local.version_discoveries() - before <= 3


def test_remote_to_local_with_a_new_name_and_visibility(bed, api, remotes):
    remote = bed.clouds[1]
    data = os.urandom(3 * MiB)
    source = cloudbed.upload_image(remote, remote.users['demo'], data,
                                   'from-afar-%s' % uuid.uuid4().hex[:6])
    new_name = 'arrived-%s' % uuid.uuid4().hex[:6]
    demo = api('demo')
    migration = migrate(demo, {
        'image_id': source['id'], 'source': remotes[0], 'targets': ['local'],
        'name': new_name, 'visibility': 'shared'})
    assert migration['status'] == 'succeeded', migration
    copies = images_named(bed.clouds[0], new_name)
    assert len(copies) == 1
    assert copies[0]['id'] == migration['targets'][0]['image_id']
    assert copies[0]['visibility'] == 'shared'
    assert copies[0]['os_hash_value'] == source['os_hash_value']
    assert copies[0]['owner'] == bed.clouds[0].users['demo']['project_id']


def test_identical_image_at_a_target_is_skipped(bed, api, remotes):
    local, remote = bed.clouds[0], bed.clouds[1]
    data = os.urandom(2 * MiB)
    name = 'twin-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(local, local.users['demo'], data, name)
    twin = cloudbed.upload_image(remote, remote.users['demo'], data,
                                 'other-name')
    demo = api('demo')
    migration = migrate(demo, {'image_id': source['id'],
                               'targets': remotes})
    assert migration['status'] == 'succeeded', migration
    skipped, copied = migration['targets']
    assert skipped['status'] == 'skipped'
    assert skipped['image_id'] == twin['id']
    assert skipped['bytes_written'] == 0
    assert images_named(remote, name) == []
    assert copied['status'] == 'succeeded'


def test_copy_even_if_identical_when_asked(bed, api, remotes):
    local, remote = bed.clouds[0], bed.clouds[1]
    data = os.urandom(MiB)
    name = 'again-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(local, local.users['demo'], data, name)
    cloudbed.upload_image(remote, remote.users['demo'], data, name)
    demo = api('demo')
    migration = migrate(demo, {
        'image_id': source['id'], 'targets': remotes[:1],
        'on_conflict': 'copy'})
    assert migration['targets'][0]['status'] == 'succeeded', migration
    assert len(images_named(remote, name)) == 2


@pytest.fixture(scope='module')
def inactive_image(bed):
    local = bed.clouds[0]
    client = cloudbed.glance_client(local, local.users['demo'])
    image = client.images.create(name='empty', disk_format='raw',
                                 container_format='bare')
    return image['id']


@pytest.fixture(scope='module')
def others_cloud(bed, api):
    other = api('other')
    user = bed.clouds[1].users['other']
    response = other.post('/v1/clouds', {
        'name': 'theirs', 'auth_url': bed.clouds[1].auth_url,
        'username': user['username'], 'password': user['password'],
        'project_name': user['project_name']})
    assert response.status_code == 201, response.text
    yield response.json()['id']
    other.delete('/v1/clouds/%s' % response.json()['id'])


BAD_REQUESTS = [
    ('unknown image', lambda c: {'image_id': str(uuid.uuid4()),
                                 'targets': c['remotes']}, 'image_id'),
    ('inactive image', lambda c: {'image_id': c['inactive'],
                                  'targets': c['remotes']},
     'image_id: image %(inactive)s is queued, not active'),
    ('unknown cloud', lambda c: {'image_id': c['image'],
                                 'targets': [str(uuid.uuid4())]},
     'targets: no remote cloud'),
    ("other project's cloud", lambda c: {'image_id': c['image'],
                                         'targets': [c['theirs']]},
     'targets: no remote cloud'),
    ('unknown source', lambda c: {'image_id': c['image'],
                                  'source': c['theirs'],
                                  'targets': ['local']},
     'source: no remote cloud'),
    ('target is the source', lambda c: {'image_id': c['image'],
                                        'targets': ['local']},
     'targets: must not hold the source'),
    ('no targets', lambda c: {'image_id': c['image'], 'targets': []},
     'targets: must name at least one cloud'),
    ('targets not a list', lambda c: {'image_id': c['image'],
                                      'targets': 'local'},
     'targets: must be a list'),
    ('target named twice', lambda c: {'image_id': c['image'],
                                      'targets': c['remotes'][:1] * 2},
     'targets: names a cloud twice'),
    ('missing image', lambda c: {'targets': c['remotes']},
     'image_id: is required'),
    ('bad visibility', lambda c: {'image_id': c['image'],
                                  'targets': c['remotes'],
                                  'visibility': 'everyone'},
     'visibility: must be one of'),
    ('bad on_conflict', lambda c: {'image_id': c['image'],
                                   'targets': c['remotes'],
                                   'on_conflict': 'overwrite'},
     'on_conflict: must be one of'),
]


@pytest.mark.parametrize('make,detail', [r[1:] for r in BAD_REQUESTS],
                         ids=[r[0] for r in BAD_REQUESTS])
def test_bad_migration_request_is_4xx_and_queues_nothing(
        bed, api, remotes, inactive_image, others_cloud, make, detail):
    local = bed.clouds[0]
    image = cloudbed.upload_image(local, local.users['demo'], b'x' * 1024,
                                  'small')
    context = {'remotes': remotes, 'inactive': inactive_image,
               'theirs': others_cloud, 'image': image['id']}
    demo = api('demo')
    before = demo.get('/v1/migrations').json()['migrations']
    response = demo.post('/v1/migrations', make(context))
    assert response.status_code == 400, response.text
    assert (detail % context) in response.json()['errors'][0]['detail']
    assert demo.get('/v1/migrations').json()['migrations'] == before


def test_reader_cannot_migrate_and_other_projects_see_404(bed, api, remotes):
    local = bed.clouds[0]
    image = cloudbed.upload_image(local, local.users['demo'], b'y' * 4096,
                                  'tiny')
    response = api('reader').post('/v1/migrations', {
        'image_id': image['id'], 'targets': remotes})
    assert response.status_code == 403
    demo = api('demo')
    created = demo.post('/v1/migrations', {'image_id': image['id'],
                                           'targets': remotes[:1]}).json()
    path = '/v1/migrations/%s' % created['id']
    assert api('other').get(path).status_code == 404
    assert api('other').delete(path).status_code == 404
    assert created['id'] not in [
        m['id'] for m in api('other').get('/v1/migrations').json()[
            'migrations']]
    wait_until_finished(demo, created['id'])
    assert demo.delete(path).status_code == 204
    assert demo.get(path).status_code == 404


def test_image_list_groups_copies_and_flags_conflicts(bed, api, remotes):
    local, second, third = bed.clouds
    tag = uuid.uuid4().hex[:6]
    shared = os.urandom(4096)
    cloudbed.upload_image(local, local.users['demo'], shared, 'same-' + tag)
    cloudbed.upload_image(second, second.users['demo'], shared,
                          'renamed-' + tag)
    cloudbed.upload_image(local, local.users['demo'], os.urandom(4096),
                          'dup-' + tag)
    cloudbed.upload_image(local, local.users['demo'], os.urandom(4096),
                          'dup-' + tag)
    cloudbed.upload_image(local, local.users['demo'], os.urandom(4096),
                          'clash-' + tag)
    cloudbed.upload_image(third, third.users['demo'], os.urandom(4096),
                          'clash-' + tag)
    listing = api('demo').get('/v1/images')
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert [c['id'] for c in body['clouds']] == ['local'] + remotes
    assert all(c['reachable'] for c in body['clouds'])

    def conflicts(name):
        found = set()
        for image in body['images']:
            if any(copy['name'] == name for copy in image['copies']):
                found |= {(c['type'], c['cloud_id'])
                          for c in image['conflicts']}
        return found

    same = [i for i in body['images']
            if i['key'] == hashlib.sha512(shared).hexdigest()]
    assert len(same) == 1
    assert {c['cloud_id'] for c in same[0]['copies']} == {'local',
                                                          remotes[0]}
    assert ('name_mismatch', remotes[0]) in conflicts('renamed-' + tag)
    assert ('duplicate_name', 'local') in conflicts('dup-' + tag)
    assert ('content_mismatch', 'local') in conflicts('clash-' + tag)
    assert ('content_mismatch', remotes[1]) in conflicts('clash-' + tag)
    renamed, = [c['detail'] for i in body['images'] for c in i['conflicts']
                if c['type'] == 'name_mismatch'
                and c['detail'].startswith("the same content is named "
                                           "'renamed-%s'" % tag)]
    second_name = body['clouds'][1]['name']
    assert "in cloud %s and 'same-%s'" % (second_name, tag) in renamed

    only_local = api('demo').get('/v1/images?cloud=local').json()
    assert [c['id'] for c in only_local['clouds']] == ['local']
    unknown = api('demo').get('/v1/images?cloud=%s' % uuid.uuid4())
    assert unknown.status_code == 400
    assert 'cloud' in unknown.json()['errors'][0]['detail']


def test_image_list_reports_a_cloud_that_is_down(bed, api, remotes):
    third = bed.clouds[2]
    third.glance.stop()
    try:
        body = api('demo').get('/v1/images').json()
    finally:
        third.glance.start()
    clouds = {c['id']: c for c in body['clouds']}
    assert clouds[remotes[1]]['reachable'] is False
    assert clouds[remotes[1]]['error']
    assert clouds['local']['reachable'] and clouds[remotes[0]]['reachable']
    assert all(copy['cloud_id'] != remotes[1]
               for image in body['images'] for copy in image['copies'])
    assert any(copy['cloud_id'] == 'local'
               for image in body['images'] for copy in image['copies'])


def test_migrations_are_listed_page_by_page(bed, api, remotes):
    """?limit= and the next links, as the CLI and the dashboard follow."""
    local = bed.clouds[0]
    name = 'paged-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(1024), name)
    demo = api('demo')
    for _ in range(3):
        migrate(demo, {'image_id': source['id'], 'targets': remotes[:1],
                       'on_conflict': 'copy'})
    whole = demo.get('/v1/migrations').json()
    assert 'next' not in whole and len(whole['migrations']) >= 3
    seen, path = [], '/v1/migrations?limit=2'
    while path:
        page = demo.get(path).json()
        assert len(page['migrations']) <= 2
        seen += [m['id'] for m in page['migrations']]
        next_link = page.get('next')
        if next_link:
            assert next_link.startswith(bed.glint.url + '/v1/migrations?')
            path = next_link[len(bed.glint.url):]
        else:
            path = None
    assert seen == [m['id'] for m in whole['migrations']]


@pytest.fixture(scope='module')
def sha256_cloud(bed, api, tmp_path_factory):
    """A cloud whose Glance hashes with sha256, a remote cloud of demo's."""
    cloud = cloudbed.Cloud('sha256', str(tmp_path_factory.mktemp('sha256')),
                           glance_options={'DEFAULT': {
                               'hashing_algorithm': 'sha256'}})
    try:
        cloud.start()
        cloud_id = conftest.add_remote_cloud(api('demo'), cloud)
        yield cloud, cloud_id
        api('demo').delete('/v1/clouds/%s' % cloud_id)
    finally:
        for server in cloud.servers():
            server.stop()


def test_a_target_that_hashes_with_another_algorithm_is_verified(
        bed, api, sha256_cloud):
    """Each copy at a Glance that hashes with sha256 is verified.

    By md5 first, then by the algorithm learned (the unit tests show
    which): Glint hashes with sha512 unless it knows better.
    """
    cloud, cloud_id = sha256_cloud
    local = bed.clouds[0]
    demo = api('demo')
    for attempt in range(2):
        data = os.urandom(MiB + attempt)
        name = 'sha256-%s' % uuid.uuid4().hex[:6]
        source = cloudbed.upload_image(local, local.users['demo'], data, name)
        assert source['os_hash_algo'] == 'sha512'
        migration = migrate(demo, {'image_id': source['id'],
                                   'targets': [cloud_id]})
        assert migration['status'] == 'succeeded', migration
        [copy] = images_named(cloud, name)
        assert copy['os_hash_algo'] == 'sha256'
        assert copy['os_hash_value'] == hashlib.sha256(data).hexdigest()
