"""Remote clouds reached without passwords, against the bed's real Keystone.

cloud2's Keystone gets an identity provider, a mapping and the ``openid``
protocol (made here with its admin's token); its front (see
tests/keystone_oidc_wsgi.py) checks bearer access tokens as mod_auth_openidc
would. For ``v3x509``, a CA of cloud2's TLS front (cloudbed.X509Front) is
set up as an identity provider and a certificate's DN added as a user.
The one stand-in is the external OpenID Connect provider
(tests/oidc_provider.py), on loopback. Every login is Glint's own, through
its outbound policy, and every image lands in cloud2's real Glance.
"""

import os
import sqlite3
import uuid

import pytest

from glint_service.clouds import federation as x509_federation
from glint_service import crypto
from tests import cloudbed
from tests.functional import test_cli
from tests.functional.test_migrations import migrate
from tests import oidc_provider

IDP = 'glint-test-oidc'
# The refresh token's user, as the provider names it.
SUBJECT = 'alice@example.org'


@pytest.fixture(scope='module')
def federation(bed):
    """The stand-in provider, and cloud2's Keystone trusting it."""
    remote = bed.clouds[1]
    provider = oidc_provider.Provider(remote.oidc_key()).start()
    client_id, client_secret = provider.add_client()
    # Both the client (client credentials: its own subject) and the user
    # of the refresh token are cloud2's local user demo, who has no
    # password of theirs at Glint.
    remove = oidc_provider.trust(remote, provider, IDP,
                                 [client_id, SUBJECT])
    provider.client = (client_id, client_secret)
    yield provider
    remove()
    provider.stop()


def federated(bed, provider, auth_type, **fields):
    remote = bed.clouds[1]
    body = {'name': 'oidc-%s' % uuid.uuid4().hex[:8],
            'auth_url': remote.auth_url, 'auth_type': auth_type,
            'identity_provider': IDP, 'client_id': provider.client[0],
            'project_name': 'demo'}
    body.update(fields)
    return body


def add(api, body):
    response = api('demo').post('/v1/clouds', body)
    assert response.status_code == 201, response.text
    return response.json()


def stored_secrets(bed, cloud_id):
    """The secrets Glint stores for a cloud, decrypted with its key."""
    with sqlite3.connect(bed.glint.database_path) as connection:
        sealed = connection.execute(
            'SELECT sealed_secrets FROM clouds WHERE id = ?',
            (cloud_id,)).fetchone()[0]
    return crypto.Vault.from_key_file(bed.glint.key_file).decrypt(sealed)


def migrate_one(bed, api, cloud_id):
    """An image of cloud1 migrated to ``cloud_id``: the copy in cloud2."""
    local, remote = bed.clouds[0], bed.clouds[1]
    data = os.urandom(1024 * 1024 + 7)
    name = 'no-password-%s' % uuid.uuid4().hex[:6]
    source = cloudbed.upload_image(local, local.users['demo'], data, name)
    migration = migrate(api('demo'), {'image_id': source['id'],
                                      'targets': [cloud_id]})
    assert migration['status'] == 'succeeded', migration
    client = cloudbed.glance_client(remote, remote.users['demo'])
    copy = dict(client.images.get(migration['targets'][0]['image_id']))
    assert copy['os_hash_value'] == source['os_hash_value']
    assert copy['owner'] == remote.users['demo']['project_id']
    return copy


def test_client_credentials_reach_a_cloud_and_migrate(bed, api, federation):
    """What EGI's image sync does: no password, no user secret at all."""
    cloud = add(api, federated(
        bed, federation, 'v3oidcclientcredentials',
        discovery_endpoint=federation.discovery_endpoint,
        client_secret=federation.client[1]))
    try:
        assert cloud['protocol'] == 'openid'
        assert cloud['scope'] == 'openid'
        assert cloud['credentials'] == 'ok'
        assert 'client_secret' not in cloud
        assert federation.client[1] not in str(cloud)
        assert cloud['image_endpoint'] == bed.clouds[1].glance_url
        migrate_one(bed, api, cloud['id'])
        assert ('client_credentials', federation.client[0], 'ok') in (
            federation.grants)
    finally:
        api('demo').delete('/v1/clouds/%s' % cloud['id'])


def test_a_wrong_client_secret_is_refused_at_registration(bed, api,
                                                          federation):
    response = api('demo').post('/v1/clouds', federated(
        bed, federation, 'v3oidcclientcredentials',
        access_token_endpoint=federation.token_endpoint,
        client_secret='not-the-secret'))
    assert response.status_code == 400, response.text
    detail = response.json()['errors'][0]['detail']
    assert 'identity provider refused the credentials' in detail
    assert 'not-the-secret' not in response.text


def test_a_refresh_token_is_exchanged_and_its_rotation_stored(
        bed, api, federation):
    original = federation.refresh_token(federation.client[0], SUBJECT)
    cloud = add(api, federated(
        bed, federation, 'v3oidcrefreshtoken',
        access_token_endpoint=federation.token_endpoint,
        client_secret=federation.client[1], refresh_token=original))
    try:
        assert 'refresh_token' not in cloud
        assert original not in str(cloud)
        # Exchanged at registration: what is stored is the rotated token.
        stored = stored_secrets(bed, cloud['id'])['refresh_token']
        assert stored != original
        assert stored == federation.current_refresh_token(original)
        migrate_one(bed, api, cloud['id'])
        # The engine logged in with it, and stored the next one.
        assert federation.rotations(original) >= 2
        stored = stored_secrets(bed, cloud['id'])['refresh_token']
        assert stored == federation.current_refresh_token(original)
        # No token was ever used twice (the provider would revoke them).
        assert not [g for g in federation.grants if g[2] == 'reused']
    finally:
        api('demo').delete('/v1/clouds/%s' % cloud['id'])


