"""Certificate users from the command line, and the ``v3x509`` login.

Glint and Keystone are canned here; the functional tests log in through
the real Keystone behind its TLS front.
"""

import json

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import fixture as ks_fixture
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
from openstack import config as os_config
import pytest
import requests

from glintclient import client
from glintclient.osc.v1 import x509_users
from glintclient import x509_auth
from tests.unit import test_glintclient

DN = 'CN=Alice Smith,OU=Physics,O=CERN,C=CH'
ISSUER = 'CN=CERN Grid CA,O=CERN,C=CH'
USER = {'id': 'u1', 'dn': DN, 'issuer': ISSUER,
        'identity_provider': 'x509-cern', 'user_name': 'alice',
        'project_id': 'p-hep', 'role': 'member'}
glint_with = test_glintclient.glint_with
response = test_glintclient.response
run = test_glintclient.run


def test_client_paths_and_queries():
    glint = glint_with(response(200, {'users': [USER]}))
    assert glint.list_x509_users() == [USER]
    glint.list_x509_users(dn=DN)
    glint.get_x509_user('a/b')
    glint.delete_x509_user('u1')
    glint.create_x509_user({'dn': DN})
    assert [(m, p, kw.get('params')) for m, p, kw in glint.http.calls] == [
        ('GET', '/v1/x509/users', None),
        ('GET', '/v1/x509/users', {'dn': DN}),
        ('GET', '/v1/x509/users/a%2Fb', None),
        ('DELETE', '/v1/x509/users/u1', None),
        ('POST', '/v1/x509/users', None)]


class FakeGlint(object):
    """Glint's client for the x509 commands, answering from memory."""

    def __init__(self, users=(USER,)):
        self.users = list(users)
        self.created = []
        self.deleted = []
        self.asked = []

    def create_x509_user(self, fields):
        self.created.append(fields)
        return dict(USER)

    def list_x509_users(self, dn=None, issuer=None):
        self.asked.append((dn, issuer))
        return [u for u in self.users if issuer in (None, u['issuer'])]

    def find_x509_user(self, dn, issuer=None):
        return client.Client.find_x509_user(self, dn, issuer)

    def delete_x509_user(self, user_id):
        self.deleted.append(user_id)


def test_add_sends_the_fields_and_shows_the_record():
    glint = FakeGlint()
    result, app = run(x509_users.AddX509User, glint, DN, '--issuer', ISSUER,
                      '--project', 'hep', '-f', 'json')
    assert result == 0
    assert glint.created == [{'dn': DN, 'issuer': ISSUER, 'project': 'hep',
                              'role': 'member'}]
    assert json.loads(app.stdout.getvalue()) == USER


def test_add_with_a_role_and_a_name():
    glint = FakeGlint()
    run(x509_users.AddX509User, glint, DN, '--issuer', ISSUER, '--project',
        'hep', '--role', 'reader', '--name', 'alice')
    assert glint.created[0]['role'] == 'reader'
    assert glint.created[0]['name'] == 'alice'


def test_add_needs_the_issuer_and_the_project():
    with pytest.raises(SystemExit):
        run(x509_users.AddX509User, FakeGlint(), DN, '--project', 'hep')
    with pytest.raises(SystemExit):
        run(x509_users.AddX509User, FakeGlint(), DN, '--issuer', ISSUER)


def test_list_shows_dn_issuer_user_project_role():
    result, app = run(x509_users.ListX509Users, FakeGlint(), '-f', 'json')
    assert json.loads(app.stdout.getvalue()) == [{
        'ID': 'u1', 'DN': DN, 'Issuer': ISSUER, 'User': 'alice',
        'Project': 'p-hep', 'Role': 'member'}]


def test_remove_finds_the_user_by_dn_through_glint():
    glint = FakeGlint()
    written = '/C=CH/O=CERN/OU=Physics/CN=Alice Smith'
    run(x509_users.RemoveX509User, glint, written)
    # Glint normalises the DN it is given (?dn=): any form finds its user.
    assert glint.asked == [(written, None)]
    assert glint.deleted == ['u1']


def test_remove_a_dn_of_two_cas_needs_the_issuer():
    other = dict(USER, id='u2', issuer='CN=Other CA,O=Elsewhere')
    glint = FakeGlint([USER, other])
    with pytest.raises(client.GlintError) as raised:
        run(x509_users.RemoveX509User, glint, DN)
    assert str(raised.value) == (
        '2 certificate users have the DN %s, from different CAs: give the '
        'issuer, one of: %s; CN=Other CA,O=Elsewhere.' % (DN, ISSUER))
    assert glint.deleted == []
    run(x509_users.RemoveX509User, glint, DN, '--issuer',
        'CN=Other CA,O=Elsewhere')
    assert glint.deleted == ['u2']


