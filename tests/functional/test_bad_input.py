"""Bad input is a 4xx in Glint's error shape, and changes nothing.

Against the bed's real Glint (gunicorn, keystonemiddleware, the local
Keystone): bodies that are not UTF-8 or hold numbers beyond reason, URLs
whose path or query is not UTF-8 once unquoted, an image id with a trailing
newline, a Host header a client made up, a token scoped to no project, and
a token that may not make the trust a migration needs. Against a Glint of
its own on a MariaDB database in utf8mb3, as DevStack makes it: text that
such a database cannot store.
"""

import os
import uuid

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client
import pytest
import requests

from tests import cloudbed
from tests.functional.conftest import add_remote_cloud
from tests.functional.conftest import Api
from tests.functional.conftest import as_user
from tests.functional.conftest import glint_of_its_own
from tests.functional.test_migrations import trust_ids

IMAGE_ID = '6e2f4a1b-0c3d-4e5f-8a9b-1c2d3e4f5a6b'


def error_of(response, status):
    assert response.status_code == status, response.text
    error, = response.json()['errors']
    assert error['request_id'] == response.headers['X-OpenStack-Request-ID']
    return error


def raw(api, method, path, data=None):
    """A request sent as it is: no JSON encoding of the body."""
    return api.request(method, path, data=data,
                       headers={'Content-Type': 'application/json'})


@pytest.mark.parametrize('path, body, detail', [
    ('/v1/clouds', b'{"name": "\xff\xfe"}', 'The body is not UTF-8 text.'),
    ('/v1/migrations', b'{"image_id": 1' + b'0' * 5000 + b'}',
     'The body holds a number of more than 32 digits.'),
    ('/v1/migrations', b'{"image_id": "%s\\n", "targets": ["local"]}'
     % IMAGE_ID.encode(), "image_id: must be an image's id (a UUID)"),
])
def test_a_body_glint_cannot_take_is_a_400_and_nothing_is_made(
        api, path, body, detail):
    demo = api('demo')
    before = demo.get(path).json()
    assert error_of(raw(demo, 'POST', path, body), 400)['detail'] == detail
    assert demo.get(path).json() == before


@pytest.mark.parametrize('path, detail', [
    ('/v1/clouds/%FF', 'The path of the URL is not UTF-8 text once '
                       'unquoted.'),
    ('/v1/migrations?status=%FF', 'The query of the URL is not UTF-8 text '
                                  'once unquoted.'),
    ('/v1/images?cloud=%C0%AF', 'The query of the URL is not UTF-8 text '
                                'once unquoted.'),
])
def test_a_url_that_is_not_utf8_is_a_400_in_glints_shape(api, path, detail):
    assert error_of(api('demo').get(path), 400)['detail'] == detail


def test_links_never_repeat_a_host_header_made_up_by_a_client(bed, api):
    response = api(None).get('/', headers={'Host': 'attacker.example'})
    assert response.json()['versions'][0]['links'][0]['href'] == (
        bed.glint.url + '/v1/')


def test_a_token_scoped_to_no_project_is_refused(bed):
    """Keystone's admin, scoped to the system: never every project."""
    cloud = bed.clouds[0]
    admin = cloud.admin_user()
    token = ks_session.Session(auth=v3.Password(
        auth_url=cloud.auth_url, username=admin['username'],
        password=admin['password'], user_domain_name='Default',
        system_scope='all')).get_token()
    for path in ('/v1/clouds', '/v1/migrations',
                 '/v1/migrations/%s' % IMAGE_ID):
        response = requests.get(bed.glint.url + path,
                                headers={'X-Auth-Token': token},
                                timeout=cloudbed.REQUEST_TIMEOUT)
        assert error_of(response, 403)['detail'] == (
            'Glint needs a project-scoped token.')


def test_a_token_that_may_not_make_trusts_is_told_why_and_leaves_nothing(
        bed, api):
    """A restricted application credential's: Keystone makes no trust.

    So Glint queues no migration that involves the local cloud.
    """
    local, remote = bed.clouds[0], bed.clouds[1]
    user = local.users['demo']
    client = ks_client.Client(session=local.session(user),
                              interface='public')
    credential = client.application_credentials.create(
        'glint-test-%s' % uuid.uuid4().hex[:6])
    try:
        token = ks_session.Session(auth=v3.ApplicationCredential(
            auth_url=local.auth_url,
            application_credential_id=credential.id,
            application_credential_secret=credential.secret)).get_token()
        restricted = Api(bed.glint.url, token)
        demo = api('demo')
        name = 'restricted-%s' % uuid.uuid4().hex[:6]
        source = cloudbed.upload_image(local, user, os.urandom(1024), name)
        other = remote.users['demo']
        cloud = demo.post('/v1/clouds', {
            'name': name, 'auth_url': remote.auth_url,
            'username': other['username'], 'password': other['password'],
            'project_name': other['project_name']})
        assert cloud.status_code == 201, cloud.text
        before = demo.get('/v1/migrations').json()
        trusts = len(client.trusts.list(trustor_user=user['id']))
        error = error_of(restricted.post('/v1/migrations', {
            'image_id': source['id'], 'targets': [cloud.json()['id']]}),
            403)
        assert 'application credential' in error['detail']
        assert demo.get('/v1/migrations').json() == before
        assert len(client.trusts.list(trustor_user=user['id'])) == trusts
        assert demo.delete('/v1/clouds/%s' % cloud.json()['id']
                           ).status_code == 204
    finally:
        client.application_credentials.delete(credential)


