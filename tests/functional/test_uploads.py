"""Uploads: POST /v1/migrations with source "upload", then PUT its data,
streamed to every target at once, against the real clouds."""

import hashlib
import os
import socket
import urllib.parse
import uuid

import pytest

from tests import cloudbed
from tests.functional import conftest
from tests.functional import test_migrations
from tests.functional import test_transfer_failures

MiB = 1024 * 1024
images_named = test_migrations.images_named
no_image_left = test_transfer_failures.no_image_left


@pytest.fixture(scope='module')
def remotes(bed, api):
    """cloud2 and cloud3 as remote clouds of the demo project: their ids."""
    with conftest.remote_clouds(bed, api, 'uploads') as created:
        yield [c['id'] for c in created]


def unique(prefix='upload'):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:6])


def ask_upload(api, name, targets, **fields):
    """POST an upload: the migration, awaiting its data."""
    body = dict({'source': 'upload', 'name': name, 'disk_format': 'raw',
                 'container_format': 'bare', 'targets': targets}, **fields)
    response = api.post('/v1/migrations', body)
    assert response.status_code == 202, response.text
    migration = response.json()
    assert migration['status'] == 'awaiting_data'
    assert migration['source'] == 'upload' and migration['image_id'] is None
    return migration


def put_data(api, migration_id, data, headers=None):
    return api.request('PUT', '/v1/migrations/%s/file' % migration_id,
                       data=data, headers=dict(
                           {'Content-Type': 'application/octet-stream'},
                           **(headers or {})))


def wait_for_end(api, migration_id):
    """The migration once it has ended (awaiting its data is not an end)."""
    def ended():
        migration = api.get('/v1/migrations/%s' % migration_id).json()
        return migration if migration['status'] not in (
            'awaiting_data', 'queued', 'running') else None
    return cloudbed.wait_for(ended, cloudbed.WAIT, 'the migration ends')


def test_a_qcow2_image_is_uploaded_once_to_three_clouds(
        bed, api, remotes, tmp_path):
    data = test_migrations.qcow2_image(tmp_path, 3 * MiB)
    name = unique()
    demo = api('demo')
    migration = ask_upload(demo, name, ['local'] + remotes,
                           disk_format='qcow2', min_disk=1,
                           tags=['hep'], properties={'os_distro': 'alma'},
                           os_hash_algo='sha256',
                           os_hash_value=hashlib.sha256(data).hexdigest())
    response = put_data(demo, migration['id'], data)
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended['status'] == 'succeeded', ended
    assert ended['size'] == ended['bytes_read'] == len(data)
    for cloud in bed.clouds:
        [image] = images_named(cloud, name)
        assert image['status'] == 'active'
        assert image['os_hash_value'] == hashlib.sha512(data).hexdigest()
        assert (image['disk_format'], image['min_disk'], image['tags'],
                image['os_distro']) == ('qcow2', 1, ['hep'], 'alma')
    assert {t['image_id'] for t in ended['targets']} == {
        images_named(c, name)[0]['id'] for c in bed.clouds}


def test_a_chunked_upload_of_a_declared_size(bed, api, remotes):
    data = os.urandom(2 * MiB + 5)
    name = unique()
    demo = api('demo')
    migration = ask_upload(demo, name, remotes[:1], size=len(data))
    chunks = (data[i:i + 300000] for i in range(0, len(data), 300000))
    response = put_data(demo, migration['id'], chunks)
    assert response.status_code == 200, response.text
    assert response.json()['status'] == 'succeeded', response.text
    [image] = images_named(bed.clouds[1], name)
    assert image['size'] == len(data)


@pytest.mark.parametrize('fields, data, said', [
    ({'checksum': '0' * 32}, b'x' * MiB, "does not match"),
    ({'disk_format': 'qcow2'}, b'\0' * MiB, 'refused'),
])
def test_data_that_is_not_what_was_declared_leaves_nothing(
        bed, api, remotes, fields, data, said):
    name = unique()
    demo = api('demo')
    migration = ask_upload(demo, name, ['local'] + remotes, **fields)
    response = put_data(demo, migration['id'], data)
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended['status'] == 'failed', ended
    assert said in ended['error']
    assert no_image_left(bed.clouds, name)


def test_a_client_that_hangs_up_mid_upload_leaves_nothing(bed, api,
                                                          remotes):
    name = unique()
    demo = api('demo')
    migration = ask_upload(demo, name, ['local'] + remotes)
    url = urllib.parse.urlsplit(bed.glint.url)
    with socket.create_connection((url.hostname, url.port)) as client:
        client.sendall((
            'PUT /v1/migrations/%s/file HTTP/1.1\r\nHost: glint\r\n'
            'X-Auth-Token: %s\r\nContent-Type: application/octet-stream\r\n'
            'Content-Length: %d\r\n\r\n' % (
                migration['id'], demo.token, 8 * MiB)).encode())
        client.sendall(os.urandom(3 * MiB))
        cloudbed.wait_for(
            lambda: demo.get('/v1/migrations/%s' % migration['id']).json()[
                'status'] == 'running', cloudbed.WAIT, 'the upload runs')
    ended = wait_for_end(demo, migration['id'])
    assert ended['status'] == 'failed', ended
    assert no_image_left(bed.clouds, name)


