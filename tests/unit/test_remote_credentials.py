"""Remote clouds without passwords: OIDC client credentials, an OIDC
refresh token, an X.509 certificate, and credentials the remote refuses."""

import base64
import datetime
import json
import os
import ssl
import threading
import time
import types
from unittest import mock

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
from keystoneauth1 import exceptions as ks_exc
import pytest

from glint_service.api.schemas import clouds as cloud_schema
from glint_service.clouds import access
from glint_service.clouds import credentials
from glint_service.clouds import outbound
from glint_service.clouds import remote_keystone
from glint_service import crypto
from glint_service.db import api as db_api
from glint_service.db import schema
from glint_service import exception
from glint_service import views
from tests.unit.test_cloud_schema import field_error

AUTH_URL = 'https://192.0.2.10:5000/v3'
TOKEN_ENDPOINT = 'https://192.0.2.20/token'
CLIENT_CREDENTIALS = {
    'name': 'egi', 'auth_url': AUTH_URL,
    'auth_type': 'v3oidcclientcredentials', 'identity_provider': 'egi.eu',
    'discovery_endpoint':
        'https://192.0.2.20/.well-known/openid-configuration',
    'client_id': 'glint', 'client_secret': 'cl1ent-s3cret',
    'project_name': 'hep'}
REFRESH_TOKEN = {
    'name': 'egi', 'auth_url': AUTH_URL, 'auth_type': 'v3oidcrefreshtoken',
    'identity_provider': 'egi.eu', 'access_token_endpoint': TOKEN_ENDPOINT,
    'client_id': 'glint', 'client_secret': 'cl1ent-s3cret',
    'refresh_token': 'rt-0', 'project_id': 'remote-p'}


def certificate_and_key(name='glint-robot'):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = x509.CertificateBuilder().subject_name(subject).issuer_name(
        subject).public_key(key.public_key()).serial_number(
        x509.random_serial_number()).not_valid_before(now).not_valid_after(
        now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    return (certificate.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


CERT, KEY = certificate_and_key()


def x509_body(**fields):
    body = {'name': 'grid', 'auth_url': AUTH_URL, 'auth_type': 'v3x509',
            'identity_provider': 'igtf', 'client_cert': CERT,
            'client_key': KEY, 'project_name': 'hep'}
    body.update(fields)
    return body


# The specs.

def test_client_credentials_take_openid_defaults():
    spec = cloud_schema.complete(CLIENT_CREDENTIALS)
    assert spec['protocol'] == 'openid'
    assert spec['scope'] == 'openid'
    assert spec['project_domain_name'] == 'Default'


def test_a_refresh_token_needs_no_client_secret_nor_scope():
    body = dict(REFRESH_TOKEN)
    del body['client_secret']
    spec = cloud_schema.complete(body)
    assert spec['protocol'] == 'openid'
    assert 'scope' not in spec and 'client_secret' not in spec
    # By id: no default domain name.
    assert 'project_domain_name' not in spec


def test_x509_takes_the_x509_protocol():
    assert cloud_schema.complete(x509_body())['protocol'] == 'x509'


@pytest.mark.parametrize('body, missing', [
    (CLIENT_CREDENTIALS, 'client_secret'),
    (CLIENT_CREDENTIALS, 'identity_provider'),
    (REFRESH_TOKEN, 'refresh_token'),
    (REFRESH_TOKEN, 'client_id'),
    (x509_body(), 'client_key'),
    (x509_body(), 'client_cert'),
])
def test_each_federated_types_required_fields(body, missing):
    body = dict(body)
    del body[missing]
    assert missing in field_error(body)
    assert 'is required with auth_type' in field_error(body)


def test_a_federated_login_is_scoped_to_a_project():
    body = dict(CLIENT_CREDENTIALS)
    del body['project_name']
    assert 'project_name or project_id is required' in field_error(body)


@pytest.mark.parametrize('endpoints', [
    {}, {'discovery_endpoint': 'https://192.0.2.20/d',
         'access_token_endpoint': TOKEN_ENDPOINT}])
def test_one_of_discovery_or_token_endpoint(endpoints):
    body = {k: v for k, v in CLIENT_CREDENTIALS.items()
            if k != 'discovery_endpoint'}
    body.update(endpoints)
    assert 'give discovery_endpoint or access_token_endpoint' in (
        field_error(body))


def test_an_endpoint_is_an_http_url():
    body = dict(REFRESH_TOKEN, access_token_endpoint='file:///etc/passwd')
    assert 'access_token_endpoint' in field_error(body)


def test_the_outbound_policy_names_a_refused_endpoint(conf):
    spec = cloud_schema.complete(dict(
        REFRESH_TOKEN, access_token_endpoint='http://127.0.0.1:9/token'))
    with pytest.raises(exception.InvalidField) as raised:
        outbound.Guard(conf).check_cloud(spec)
    assert 'access_token_endpoint' in str(raised.value)


def test_fields_of_another_type_are_refused():
    body = dict(CLIENT_CREDENTIALS, refresh_token='rt')
    assert 'refresh_token: is not used with auth_type' in field_error(body)


def test_a_certificate_and_a_key_that_do_not_match():
    _, other_key = certificate_and_key('other')
    assert 'client_key: is not the key of client_cert' in field_error(
        x509_body(client_key=other_key))


def test_a_key_that_is_not_pem_never_echoes_it():
    error = field_error(x509_body(client_key='my-private-key-text'))
    assert 'client_key' in error and 'my-private-key-text' not in error
    assert 'client_cert' in field_error(x509_body(client_cert='not a cert'))


def test_a_key_with_a_passphrase_is_refused():
    key = serialization.load_pem_private_key(KEY.encode(), password=None)
    locked = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b'passphrase')).decode()
    assert 'without a passphrase' in field_error(x509_body(client_key=locked))