# A character beyond U+FFFF, which UTF-8 writes in four bytes.
EMOJI = '\U0001F600'
NOT_STORED = ("characters beyond U+FFFF, such as emoji, cannot be stored by "
              "this deployment's database (MySQL's utf8mb3); its operator "
              "can convert it to utf8mb4")


@pytest.fixture(scope='module', params=['utf8', 'utf8mb4'])
def narrow(request, bed, mariadb, tmp_path_factory):
    """The demo user of a Glint on a MariaDB database in utf8mb3.

    As DevStack makes and reaches it (``charset=utf8``), then reached with
    utf8mb4, as once an operator has changed the URL but not the tables.
    It has cloud2 as a remote cloud.
    """
    name = 'glint_narrow_%s' % request.param
    mariadb.create_database(name, charset='utf8')
    with glint_of_its_own(bed, tmp_path_factory.mktemp('narrow'),
                          name.replace('_', '-'), engines=0,
                          database_url=mariadb.url(name, request.param)
                          ) as glint:
        demo = as_user(bed, glint)
        demo.remote = add_remote_cloud(demo, bed.clouds[1])
        yield demo


def test_a_cloud_named_beyond_utf8mb3_is_a_400_and_is_not_stored(
        bed, narrow):
    remote = bed.clouds[1].users['demo']
    before = narrow.get('/v1/clouds').json()
    error = error_of(narrow.post('/v1/clouds', {
        'name': 'smile %s' % EMOJI, 'auth_url': bed.clouds[1].auth_url,
        'username': remote['username'], 'password': remote['password'],
        'project_name': remote['project_name']}), 400)
    assert (error['code'], error['detail']) == (
        'glint.invalid_field', 'name: ' + NOT_STORED)
    assert narrow.get('/v1/clouds').json() == before


def test_a_rename_beyond_utf8mb3_is_a_400_and_changes_nothing(narrow):
    path = '/v1/clouds/%s' % narrow.remote
    before = narrow.get(path).json()
    error = error_of(narrow.patch(path, {'name': 'smile %s' % EMOJI}), 400)
    assert error['detail'] == 'name: ' + NOT_STORED
    assert narrow.get(path).json() == before


def test_a_migration_named_beyond_utf8mb3_is_a_400_and_leaves_no_trust(
        bed, narrow):
    local = bed.clouds[0]
    source = cloudbed.upload_image(local, local.users['demo'],
                                   os.urandom(1024),
                                   'narrow-%s' % uuid.uuid4().hex[:6])
    before = narrow.get('/v1/migrations').json()
    trusts = trust_ids(local)
    error = error_of(narrow.post('/v1/migrations', {
        'image_id': source['id'], 'targets': [narrow.remote],
        'name': 'smile %s' % EMOJI}), 400)
    assert error['detail'] == 'name: ' + NOT_STORED
    assert narrow.get('/v1/migrations').json() == before
    assert trust_ids(local) == trusts


@pytest.mark.parametrize('method, path, body, status, detail', [
    ('GET', '/v1/clouds/%s' % EMOJI, None, 404,
     'No remote cloud %s.' % EMOJI),
    ('PATCH', '/v1/clouds/%s' % EMOJI, {'name': 'a'}, 404,
     'No remote cloud %s.' % EMOJI),
    ('GET', '/v1/migrations/%s' % EMOJI, None, 404,
     'No migration %s.' % EMOJI),
    ('GET', '/v1/migrations?marker=%s' % EMOJI, None, 400,
     'marker: no migration %s here' % EMOJI),
    ('POST', '/v1/migrations', {'image_id': IMAGE_ID, 'targets': [EMOJI]},
     400, 'targets: no remote cloud %s in this project' % EMOJI),
])
def test_an_id_beyond_utf8mb3_names_nothing(narrow, method, path, body,
                                            status, detail):
    response = narrow.request(method, path, body)
    assert error_of(response, status)['detail'] == detail