def test_an_upload_is_cancelled_before_its_data(api, remotes):
    demo = api('demo')
    migration = ask_upload(demo, unique(), remotes)
    response = demo.delete('/v1/migrations/%s' % migration['id'])
    assert response.status_code == 202, response.text
    assert response.json()['status'] == 'cancelled'
    response = put_data(demo, migration['id'], b'late')
    assert response.status_code == 409, response.text


def test_data_for_what_awaits_none_is_409(bed, api, remotes):
    demo = api('demo')
    migration = ask_upload(demo, unique(), remotes[:1])
    assert put_data(demo, migration['id'], b'x' * 1000).status_code == 200
    again = put_data(demo, migration['id'], b'x' * 1000)
    assert again.status_code == 409, again.text
    assert 'awaits no data' in again.text
    local = bed.clouds[0]
    source = cloudbed.upload_image(local, local.users['demo'], b'y' * 10,
                                   unique())
    copy = demo.post('/v1/migrations', {'image_id': source['id'],
                                        'targets': remotes[:1]}).json()
    response = put_data(demo, copy['id'], b'x')
    assert response.status_code == 409, response.text
    assert 'takes no data' in response.text


def test_a_chunked_upload_of_a_size_not_known_before_its_end(
        bed, api, remotes):
    data = os.urandom(3 * MiB + 7)
    name = unique()
    demo = api('demo')
    migration = ask_upload(demo, name, ['local'] + remotes[:1],
                           os_hash_algo='sha256',
                           os_hash_value=hashlib.sha256(data).hexdigest())
    assert migration['size'] is None
    chunks = (data[i:i + 300000] for i in range(0, len(data), 300000))
    response = put_data(demo, migration['id'], chunks)
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended['status'] == 'succeeded', ended
    assert ended['size'] == ended['bytes_read'] == len(data)
    for cloud in bed.clouds[:2]:
        [image] = images_named(cloud, name)
        assert image['status'] == 'active'
        assert image['size'] == len(data)
        assert image['os_hash_value'] == hashlib.sha512(data).hexdigest()


def test_a_chunked_upload_of_unknown_size_that_is_wrong_leaves_nothing(
        bed, api, remotes):
    name = unique()
    demo = api('demo')
    migration = ask_upload(demo, name, ['local'] + remotes[:1],
                           checksum='0' * 32)
    chunks = (b'x' * 300000 for _ in range(5))
    response = put_data(demo, migration['id'], chunks)
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended['status'] == 'failed', ended
    assert 'does not match' in ended['error']
    assert no_image_left(bed.clouds, name)


def test_a_size_other_than_declared_is_400(api, remotes):
    demo = api('demo')
    migration = ask_upload(demo, unique(), remotes[:1], size=10)
    response = put_data(demo, migration['id'], b'x' * 11)
    assert response.status_code == 400, response.text
    assert response.json()['errors'][0]['detail'].startswith(
        'Content-Length:')
    # Nothing changed: it still awaits its data.
    assert demo.get('/v1/migrations/%s' % migration['id']).json()[
        'status'] == 'awaiting_data'


@pytest.mark.parametrize('change, field', [
    ({'name': None}, 'name'),
    ({'disk_format': 'floppy'}, 'disk_format'),
    ({'image_id': str(uuid.uuid4())}, 'image_id'),
    ({'os_hash_algo': 'sha256', 'os_hash_value': 'ab'}, 'os_hash_value'),
    ({'os_hash_algo': 'sha256'}, 'os_hash_value'),
    ({'checksum': 'z' * 32}, 'checksum'),
    ({'properties': {'os_hash_value': 'x'}}, 'properties'),
    ({'properties': {'a': 1}}, 'properties[a]'),
    ({'tags': ['a\nb']}, 'tags[0]'),
    ({'size': -1}, 'size'),
    ({'min_ram': 'lots'}, 'min_ram'),
    ({'targets': ['local', 'local']}, 'targets'),
])
def test_a_bad_upload_request_is_400_naming_the_field(api, remotes, change,
                                                      field):
    body = {'source': 'upload', 'name': unique(), 'disk_format': 'raw',
            'container_format': 'bare', 'targets': remotes[:1]}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    demo = api('demo')
    before = len(demo.get('/v1/migrations?status=awaiting_data').json()[
        'migrations'])
    response = demo.post('/v1/migrations', body)
    assert response.status_code == 400, response.text
    assert response.json()['errors'][0]['detail'].startswith(field + ':')
    assert len(demo.get('/v1/migrations?status=awaiting_data').json()[
        'migrations']) == before