def test_a_revoked_refresh_token_marks_the_cloud_until_replaced(
        bed, api, federation):
    original = federation.refresh_token(federation.client[0], SUBJECT)
    cloud = add(api, federated(
        bed, federation, 'v3oidcrefreshtoken',
        discovery_endpoint=federation.discovery_endpoint,
        client_secret=federation.client[1], refresh_token=original))
    demo = api('demo')
    path = '/v1/clouds/%s' % cloud['id']
    try:
        # The user revokes it at the provider (a logout, say).
        federation.revoke(federation.current_refresh_token(original))
        checked = demo.get(path + '/check').json()
        assert checked['reachable'] is False
        assert 'refused the refresh token (invalid_grant)' in (
            checked['error'])
        shown = demo.get(path).json()
        assert shown['credentials'] == 'refused'
        assert shown['credentials_refused_at']
        assert 'invalid_grant' in shown['credentials_refused_reason']
        # The CLI shows it too.
        local = bed.clouds[0]
        cli = test_cli.Cli(test_cli.os_env(local, local.users['demo']),
                           os.getcwd())
        listed = {c['Name']: c for c in cli.json('cloud', 'list')}
        assert listed[cloud['name']]['Credentials'] == 'refused'
        assert cli.json('cloud', 'show', cloud['name'])[
            'credentials'] == 'refused'
        # A migration to it says why, and nothing is queued.
        source = cloudbed.upload_image(local, local.users['demo'], b'x' * 10,
                                       'to-refused')
        response = demo.post('/v1/migrations', {
            'image_id': source['id'], 'targets': [cloud['id']]})
        assert response.status_code == 409, response.text
        assert 'credentials were refused' in response.text
        # New credentials clear it.
        fresh = federation.refresh_token(federation.client[0], SUBJECT)
        response = demo.patch(path, {'refresh_token': fresh})
        assert response.status_code == 200, response.text
        assert response.json()['credentials'] == 'ok'
        assert response.json()['credentials_refused_reason'] is None
    finally:
        demo.delete(path)


def test_the_cli_adds_an_oidc_client_cloud(bed, federation):
    local, remote = bed.clouds[0], bed.clouds[1]
    cli = test_cli.Cli(test_cli.os_env(local, local.users['demo']),
                       os.getcwd())
    name = 'cli-oidc-%s' % uuid.uuid4().hex[:6]
    cloud = cli.json(
        'cloud', 'create', name, '--auth-url', remote.auth_url,
        '--auth-type', 'v3oidcclientcredentials', '--identity-provider', IDP,
        '--access-token-endpoint', federation.token_endpoint,
        '--client-id', federation.client[0],
        # One word with its option: a secret may start with "-".
        '--client-secret=' + federation.client[1], '--project-name', 'demo')
    try:
        assert cloud['image_endpoint'] == remote.glance_url
        assert cloud['credentials'] == 'ok'
        assert 'client_secret' not in cloud
        listed = {c['Name']: c for c in cli.json('cloud', 'list')}
        assert listed[name]['Auth Type'] == 'v3oidcclientcredentials'
        assert listed[name]['Credentials'] == 'ok'
    finally:
        cli.ok('cloud', 'delete', name)


def test_a_certificate_reaches_a_cloud_behind_its_tls_front(bed, api):
    """The key goes to Glint once; Glint presents it from memory."""
    remote = bed.clouds[1]
    assert remote.x509 is not None, 'the bed has no TLS front on cloud2'
    front = remote.x509.start()
    admin = remote.session(remote.admin_user())
    ca = front.cas[1]
    idp = 'glint-remote-%s' % uuid.uuid4().hex[:6]
    x509_federation.setup(admin, ca.cert_pem(), idp_id=idp)
    robot = ca.issue('Glint robot %s' % uuid.uuid4().hex[:6])
    user = x509_federation.add_user(admin, robot.subject, robot.issuer,
                                    remote.users['demo']['project_id'])
    with open(front.ca_path) as f:
        front_ca = f.read()
    body = {'name': 'x509-%s' % uuid.uuid4().hex[:8],
            'auth_url': front.auth_url, 'cacert': front_ca,
            'auth_type': 'v3x509', 'identity_provider': idp,
            'client_cert': robot.cert_pem(), 'client_key': robot.key_pem(),
            'project_name': 'demo'}
    try:
        cloud = add(api, body)
        try:
            assert cloud['protocol'] == 'x509'
            assert cloud['client_cert'] == robot.cert_pem()
            assert 'client_key' not in cloud
            assert robot.key_pem().splitlines()[1] not in str(cloud)
            migrate_one(bed, api, cloud['id'])
            # Logged in as the certificate's user, not with a password.
            with open(front.server.log_path) as f:
                assert '/protocols/x509/auth' in f.read()
        finally:
            api('demo').delete('/v1/clouds/%s' % cloud['id'])
        # Its DN removed, the certificate is refused: a check marks it.
        cloud = add(api, dict(body, name=body['name'] + '-b'))
        try:
            x509_federation.remove_user(admin, user['id'])
            checked = api('demo').get('/v1/clouds/%s/check'
                                      % cloud['id']).json()
            assert checked['reachable'] is False, checked
            shown = api('demo').get('/v1/clouds/%s' % cloud['id']).json()
            assert shown['credentials'] == 'refused'
            assert 'HTTP 401' in shown['credentials_refused_reason']
        finally:
            api('demo').delete('/v1/clouds/%s' % cloud['id'])
    finally:
        ks = remote.admin_client()
        ks.federation.identity_providers.delete(idp)
        ks.federation.mappings.delete(x509_federation.mapping_id(idp))
