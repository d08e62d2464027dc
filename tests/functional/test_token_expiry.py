"""A migration outlives the token of the user who started it.

Clouds of their own, whose Keystones issue tokens that last 20 seconds, and
migrations slowed down to last longer than that: one started by a password
user, one by a user who logged in with a certificate (through the first
cloud's TLS front, cloudbed.X509Front), side by side.
"""

import os
import uuid

import pytest
import requests

from glint_service.clouds import federation
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
                       token_expiration=LIFETIME, x509_fronts=1,
                       glint_options={'migrations': {'max_rate': MiB},
                                      'engine': {'poll_interval': 0.5}})
    bed.start()
    yield bed
    bed.stop()


def certificate_token(cloud, folder, project_id):
    """A token of a certificate user added by DN to the project.

    The user's certificate logs in at the TLS front, as a browser or the
    CLI's v3x509 would, and the token is scoped to the project.
    """
    front = cloud.x509.start()
    admin = cloud.session(cloud.admin_user())
    ca = front.cas[0]
    idp = 'expiry-' + uuid.uuid4().hex[:6]
    federation.setup(admin, ca.cert_pem(), idp_id=idp)
    credential = ca.issue('Certificate User %s' % uuid.uuid4().hex[:6])
    files = credential.write(str(folder), 'user')
    federation.add_user(admin, credential.subject, ca.subject, project_id)
    unscoped = requests.get(front.federated_url(idp), cert=files,
                            verify=front.ca_path,
                            timeout=cloudbed.REQUEST_TIMEOUT)
    assert unscoped.status_code == 201, unscoped.text
    scoped = requests.post(
        front.auth_url + '/auth/tokens',
        json={'auth': {'identity': {'methods': ['token'], 'token': {
            'id': unscoped.headers['X-Subject-Token']}},
            'scope': {'project': {'id': project_id}}}},
        verify=front.ca_path, timeout=cloudbed.REQUEST_TIMEOUT)
    assert scoped.status_code == 201, scoped.text
    return scoped.headers['X-Subject-Token']


def test_a_transfer_longer_than_the_token_succeeds(short_lived,
                                                   tmp_path):
    bed = short_lived
    local, remote = bed.clouds
    user = local.users['demo']
    # A fresh token for each request but the migrations'.
    fresh = Api(bed.glint.url, local.session(user).get_token)
    remote_user = remote.users['demo']
    cloud = fresh.post('/v1/clouds', {
        'name': 'far', 'auth_url': remote.auth_url,
        'username': remote_user['username'],
        'password': remote_user['password'],
        'project_name': remote_user['project_name']}).json()
    size = int(1.5 * LIFETIME * MiB)
    sources = {}
    for who in ('password', 'certificate'):
        name = 'long-%s-%s' % (who, uuid.uuid4().hex[:6])
        sources[who] = cloudbed.upload_image(local, user, os.urandom(size),
                                             name)
    trusts_before = trust_ids(local)
    # The migrations are asked for with tokens that expire long before
    # they end, each made just before.
    new_token = {
        'certificate': lambda: certificate_token(local, tmp_path,
                                                 user['project_id']),
        'password': lambda: local.session(user).get_token()}
    callers, started = {}, {}
    for who, token in new_token.items():
        callers[who] = Api(bed.glint.url, token())
        response = callers[who].post('/v1/migrations', {
            'image_id': sources[who]['id'], 'targets': [cloud['id']]})
        assert response.status_code == 202, response.text
        started[who] = response.json()['id']

    # Once the tokens have expired, the migrations have not ended yet.
    for who, caller in callers.items():
        cloudbed.wait_for(
            lambda: caller.get('/v1/migrations').status_code == 401,
            cloudbed.WAIT, 'the %s user\'s token refused' % who, interval=1)
    for migration_id in started.values():
        unfinished = fresh.get('/v1/migrations/%s' % migration_id).json()
        assert unfinished['status'] in ('queued', 'running'), unfinished

    # Polling for the end takes new tokens as they expire.
    for who, migration_id in started.items():
        migration = wait_until_finished(fresh, migration_id)
        assert migration['status'] == 'succeeded', (who, migration)
        copy, = images_named(remote, sources[who]['name'])
        assert copy['os_hash_value'] == sources[who]['os_hash_value']
        assert copy['status'] == 'active'

    # The engine logged in with the trusts, never with the callers' tokens;
    # the user's first look at each ended migration (with a fresh token)
    # deleted its trust.
    assert trust_ids(local) == trusts_before
    for migration_id in started.values():
        response = fresh.delete('/v1/migrations/%s' % migration_id)
        assert response.status_code == 204, response.text