def test_a_new_token_endpoint_needs_the_secrets_again():
    stored = cloud_schema.complete(REFRESH_TOKEN)
    error = field_error({'access_token_endpoint': 'https://192.0.2.21/t'},
                        stored)
    assert 'must be given again' in error
    spec = cloud_schema.merge(stored, {
        'discovery_endpoint': 'https://192.0.2.21/d',
        'refresh_token': 'rt-new', 'client_secret': 'new'})
    # The one endpoint given replaces the other.
    assert 'access_token_endpoint' not in spec
    assert spec['refresh_token'] == 'rt-new'


def test_a_public_clients_refresh_token_alone_is_asked_again():
    body = dict(REFRESH_TOKEN)
    del body['client_secret']
    stored = cloud_schema.complete(body)
    spec = cloud_schema.merge(stored, {
        'access_token_endpoint': 'https://192.0.2.21/t',
        'refresh_token': 'rt-new'})
    assert spec['access_token_endpoint'] == 'https://192.0.2.21/t'


# Rows and views.

@pytest.mark.parametrize('body, secrets', [
    (CLIENT_CREDENTIALS, ['cl1ent-s3cret']),
    (REFRESH_TOKEN, ['cl1ent-s3cret', 'rt-0']),
    (x509_body(), [KEY.splitlines()[1]]),
])
def test_secrets_are_sealed_and_never_shown(vault, body, secrets):
    spec = cloud_schema.complete(body)
    row = credentials.to_row(spec, vault)
    for secret in secrets:
        assert secret not in json.dumps(row['auth'])
        assert secret not in row['sealed_secrets']
    now = datetime.datetime(2026, 12, 3, 12, 0, 0)
    cloud = types.SimpleNamespace(
        id='c1', project_id='p', created_by='u', image_endpoint='https://g',
        created_at=now, updated_at=now, credentials_refused_at=None,
        credentials_refused_reason=None, **row)
    assert credentials.from_row(cloud, vault) == spec
    shown = views.cloud(cloud)
    for secret in secrets:
        assert secret not in json.dumps(shown)
    assert shown['identity_provider'] == body['identity_provider']
    assert shown['credentials'] == 'ok'
    assert shown['credentials_refused_at'] is None


