"""GET /v1/clouds/{cloud_id}/images/{image_id}/file against real Glances."""

import hashlib
import os
import urllib.parse
import uuid

import pytest
import requests

from tests import cloudbed
from tests.functional import conftest

MiB = 1024 * 1024
FILE = '/v1/clouds/%s/images/%s/file'


@pytest.fixture(scope='module')
def images(bed, api):
    """An image of 5 MiB and a bit in the local cloud and in cloud2."""
    data = os.urandom(5 * MiB + 4321)
    found = {}
    with conftest.remote_clouds(bed, api, 'downloads') as remotes:
        for cloud_id, cloud in (('local', bed.clouds[0]),
                                (remotes[0]['id'], bed.clouds[1])):
            found[cloud_id] = cloudbed.upload_image(
                cloud, cloud.users['demo'], data,
                'download-%s' % uuid.uuid4().hex[:6])
        yield data, found


def test_an_image_is_downloaded_whole_from_any_of_the_projects_clouds(
        api, images):
    data, found = images
    for cloud_id, image in found.items():
        response = api('demo').get(FILE % (cloud_id, image['id']))
        assert response.status_code == 200, response.text
        assert response.content == data
        assert response.headers['Content-Length'] == str(len(data))
        assert response.headers['Content-Type'] == 'application/octet-stream'
        assert response.headers['Accept-Ranges'] == 'bytes'
        assert response.headers['OpenStack-Image-Hash-Algo'] == 'sha512'
        assert response.headers['OpenStack-Image-Hash-Value'] == (
            hashlib.sha512(data).hexdigest())
        assert response.headers['ETag'] == '"%s"' % image['os_hash_value']


def test_a_download_resumes_with_a_range(api, images):
    data, found = images
    half = len(data) // 2
    for cloud_id, image in found.items():
        path = FILE % (cloud_id, image['id'])
        first = api('demo').get(path, headers={
            'Range': 'bytes=0-%d' % (half - 1)})
        second = api('demo').get(path, headers={
            'Range': 'bytes=%d-' % half,
            'If-Range': first.headers['ETag']})
        assert (first.status_code, second.status_code) == (206, 206)
        assert first.headers['Content-Range'] == 'bytes 0-%d/%d' % (
            half - 1, len(data))
        assert second.headers['Content-Range'] == 'bytes %d-%d/%d' % (
            half, len(data) - 1, len(data))
        assert first.content + second.content == data
        last = api('demo').get(path, headers={'Range': 'bytes=-10'})
        assert (last.status_code, last.content) == (206, data[-10:])
        # Another image's etag: the whole image, as RFC 9110 says.
        whole = api('demo').get(path, headers={'Range': 'bytes=0-9',
                                               'If-Range': '"other"'})
        assert (whole.status_code, whole.content) == (200, data)


def test_a_range_past_the_end_is_416(api, images):
    data, found = images
    response = api('demo').get(FILE % ('local', found['local']['id']),
                               headers={'Range': 'bytes=%d-' % len(data)})
    assert response.status_code == 416, response.text
    assert response.headers['Content-Range'] == 'bytes */%d' % len(data)
    assert response.json()['errors'][0]['code'] == (
        'glint.range_not_satisfiable')


def test_what_the_project_cannot_see_is_404(bed, api, images):
    data, found = images
    remote_id = [cloud_id for cloud_id in found if cloud_id != 'local'][0]
    other = api('other')
    # The demo project's private image, and its remote cloud.
    for cloud_id, image_id in (('local', found['local']['id']),
                               (remote_id, found[remote_id]['id']),
                               ('local', str(uuid.uuid4()))):
        response = other.get(FILE % (cloud_id, image_id))
        assert response.status_code == 404, response.text
    # As for Glance's own downloads, a reader of the project may not.
    response = api('reader').get(FILE % (remote_id, found[remote_id]['id']))
    assert response.status_code == 403, response.text


def test_an_image_without_data_is_409(bed, api):
    local = bed.clouds[0]
    client = cloudbed.glance_client(local, local.users['demo'])
    image = client.images.create(name='empty-%s' % uuid.uuid4().hex[:6],
                                 disk_format='raw', container_format='bare')
    try:
        response = api('demo').get(FILE % ('local', image['id']))
        assert response.status_code == 409, response.text
        assert 'queued, not active' in response.json()['errors'][0]['detail']
    finally:
        client.images.delete(image['id'])


def test_a_download_link_needs_no_token_and_lasts_its_time(api, images):
    data, found = images
    for cloud_id, image in found.items():
        response = api('demo').post(
            '/v1/clouds/%s/images/%s/download_links' % (cloud_id,
                                                        image['id']))
        assert response.status_code == 201, response.text
        link = response.json()
        assert link['expires_at'].endswith('Z')
        url = urllib.parse.urljoin(api('demo').url, link['url'])
        got = requests.get(url, timeout=cloudbed.REQUEST_TIMEOUT)
        assert got.status_code == 200, got.text
        assert got.content == data
        assert got.headers['Content-Disposition'] == (
            'attachment; filename="%s.raw"' % image['name'])
        # A link is its own authority: a range of it, again, works too.
        part = requests.get(url, headers={'Range': 'bytes=0-9'},
                            timeout=cloudbed.REQUEST_TIMEOUT)
        assert (part.status_code, part.content) == (206, data[:10])
        # Altered: refused.
        token = link['url'].rsplit('/', 1)[1]
        altered = token[:40] + ('A' if token[40] != 'A' else 'B') + (
            token[41:])
        refused = requests.get(url.replace(token, altered),
                               timeout=cloudbed.REQUEST_TIMEOUT)
        assert refused.status_code == 403, refused.text
        assert refused.json()['errors'][0]['detail'] == (
            'This is not a valid download link.')


def test_a_link_is_made_only_for_what_the_caller_may_download(api, images):
    data, found = images
    path = '/v1/clouds/%s/images/%s/download_links'
    remote_id = [cloud_id for cloud_id in found if cloud_id != 'local'][0]
    for cloud_id in found:
        response = api('other').post(path % (cloud_id,
                                             found[cloud_id]['id']))
        assert response.status_code == 404, response.text
    response = api('reader').post(path % (remote_id, found[remote_id]['id']))
    assert response.status_code == 403, response.text
