"""What expires by itself: an upload whose data never comes, and a
download link past its time, in a Glint of their own whose times are short
(10 s, the least either may be)."""

import time
import urllib.parse

import pytest
import requests

from tests import cloudbed
from tests.functional import conftest
from tests.functional import test_uploads

MiB = 1024 * 1024


@pytest.fixture(scope='module')
def short(bed, tmp_path_factory):
    with conftest.glint_of_its_own(
            bed, tmp_path_factory.mktemp('expiry'), 'glint-expiry',
            options={'migrations': {'upload_wait_seconds': 10},
                     'api': {'download_link_seconds': 10},
                     'engine': {'lease_seconds': 6}}) as glint:
        yield glint


def test_an_upload_never_sent_expires(bed, short):
    demo = conftest.as_user(bed, short)
    migration = test_uploads.ask_upload(demo, test_uploads.unique(),
                                        ['local'])
    started = time.monotonic()
    ended = test_uploads.wait_for_end(demo, migration['id'])
    assert ended['status'] == 'failed', ended
    assert ended['error'] == 'no data came within 10 s'
    assert time.monotonic() - started >= 9


def test_a_download_link_past_its_time_is_refused(bed, short):
    local = bed.clouds[0]
    data = b'link' * 1000
    image = cloudbed.upload_image(local, local.users['demo'], data,
                                  test_uploads.unique('expiring'))
    demo = conftest.as_user(bed, short)
    response = demo.post('/v1/clouds/local/images/%s/download_links'
                         % image['id'])
    assert response.status_code == 201, response.text
    url = urllib.parse.urljoin(short.url, response.json()['url'])
    got = requests.get(url, timeout=cloudbed.REQUEST_TIMEOUT)
    assert (got.status_code, got.content) == (200, data)

    def refused():
        answer = requests.get(url, timeout=cloudbed.REQUEST_TIMEOUT)
        return answer.status_code == 403 and answer.json()['errors'][0][
            'detail'].startswith('This download link has expired')
    cloudbed.wait_for(refused, cloudbed.WAIT, 'the link expires')
