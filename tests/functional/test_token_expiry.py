"""A migration outlives the token of the user who started it.

Clouds of their own, whose Keystones issue tokens that last 20 seconds, and a
migration slowed down to last longer than that.
"""

import os
import uuid

import pytest

from tests import cloudbed
from tests.functional.conftest import Api
from tests.functional.test_migrations import images_named
from tests.functional.test_migrations import trust_ids
from tests.functional.test_migrations import wait_until_finished

MiB = 1024 * 1024
LIFETIME = 20


@pytest.fixture(scope='module')
def short_lived(tmp_path_factory):
    bed = cloudbed.Bed(str(tmp_path_factory.mktemp('short')), clouds=2,
                       token_expiration=LIFETIME,
                       glint_options={'migrations': {'max_rate': MiB},
                                      'engine': {'poll_interval': 0.5}})
    bed.start()
    yield bed
    bed.stop()


def test_a_transfer_longer_than_the_token_succeeds(short_lived):
    bed = short_lived
    local, remote = bed.clouds
    user = local.users['demo']
    # A fresh token for each request but the migration's.
    fresh = Api(bed.glint.url, local.session(user).get_token)
    remote_user = remote.users['demo']
    cloud = fresh.post('/v1/clouds', {
        'name': 'far', 'auth_url': remote.auth_url,
        'username': remote_user['username'],
        'password': remote_user['password'],
        'project_name': remote_user['project_name']}).json()
    name = 'long-%s' % uuid.uuid4().hex[:6]
    size = int(1.5 * LIFETIME * MiB)
    source = cloudbed.upload_image(local, user, os.urandom(size), name)
    trusts_before = trust_ids(local)
    # The migration is asked for with a token that expires long before it
    # ends.
    token = local.session(user).get_token()
    demo = Api(bed.glint.url, token)
    response = demo.post('/v1/migrations', {'image_id': source['id'],
                                            'targets': [cloud['id']]})
    assert response.status_code == 202, response.text
    migration_id = response.json()['id']

    # Once the token has expired, the migration has not ended yet.
    cloudbed.wait_for(
        lambda: demo.get('/v1/migrations').status_code == 401,
        cloudbed.WAIT, 'the token refused', interval=1)
    unfinished = fresh.get('/v1/migrations/%s' % migration_id).json()
    assert unfinished['status'] in ('queued', 'running'), unfinished

    # Polling for the end takes new tokens as they expire.
    migration = wait_until_finished(fresh, migration_id)
    assert migration['status'] == 'succeeded', migration
    copy, = images_named(remote, name)
    assert copy['os_hash_value'] == source['os_hash_value']
    assert copy['status'] == 'active'

    # The engine logged in with the trust, never with the caller's token;
    # the user's first look at the ended migration (with a fresh token)
    # deleted the trust.
    assert trust_ids(local) == trusts_before
    response = fresh.delete('/v1/migrations/%s' % migration_id)
    assert response.status_code == 204, response.text