def test_remove_an_unknown_dn():
    with pytest.raises(client.GlintError, match='No certificate user has '
                                                'the DN CN=Bob.'):
        run(x509_users.RemoveX509User, FakeGlint([]), 'CN=Bob')


# The v3x509 auth plugin, against a canned Keystone.

AUTH_URL = 'https://keystone.test:5443/v3'
FEDERATED = ('/v3/OS-FEDERATION/identity_providers/x509-cern/protocols/'
             'x509/auth')


class Keystone(requests.adapters.BaseAdapter):
    """Keystone behind its TLS front: the requests it got, canned answers."""

    def __init__(self, federated_status=201):
        super().__init__()
        self.requests = []
        self.federated_status = federated_status

    def send(self, request, cert=None, **kwargs):
        self.requests.append((request, cert))
        answer = requests.Response()
        answer.request = request
        answer.url = request.url
        answer.headers['Content-Type'] = 'application/json'
        if request.path_url == FEDERATED:
            token = ks_fixture.V3Token(user_id='u1', user_name=DN)
            answer.headers['X-Subject-Token'] = 'unscoped'
            answer.status_code = self.federated_status
        else:
            token = ks_fixture.V3Token(user_id='u1', project_id='p-hep')
            token.add_role(name='member')
            answer.headers['X-Subject-Token'] = 'scoped'
            answer.status_code = 201
        if answer.status_code >= 400:
            token = {'error': {'code': answer.status_code}}
        answer._content = json.dumps(token).encode()
        return answer

    def close(self):
        pass


def keystone_session(cert=('me.pem', 'me.key'), status=201):
    http = requests.Session()
    keystone = Keystone(status)
    http.mount('https://', keystone)
    return ks_session.Session(session=http, cert=cert), keystone


def plugin(**scope):
    return x509_auth.X509(AUTH_URL, 'x509-cern', 'x509', **scope)


def test_the_login_is_a_get_of_the_protocol_with_the_certificate():
    session, keystone = keystone_session()
    auth = plugin(project_name='hep', project_domain_name='Default')
    assert auth.get_token(session) == 'scoped'
    (login, cert), (rescope, _) = keystone.requests
    assert (login.method, login.path_url) == ('GET', FEDERATED)
    assert cert == ('me.pem', 'me.key')
    assert 'X-Auth-Token' not in login.headers
    assert login.body is None
    # Then scoped to the project with the unscoped token.
    assert (rescope.method, rescope.path_url) == ('POST', '/v3/auth/tokens')
    body = json.loads(rescope.body)['auth']
    assert body['identity'] == {'methods': ['token'],
                                'token': {'id': 'unscoped'}}
    assert body['scope']['project']['name'] == 'hep'


def test_without_a_scope_the_token_is_unscoped():
    session, keystone = keystone_session()
    assert plugin().get_token(session) == 'unscoped'
    assert len(keystone.requests) == 1


def test_a_dn_keystone_does_not_map_is_refused():
    session, _ = keystone_session(status=401)
    with pytest.raises(ks_exc.Unauthorized):
        plugin(project_name='hep').get_token(session)


def test_without_a_certificate_it_says_what_is_missing():
    session, keystone = keystone_session(cert=None)
    with pytest.raises(ks_exc.AuthorizationFailure, match='--os-cert'):
        plugin().get_token(session)
    assert keystone.requests == []


def test_the_loader_is_registered_as_v3x509_with_x509_by_default():
    loader = loading.get_plugin_loader('v3x509')
    assert isinstance(loader, x509_auth.X509Loader)
    options = {o.name: o for o in loader.get_options()}
    assert options['identity-provider'].required
    assert options['protocol'].default == 'x509'
    auth = loader.load_from_options(auth_url=AUTH_URL,
                                    identity_provider='x509-cern',
                                    project_name='hep',
                                    project_domain_name='Default')
    assert isinstance(auth, x509_auth.X509)
    assert auth.protocol == 'x509'


def test_from_clouds_yaml(tmp_path):
    path = tmp_path / 'clouds.yaml'
    path.write_text("""
clouds:
  cern-cert:
    auth_type: v3x509
    auth:
      auth_url: %s
      identity_provider: x509-cern
      protocol: x509
      project_name: hep
      project_domain_name: Default
    cert: /home/alice/.globus/usercert.pem
    key: /home/alice/.globus/userkey.pem
    cacert: /etc/grid-security/ca.pem
""" % AUTH_URL)
    cloud = os_config.OpenStackConfig(
        config_files=[str(path)]).get_one('cern-cert')
    session = cloud.get_session()
    assert isinstance(session.auth, x509_auth.X509)
    assert session.auth.identity_provider == 'x509-cern'
    assert session.cert == ('/home/alice/.globus/usercert.pem',
                            '/home/alice/.globus/userkey.pem')
