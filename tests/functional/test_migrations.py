"""/v1/migrations and /v1/images against real clouds and real image bytes."""

import hashlib
import os
import time
import uuid

import pytest

from tests import cloudbed

MiB = 1024 * 1024


def wait_until_finished(api, migration_id, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        migration = api.get('/v1/migrations/%s' % migration_id).json()
        if migration['status'] not in ('queued', 'running'):
            return migration
        time.sleep(0.3)
    raise AssertionError('migration %s still %s after %ds'
                         % (migration_id, migration['status'], timeout))


def file_reads(cloud, image_id):
    with open(cloud.path('glance-server.log')) as f:
        return f.read().count('"GET /v2/images/%s/file' % image_id)


def images_named(cloud, name, user='demo'):
    client = cloudbed.glance_client(cloud, cloud.users[user])
    return [dict(i) for i in client.images.list(filters={'name': name})]


@pytest.fixture(scope='module')
def remotes(bed, api):
    """cloud2 and cloud3 as remote clouds of the demo project."""
    demo = api('demo')
    ids = []
    for cloud in bed.clouds[1:]:
        user = cloud.users['demo']
        response = demo.post('/v1/clouds', {
            'name': 'migrations-%s' % cloud.name, 'auth_url': cloud.auth_url,
            'username': user['username'], 'password': user['password'],
            'project_name': user['project_name']})
        assert response.status_code == 201, response.text
        ids.append(response.json()['id'])
    yield ids
    for cloud_id in ids:
        demo.delete('/v1/clouds/%s' % cloud_id)


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
    assert file_reads(local, source['id']) == 1
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