def test_a_refused_clouds_view_says_when_and_why(vault):
    row = credentials.to_row(cloud_schema.complete(CLIENT_CREDENTIALS),
                             vault)
    now = datetime.datetime(2026, 12, 3, 12, 0, 0)
    cloud = types.SimpleNamespace(
        id='c1', project_id='p', created_by='u', image_endpoint='https://g',
        created_at=now, updated_at=now, credentials_refused_at=now,
        credentials_refused_reason='the identity provider refused the '
        'refresh token (invalid_grant)', **row)
    shown = views.cloud(cloud)
    assert shown['credentials'] == 'refused'
    assert shown['credentials_refused_at'] == '2026-12-03T12:00:00Z'
    assert 'invalid_grant' in shown['credentials_refused_reason']
    assert 'invalid_grant' in access.refused_reason(cloud)
    assert '2026-12-03 12:00:00 UTC' in access.refused_reason(cloud)


# Plugins.

def test_each_type_has_its_plugin():
    from keystoneauth1.identity import v3
    plugins = {
        'v3oidcclientcredentials': (CLIENT_CREDENTIALS,
                                    v3.OidcClientCredentials),
        'v3oidcrefreshtoken': (REFRESH_TOKEN, credentials.OidcRefreshToken),
        'v3x509': (x509_body(), credentials.X509Login),
    }
    for body, kind in plugins.values():
        plugin = credentials.auth_plugin(cloud_schema.complete(body))
        assert isinstance(plugin, kind)
        assert plugin.protocol == cloud_schema.complete(body)['protocol']
        assert plugin.federated_token_url.endswith(
            '/OS-FEDERATION/identity_providers/%s/protocols/%s/auth'
            % (body['identity_provider'], plugin.protocol))


