"""Certificate users as admins and users touch them, on the real stack.

The bed's first cloud has a TLS front that verifies client certificates
(cloudbed.X509Front). Its second CA is set up as an identity provider
(under its default id, as ``glint-manage x509 setup`` does in test_x509;
whichever runs first makes it, and this module removes it again if it
did). An admin adds a DN through Glint's API with the
``openstack glint x509 user`` commands; the certificate then logs in with
``openstack --os-auth-type v3x509`` (options and clouds.yaml) and uses
Glint; removing the DN stops it.
"""

import secrets
import urllib.parse

import pytest
import requests
import yaml

from glint_service.clouds import federation
from glint_service import dn
from tests import cloudbed
from tests.functional.test_cli import Cli
from tests.functional.test_cli import os_env


class Setup(object):
    """The CA set up, its identity provider, the admin's command."""


@pytest.fixture(scope='module')
def x509(bed, tmp_path_factory):
    cloud = bed.clouds[0]
    assert cloud.x509 is not None, 'the bed has no TLS front on cloud1'
    front = cloud.x509.start()
    done = Setup()
    done.cloud = cloud
    done.front = front
    done.folder = tmp_path_factory.mktemp('x509-users')
    done.ca = front.cas[1]
    admin = cloud.session(cloud.admin_user())
    created = federation.setup(admin, done.ca.cert_pem())
    done.idp = federation.default_idp_id(done.ca.subject)
    done.admin = Cli(os_env(cloud, cloud.admin_user()), str(done.folder))
    done.demo = cloud.users['demo']
    yield done
    if created:
        # As it was: test_x509 sets this CA up and expects to create it.
        keystone = cloud.admin_client()
        keystone.federation.identity_providers.delete(done.idp)
        keystone.federation.mappings.delete(
            federation.mapping_id(done.idp))


def certificate(x509, common_name):
    """A user certificate of the CA, and its files (cert, key)."""
    credential = x509.ca.issue(common_name)
    return credential, credential.write(str(x509.folder),
                                        secrets.token_hex(4))


def certificate_env(x509, files, project='demo'):
    """The OS_* variables of a login with the certificate (v3x509)."""
    cert, key = files
    return {'OS_AUTH_TYPE': 'v3x509', 'OS_AUTH_URL': x509.front.auth_url,
            'OS_IDENTITY_PROVIDER': x509.idp, 'OS_PROTOCOL': 'x509',
            'OS_CERT': cert, 'OS_KEY': key, 'OS_CACERT': x509.front.ca_path,
            'OS_PROJECT_NAME': project, 'OS_PROJECT_DOMAIN_NAME': 'Default',
            'OS_REGION_NAME': cloudbed.REGION, 'OS_INTERFACE': 'public',
            'OS_IDENTITY_API_VERSION': '3'}


def oneline(credential):
    """The DN as grid tools write it: /C=.../O=.../CN=..."""
    return dn.openssl_oneline(credential.certificate.subject)


def test_an_added_dn_logs_in_with_v3x509_and_uses_glint(x509):
    name = 'Frank %s' % secrets.token_hex(3)
    credential, files = certificate(x509, name)
    added = x509.admin.json('x509', 'user', 'add', oneline(credential),
                            '--issuer', x509.ca.subject,
                            '--project', x509.demo['project_name'])
    assert added['dn'] == credential.subject
    assert added['issuer'] == x509.ca.subject
    assert added['identity_provider'] == x509.idp
    assert added['project_id'] == x509.demo['project_id']
    assert added['role'] == 'member'
    assert added['user_name'].startswith(name + ' (')
    listed = x509.admin.json('x509', 'user', 'list')
    assert {'ID': added['id'], 'DN': credential.subject,
            'Issuer': x509.ca.subject, 'User': added['user_name'],
            'Project': x509.demo['project_id'], 'Role': 'member'} in listed

    # The certificate logs in through the front, scoped to its project,
    # and Glint takes its token.
    user = Cli(certificate_env(x509, files), str(x509.folder))
    assert isinstance(user.json('cloud', 'list'), list)
    assert isinstance(user.json('image', 'list'), list)

    # The same from clouds.yaml.
    cert, key = files
    with open(x509.folder / 'clouds.yaml', 'w') as f:
        yaml.safe_dump({'clouds': {'cert': {
            'auth_type': 'v3x509',
            'auth': {'auth_url': x509.front.auth_url,
                     'identity_provider': x509.idp,
                     'project_name': x509.demo['project_name'],
                     'project_domain_name': 'Default'},
            'cert': cert, 'key': key, 'cacert': x509.front.ca_path,
            'region_name': cloudbed.REGION, 'interface': 'public',
            'identity_api_version': 3}}}, f)
    from_yaml = Cli({'OS_CLOUD': 'cert'}, str(x509.folder))
    assert isinstance(from_yaml.json('cloud', 'list'), list)

    # Removed by its DN, in another spelling: it no longer logs in.
    x509.admin.ok('x509', 'user', 'remove', credential.subject)
    assert added['id'] not in [u['ID'] for u in
                               x509.admin.json('x509', 'user', 'list')]
    refused = user.run('cloud', 'list')
    assert refused.returncode != 0
    assert '401' in refused.stderr, refused.stderr