class Provider(object):
    """A keystoneauth session's answers, as a token endpoint gives them."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.posts = []

    def post(self, url, data=None, headers=None, **kwargs):
        self.posts.append((url, dict(data), dict(headers or {}), kwargs))
        status, body = self.answers.pop(0)
        return types.SimpleNamespace(status_code=status,
                                     json=lambda: body, headers={},
                                     text=json.dumps(body))

    def get(self, url, **kwargs):
        self.posts.append((url, None, None, kwargs))
        return types.SimpleNamespace(json=lambda: {
            'token_endpoint': TOKEN_ENDPOINT})


def refresh_plugin(body=REFRESH_TOKEN, refresh_tokens=None, listener=None):
    spec = cloud_schema.complete(body)
    return spec, credentials.auth_plugin(spec, refresh_tokens, listener)


def test_the_exchange_sends_the_client_by_basic_auth_and_keeps_rotation():
    spec, plugin = refresh_plugin()
    provider = Provider((200, {'access_token': 'at-1',
                               'refresh_token': 'rt-1'}))
    assert plugin.refresh_tokens.exchange(
        lambda token: plugin.exchange(provider, token)) == 'at-1'
    url, form, headers, kwargs = provider.posts[0]
    assert url == TOKEN_ENDPOINT
    assert form == {'grant_type': 'refresh_token', 'refresh_token': 'rt-0'}
    assert headers['Authorization'] == 'Basic ' + base64.b64encode(
        b'glint:cl1ent-s3cret').decode()
    assert kwargs['authenticated'] is False and kwargs['log'] is False
    # The spec (stored at registration) holds the rotated token.
    assert spec['refresh_token'] == 'rt-1'


def test_a_public_client_is_named_in_the_form_and_may_not_rotate():
    body = {k: v for k, v in REFRESH_TOKEN.items() if k != 'client_secret'}
    body = dict(body, scope='openid offline_access')
    spec, plugin = refresh_plugin(body)
    provider = Provider((200, {'access_token': 'at-1'}))
    plugin.refresh_tokens.exchange(
        lambda token: plugin.exchange(provider, token))
    _, form, headers, _ = provider.posts[0]
    assert form['client_id'] == 'glint'
    assert form['scope'] == 'openid offline_access'
    assert 'Authorization' not in headers
    assert spec['refresh_token'] == 'rt-0'


def test_the_token_endpoint_is_found_by_discovery():
    body = {k: v for k, v in REFRESH_TOKEN.items()
            if k != 'access_token_endpoint'}
    _, plugin = refresh_plugin(dict(
        body, discovery_endpoint='https://192.0.2.20/d'))
    provider = Provider((200, {'access_token': 'at-1'}))
    plugin.exchange(provider, 'rt-0')
    assert [p[0] for p in provider.posts] == ['https://192.0.2.20/d',
                                              TOKEN_ENDPOINT]


@pytest.mark.parametrize('status, error', [(400, 'invalid_grant'),
                                           (401, 'invalid_client')])
def test_a_refused_grant_is_refused_credentials(status, error):
    _, plugin = refresh_plugin()
    with pytest.raises(credentials.Refused) as raised:
        plugin.exchange(Provider((status, {'error': error})), 'rt-0')
    assert str(raised.value) == (
        'the identity provider refused the refresh token (%s)' % error)
    assert 'rt-0' not in str(raised.value)


def test_another_error_of_the_provider_is_not_a_refusal():
    _, plugin = refresh_plugin()
    with pytest.raises(ks_exc.HttpError):
        plugin.exchange(Provider((503, {'error': 'temporarily_unavailable'})),
                        'rt-0')


def test_a_login_tells_its_listener_how_it_went():
    listener = mock.Mock()
    _, plugin = refresh_plugin(listener=listener)
    session = mock.Mock()
    with mock.patch.object(credentials.OidcRefreshToken,
                           'get_unscoped_auth_ref',
                           side_effect=credentials.Refused('no more')):
        with pytest.raises(credentials.Refused):
            plugin.get_auth_ref(session)
    listener.refused.assert_called_once_with('no more')
    spec = cloud_schema.complete({
        'name': 'c', 'auth_url': AUTH_URL, 'username': 'u', 'password': 'p',
        'project_name': 'p'})
    listener = mock.Mock()
    plugin = credentials.auth_plugin(spec, listener=listener)
    with mock.patch('keystoneauth1.identity.v3.base.Auth.get_auth_ref',
                    side_effect=ks_exc.Unauthorized(url=AUTH_URL + '/auth')):
        with pytest.raises(credentials.Refused) as raised:
            plugin.get_auth_ref(session)
    assert str(raised.value) == 'the cloud refused the credentials (HTTP 401)'
    assert raised.value.by_keystone
    listener.refused.assert_called_once_with(str(raised.value))
    with mock.patch('keystoneauth1.identity.v3.base.Auth.get_auth_ref',
                    return_value='auth-ref'):
        assert plugin.get_auth_ref(session) == 'auth-ref'
    listener.accepted.assert_called_once_with()


# The stored refresh token: one exchange at a time, rotation stored.

@pytest.fixture
def db(tmp_path):
    url = 'sqlite:///%s/glint.sqlite' % tmp_path
    schema.upgrade(url)
    return db_api.Database(url)


def stored_cloud(db, vault, body=REFRESH_TOKEN):
    return db.create_cloud(dict(
        credentials.to_row(cloud_schema.complete(body), vault),
        project_id='p', created_by='u', image_endpoint='https://g'))


GUARD = types.SimpleNamespace(deadline=0.5)


def test_a_stored_token_rotated_is_stored_back(db, vault):
    cloud = stored_cloud(db, vault)
    store = access.StoredRefreshToken(db, vault, cloud.id, GUARD)
    assert store.exchange(lambda token: ('at-' + token, token + '+')) == (
        'at-rt-0')
    again = db.get_cloud(cloud.id, 'p')
    secrets = vault.decrypt(again.sealed_secrets)
    assert secrets == {'client_secret': 'cl1ent-s3cret',
                       'refresh_token': 'rt-0+'}
    # No change a user made: every process keeps its session.
    assert again.updated_at == cloud.updated_at
    assert again.refresh_lease_until is None


def test_two_processes_never_exchange_the_same_token(db, vault):
    """A provider with reuse detection would revoke them all."""
    cloud = stored_cloud(db, vault)
    used = []
    lock = threading.Lock()

    def exchange(token):
        with lock:
            used.append(token)
        time.sleep(0.05)
        return 'at', token + '+'

    stores = [access.StoredRefreshToken(
        db_api.Database(db.url), vault, cloud.id,
        types.SimpleNamespace(deadline=5)) for _ in range(4)]
    threads = [threading.Thread(target=s.exchange, args=(exchange,))
               for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(used) == ['rt-0', 'rt-0+', 'rt-0++', 'rt-0+++']
    assert vault.decrypt(db.get_cloud(cloud.id, 'p').sealed_secrets)[
        'refresh_token'] == 'rt-0++++'


def test_a_lease_left_by_a_dead_process_runs_out(db, vault):
    cloud = stored_cloud(db, vault)
    assert db.take_refresh_lease(cloud.id, 0.2) is not None
    assert db.take_refresh_lease(cloud.id, 0.2) is None
    store = access.StoredRefreshToken(db, vault, cloud.id, GUARD)
    assert store.exchange(lambda token: ('at', None)) == 'at'


def test_new_credentials_given_meanwhile_are_not_overwritten(db, vault):
    cloud = stored_cloud(db, vault)
    store = access.StoredRefreshToken(db, vault, cloud.id, GUARD)

    def exchange(token):
        # A PATCH lands while the provider answers.
        db.update_cloud(cloud.id, 'p', credentials.to_row(
            cloud_schema.complete(dict(REFRESH_TOKEN, refresh_token='new')),
            vault), cloud.updated_at)
        return 'at', 'rotated'

    store.exchange(exchange)
    assert vault.decrypt(db.get_cloud(cloud.id, 'p').sealed_secrets)[
        'refresh_token'] == 'new'


def test_a_refusal_is_marked_for_the_credentials_it_was_given(db, vault):
    cloud = stored_cloud(db, vault)
    listener = access.Listener(db, cloud.id, cloud.updated_at)
    listener.refused('the identity provider refused the refresh token '
                     '(invalid_grant)')
    marked = db.get_cloud(cloud.id, 'p')
    assert marked.credentials_refused_at is not None
    assert 'invalid_grant' in marked.credentials_refused_reason
    assert marked.updated_at == cloud.updated_at
    listener.accepted()
    assert db.get_cloud(cloud.id, 'p').credentials_refused_at is None
    # A listener of the cloud as it was before a change marks nothing.
    db.update_cloud(cloud.id, 'p', {'name': 'renamed'}, cloud.updated_at)
    listener.refused('of the cloud as it was')
    assert db.get_cloud(cloud.id, 'p').credentials_refused_at is None


def test_a_refused_cloud_is_not_logged_in_to_again(db, vault):
    cloud = stored_cloud(db, vault)
    db.mark_credentials_refused(cloud.id, cloud.updated_at,
                                'the cloud refused the credentials '
                                '(HTTP 401)')
    services = types.SimpleNamespace(db=db, vault=vault,
                                     remote_sessions=mock.Mock())
    with pytest.raises(credentials.Refused) as raised:
        access.remote_glance(services, cloud.id, 'p')
    # In a request: a 409 saying why.
    assert raised.value.status == 409
    services.remote_sessions.get.assert_not_called()
    assert 'its credentials were refused at' in str(raised.value)
    assert 'HTTP 401' in outbound.describe(raised.value)


def test_a_migration_to_a_refused_cloud_is_a_conflict(app, tokens, conf):
    body = dict(CLIENT_CREDENTIALS)
    with mock.patch.object(remote_keystone, 'find_image_endpoint',
                           return_value='https://192.0.2.11:9292'):
        created = app('POST', '/v1/clouds', body, tokens())
    assert created.status_int == 201, created.text
    cloud_id = created.json['id']
    db = db_api.Database('sqlite:///%s/glint.sqlite' % conf.state_path)
    row = db.get_cloud(cloud_id, 'project-a')
    db.mark_credentials_refused(cloud_id, row.updated_at, 'the identity '
                                'provider refused the credentials (HTTP 401)')
    shown = app('GET', '/v1/clouds/%s' % cloud_id, token=tokens()).json
    assert shown['credentials'] == 'refused'
    response = app('POST', '/v1/migrations', {
        'image_id': '3a5b4c2e-0000-4000-8000-000000000001',
        'source': cloud_id, 'targets': ['local']}, tokens())
    assert response.status_int == 409, response.text
    assert 'credentials were refused' in response.text
    # New credentials (checked by a login) clear the mark.
    with mock.patch.object(remote_keystone, 'find_image_endpoint',
                           return_value='https://192.0.2.11:9292'):
        patched = app('PATCH', '/v1/clouds/%s' % cloud_id,
                      {'client_secret': 'new-secret'}, tokens())
    assert patched.status_int == 200, patched.text
    assert patched.json['credentials'] == 'ok'
    assert 'new-secret' not in patched.text


# The client certificate.

def test_the_client_key_is_loaded_and_no_file_is_left(tmp_path,
                                                      monkeypatch):
    spec = cloud_schema.complete(x509_body())
    context = remote_keystone.client_tls(spec)
    assert isinstance(context, ssl.SSLContext)
    # Without memfd: a temporary file, gone before the key is read.
    monkeypatch.setattr(remote_keystone.tempfile, 'tempdir', str(tmp_path))
    monkeypatch.delattr(os, 'memfd_create')
    seen = []
    load = ssl.SSLContext.load_cert_chain

    def load_cert_chain(self, path, *args):
        seen.append(os.listdir(str(tmp_path)))
        return load(self, path, *args)

    monkeypatch.setattr(ssl.SSLContext, 'load_cert_chain', load_cert_chain)
    remote_keystone.client_tls(spec)
    assert seen == [[]]
    assert os.listdir(str(tmp_path)) == []


def test_an_x509_clouds_connections_present_the_certificate(conf):
    spec = cloud_schema.complete(x509_body())
    remote = remote_keystone.RemoteSession(spec, outbound.Guard(conf))
    adapter = remote.session.session.get_adapter('https://192.0.2.10/')
    assert isinstance(adapter.ssl_context, ssl.SSLContext)
    request = types.SimpleNamespace(url='https://192.0.2.10:5000/v3')
    _, pool = adapter.build_connection_pool_key_attributes(
        mock.Mock(url=request.url), True)
    assert pool['ssl_context'] is adapter.ssl_context
    plain = remote_keystone.RemoteSession(
        cloud_schema.complete(CLIENT_CREDENTIALS), outbound.Guard(conf))
    assert plain.session.session.get_adapter(
        'https://192.0.2.10/').ssl_context is None


def test_a_patch_that_logs_in_with_the_stored_token_keeps_its_rotation(
        app, tokens, conf, vault):
    """The login of a PATCH exchanges the token as engines do."""
    def rotating_login(spec, guard, refresh_tokens=None):
        if refresh_tokens is None:
            return credentials.SpecRefreshToken(spec).exchange(
                lambda token: ('at', token + '+')) and 'https://192.0.2.11'
        refresh_tokens.exchange(lambda token: ('at', token + '+'))
        return 'https://192.0.2.11'

    with mock.patch.object(remote_keystone, 'find_image_endpoint',
                           rotating_login):
        created = app('POST', '/v1/clouds', REFRESH_TOKEN, tokens())
        assert created.status_int == 201, created.text
        cloud_id = created.json['id']
        patched = app('PATCH', '/v1/clouds/%s' % cloud_id,
                      {'region_name': 'North'}, tokens())
    assert patched.status_int == 200, patched.text
    db = db_api.Database('sqlite:///%s/glint.sqlite' % conf.state_path)
    stored = crypto.Vault.from_key_file(conf.crypto.key_file).decrypt(
        db.get_cloud(cloud_id, 'project-a').sealed_secrets)
    # Rotated at registration, then by the PATCH's login.
    assert stored == {'client_secret': 'cl1ent-s3cret',
                      'refresh_token': 'rt-0++'}