def test_a_certificate_not_added_is_refused(x509):
    _, files = certificate(x509, 'Grace %s' % secrets.token_hex(3))
    refused = Cli(certificate_env(x509, files), str(x509.folder)).run(
        'cloud', 'list')
    assert refused.returncode != 0
    assert '401' in refused.stderr, refused.stderr


def test_remove_of_a_dn_nobody_has_says_so(x509):
    result = x509.admin.run('x509', 'user', 'remove',
                            'CN=Nobody %s,O=Glint Tests,C=CH'
                            % secrets.token_hex(3))
    assert result.returncode != 0
    assert 'No certificate user has the DN' in result.stderr


@pytest.fixture
def api(bed, x509):
    """Glint's /v1/x509/users as the admin, and as the demo member."""
    cloud = x509.cloud

    def call(user, method, path, body=None):
        token = cloud.session(user).get_token()
        return requests.request(method, bed.glint.url + path, json=body,
                                headers={'X-Auth-Token': token},
                                timeout=cloudbed.REQUEST_TIMEOUT)

    call.admin = cloud.admin_user()
    call.member = x509.demo
    return call


def test_bad_input_is_400_naming_the_field_and_changes_nothing(x509, api):
    credential, _ = certificate(x509, 'Heidi %s' % secrets.token_hex(3))
    before = api(api.admin, 'GET', '/v1/x509/users').json()['users']
    body = {'dn': credential.subject, 'issuer': x509.ca.subject,
            'project': x509.demo['project_name']}
    for changed, status, detail in (
            ({'dn': 'Heidi'}, 400, 'dn: not a distinguished name (DN)'),
            ({'issuer': 'CN='}, 400, 'issuer: not a distinguished name'),
            ({'project': 'no-such-%s' % secrets.token_hex(3)}, 400,
             'project: '),
            ({'role': 'no-such-role'}, 400, 'role: '),
            ({'issuer': 'CN=Unknown CA,O=Nowhere'}, 404, 'CN=Unknown CA'),
            ({'name': 'a\tb'}, 400, 'name: must be printable text')):
        response = api(api.admin, 'POST', '/v1/x509/users',
                       dict(body, **changed))
        assert response.status_code == status, response.text
        assert detail in response.json()['errors'][0]['detail']
    assert api(api.admin, 'GET', '/v1/x509/users').json()['users'] == before

    added = api(api.admin, 'POST', '/v1/x509/users', body)
    assert added.status_code == 201, added.text
    user = added.json()
    assert added.headers['Location'].endswith('/v1/x509/users/' + user['id'])
    again = api(api.admin, 'POST', '/v1/x509/users', body)
    assert again.status_code == 409
    assert again.json()['errors'][0]['code'] == (
        'glint.certificate_user_exists')
    shown = api(api.admin, 'GET', '/v1/x509/users/' + user['id'])
    assert shown.json() == user
    query = urllib.parse.urlencode({'dn': oneline(credential)})
    assert api(api.admin, 'GET', '/v1/x509/users?' + query).json() == {
        'users': [user]}
    assert api(api.admin, 'DELETE',
               '/v1/x509/users/' + user['id']).status_code == 204
    assert api(api.admin, 'GET',
               '/v1/x509/users/' + user['id']).status_code == 404
    assert api(api.admin, 'DELETE',
               '/v1/x509/users/' + user['id']).status_code == 404


def test_a_member_may_not(x509, api):
    unknown = '/v1/x509/users/' + secrets.token_hex(16)
    for method, path in (('GET', '/v1/x509/users'),
                         ('POST', '/v1/x509/users'), ('DELETE', unknown)):
        response = api(api.member, method, path, {'dn': 'CN=x'})
        assert response.status_code == 403, response.text
