"""/v1/clouds against real Keystones and Glances: every contract rule."""

import sqlite3
import uuid

from keystoneclient.v3 import client as ks_client
import pytest

from tests import cloudbed
from tests.functional.conftest import glint_of_its_own


def remote(bed, user='demo', cloud=1, **fields):
    """The body that adds cloud ``cloud`` of the bed as seen by ``user``."""
    target = bed.clouds[cloud]
    credentials = target.users[user]
    body = {'name': 'remote-%s' % uuid.uuid4().hex[:8],
            'auth_url': target.auth_url,
            'username': credentials['username'],
            'password': credentials['password'],
            'project_name': credentials['project_name']}
    body.update(fields)
    return body


def assert_error(response, status, *words):
    assert response.status_code == status, response.text
    error = response.json()['errors'][0]
    assert error['status'] == status
    assert error['code'].startswith('glint.')
    assert error['title']
    assert error['request_id'].startswith('req-')
    for word in words:
        assert word in error['detail'], error['detail']
    return error


def cloud_ids(api):
    response = api.get('/v1/clouds')
    assert response.status_code == 200, response.text
    return sorted(c['id'] for c in response.json()['clouds'])


@pytest.fixture
def demo_cloud(bed, api):
    response = api('demo').post('/v1/clouds', remote(bed))
    assert response.status_code == 201, response.text
    yield response.json()
    api('demo').delete('/v1/clouds/%s' % response.json()['id'])


# The open paths.

def test_version_document_needs_no_token(bed, api):
    response = api(None).get('/')
    assert response.status_code == 200
    assert response.json() == {'versions': [{
        'id': 'v1.0', 'status': 'CURRENT',
        'links': [{'rel': 'self', 'href': bed.glint.url + '/v1/'}]}]}


def test_healthcheck_needs_no_token(api):
    response = api(None).get('/healthcheck')
    assert response.status_code == 200


# Tokens.

def test_no_token_is_401_with_www_authenticate(bed, api):
    response = api(None).get('/v1/clouds')
    error = assert_error(response, 401)
    assert error['code'] == 'glint.unauthorized'
    assert response.headers['WWW-Authenticate'] == (
        'Keystone uri="%s"' % bed.clouds[0].auth_url)


def test_bad_token_is_401(api):
    response = api(None).get('/v1/clouds',
                             headers={'X-Auth-Token': 'not-a-token'})
    assert_error(response, 401)
    assert 'WWW-Authenticate' in response.headers


def test_token_of_another_keystone_is_401(bed):
    cloud = bed.clouds[1]
    token = cloud.session(cloud.users['demo']).get_token()
    from tests.functional.conftest import Api
    assert_error(Api(bed.glint.url, token).get('/v1/clouds'), 401)


@pytest.fixture(scope='module')
def glint_without_keystone(bed, tmp_path_factory):
    """A second Glint whose Keystone does not answer."""
    with glint_of_its_own(
            bed, tmp_path_factory.mktemp('lonely'), 'glint-no-keystone',
            keystone_url='http://127.0.0.1:%d/v3' % cloudbed.free_port()
    ) as glint:
        yield glint


def test_keystone_unreachable_is_503(glint_without_keystone, api):
    lonely = api('demo')
    lonely.url = glint_without_keystone.url
    assert_error(lonely.get('/v1/clouds'), 503, 'Keystone')


# Routes.

def test_unknown_method_is_405_with_allow(api):
    response = api('demo').request('PUT', '/v1/clouds', {})
    assert_error(response, 405)
    assert response.headers['Allow'] == 'GET, POST'


def test_unknown_path_is_404(api):
    assert_error(api('demo').get('/v1/nothing-here'), 404)


# The life of a remote cloud.

def test_create_show_list_update_delete(bed, api):
    demo = api('demo')
    body = remote(bed, region_name='RegionOne')
    created = demo.post('/v1/clouds', body)
    assert created.status_code == 201, created.text
    cloud = created.json()
    assert created.headers['Location'].endswith('/v1/clouds/' + cloud['id'])
    user = bed.clouds[0].users['demo']
    assert cloud['project_id'] == user['project_id']
    assert cloud['created_by'] == user['id']
    assert cloud['image_endpoint'] == bed.clouds[1].glance_url
    assert cloud['name'] == body['name']
    assert cloud['auth_url'] == body['auth_url']
    assert cloud['auth_type'] == 'password'
    assert cloud['interface'] == 'public'
    assert cloud['verify'] is True
    assert cloud['username'] == 'demo'
    assert cloud['user_domain_name'] == 'Default'
    assert cloud['project_name'] == 'demo'
    assert 'password' not in cloud
    assert cloud['created_at'].endswith('Z')

    shown = demo.get('/v1/clouds/%s' % cloud['id'])
    assert shown.status_code == 200
    assert shown.json() == cloud
    assert cloud['id'] in cloud_ids(demo)

    renamed = demo.patch('/v1/clouds/%s' % cloud['id'], {'name': 'renamed'})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()['name'] == 'renamed'
    assert renamed.json()['image_endpoint'] == cloud['image_endpoint']

    deleted = demo.delete('/v1/clouds/%s' % cloud['id'])
    assert deleted.status_code == 204
    assert_error(demo.get('/v1/clouds/%s' % cloud['id']), 404)
    assert cloud['id'] not in cloud_ids(demo)


def test_update_checks_the_remote_again_and_keeps_the_old_on_refusal(
        bed, api, demo_cloud):
    demo = api('demo')
    path = '/v1/clouds/%s' % demo_cloud['id']
    refused = demo.patch(path, {'password': 'wrong-password'})
    assert_error(refused, 400, 'refused the credentials', 'HTTP 401')
    assert demo.get(path).json() == demo_cloud

    # The stored password still works: a change of region is checked with it.
    moved = demo.patch(path, {'region_name': 'NoGlance'})
    assert_error(moved, 400, 'no image endpoint', 'NoGlance')
    back = demo.patch(path, {'region_name': 'RegionOne'})
    assert back.status_code == 200, back.text
    assert back.json()['region_name'] == 'RegionOne'


def test_application_credential(bed, api):
    cloud = bed.clouds[1]
    user = cloud.users['demo']
    client = ks_client.Client(session=cloud.session(user), interface='public')
    credential = client.application_credentials.create(
        'glint-%s' % uuid.uuid4().hex[:8], user=user['id'])
    demo = api('demo')
    created = demo.post('/v1/clouds', {
        'name': 'by-app-credential',
        'auth_url': cloud.auth_url,
        'auth_type': 'v3applicationcredential',
        'application_credential_id': credential.id,
        'application_credential_secret': credential.secret})
    assert created.status_code == 201, created.text
    shown = created.json()
    assert shown['application_credential_id'] == credential.id
    assert 'application_credential_secret' not in shown
    assert shown['image_endpoint'] == cloud.glance_url
    assert credential.secret not in created.text
    assert demo.delete('/v1/clouds/%s' % shown['id']).status_code == 204


def test_switching_auth_type_by_patch(bed, api, demo_cloud):
    cloud = bed.clouds[1]
    user = cloud.users['demo']
    client = ks_client.Client(session=cloud.session(user), interface='public')
    credential = client.application_credentials.create(
        'glint-%s' % uuid.uuid4().hex[:8], user=user['id'])
    switched = api('demo').patch('/v1/clouds/%s' % demo_cloud['id'], {
        'auth_type': 'v3applicationcredential',
        'application_credential_id': credential.id,
        'application_credential_secret': credential.secret})
    assert switched.status_code == 200, switched.text
    assert switched.json()['auth_type'] == 'v3applicationcredential'
    assert 'username' not in switched.json()


def test_duplicate_name_is_409(bed, api, demo_cloud):
    demo = api('demo')
    before = cloud_ids(demo)
    response = demo.post('/v1/clouds', remote(bed, name=demo_cloud['name']))
    assert_error(response, 409, 'name')
    assert cloud_ids(demo) == before


def test_rename_onto_another_name_is_409(bed, api, demo_cloud):
    demo = api('demo')
    other = demo.post('/v1/clouds', remote(bed)).json()
    response = demo.patch('/v1/clouds/%s' % other['id'],
                          {'name': demo_cloud['name']})
    assert_error(response, 409, 'name')
    assert demo.get('/v1/clouds/%s' % other['id']).json() == other
    demo.delete('/v1/clouds/%s' % other['id'])


def test_same_name_in_another_project_is_fine(bed, api, demo_cloud):
    other = api('other')
    response = other.post('/v1/clouds', remote(bed, user='other',
                                               name=demo_cloud['name']))
    assert response.status_code == 201, response.text
    other.delete('/v1/clouds/%s' % response.json()['id'])


# Policy and ownership.

def test_reader_reads_but_does_not_write(bed, api, demo_cloud):
    reader = api('reader')
    path = '/v1/clouds/%s' % demo_cloud['id']
    assert demo_cloud['id'] in cloud_ids(reader)
    assert reader.get(path).json() == demo_cloud
    assert_error(reader.post('/v1/clouds', remote(bed)), 403, 'create')
    assert_error(reader.patch(path, {'name': 'nope'}), 403, 'update')
    assert_error(reader.delete(path), 403, 'delete')
    assert api('demo').get(path).json() == demo_cloud


def test_other_project_sees_404(api, demo_cloud):
    other = api('other')
    path = '/v1/clouds/%s' % demo_cloud['id']
    assert demo_cloud['id'] not in cloud_ids(other)
    assert_error(other.get(path), 404)
    assert_error(other.patch(path, {'name': 'mine'}), 404)
    assert_error(other.delete(path), 404)
    assert api('demo').get(path).json() == demo_cloud


def test_admin_lists_all_projects(bed, api, demo_cloud):
    other = api('other')
    theirs = other.post('/v1/clouds', remote(bed, user='other')).json()
    everything = api('operator').get('/v1/clouds?all_projects=true')
    assert everything.status_code == 200
    ids = {c['id'] for c in everything.json()['clouds']}
    assert {demo_cloud['id'], theirs['id']} <= ids
    assert_error(api('demo').get('/v1/clouds?all_projects=true'), 403)
    assert_error(api('operator').get('/v1/clouds?all_projects=maybe'), 400,
                 'all_projects')
    other.delete('/v1/clouds/%s' % theirs['id'])


def test_policy_file_overrides_the_defaults(bed, api):
    demo = api('demo')
    try:
        with open(bed.glint.policy_path, 'w') as f:
            f.write('"glint:clouds:list": "!"\n')
        assert_error(demo.get('/v1/clouds'), 403, 'glint:clouds:list')
    finally:
        with open(bed.glint.policy_path, 'w') as f:
            f.write('{}\n')
    assert demo.get('/v1/clouds').status_code == 200


# Bad input: 400 naming the field, and nothing stored.

def _free_keystone_url():
    return 'http://127.0.0.1:%d/v3' % cloudbed.free_port()


BAD_BODIES = [
    ('missing name', lambda b, bed: b.pop('name'), 'name: is required'),
    ('missing auth_url', lambda b, bed: b.pop('auth_url'),
     'auth_url: is required'),
    ('name not a string', lambda b, bed: b.update(name=12), 'name: must be'),
    ('empty name', lambda b, bed: b.update(name=''),
     'name: must not be empty'),
    ('long name', lambda b, bed: b.update(name='x' * 256),
     'name: must be at most'),
    ('name of two lines', lambda b, bed: b.update(name='two\nlines'),
     'name: must be printable text'),
    ('name with spaces around', lambda b, bed: b.update(name=' padded '),
     'name: must not begin or end with white space'),
    ('internal auth_url', lambda b, bed: b.update(
        auth_url='http://169.254.169.254/v3'),
     'auth_url: its host is an address Glint may not connect to'),
    ('verify not boolean', lambda b, bed: b.update(verify='yes'),
     'verify: must be true or false'),
    ('malformed URL', lambda b, bed: b.update(auth_url='keystone:5000'),
     'auth_url: must be an http or https URL'),
    ('URL with credentials',
     lambda b, bed: b.update(auth_url='http://u:p@127.0.0.1/v3'),
     'auth_url: must not hold credentials'),
    ('unknown auth type', lambda b, bed: b.update(auth_type='token'),
     'auth_type: must be one of'),
    ('unknown interface', lambda b, bed: b.update(interface='private'),
     'interface: must be one of'),
    ('unknown field', lambda b, bed: b.update(colour='blue'),
     'colour: is not a field'),
    ('missing password', lambda b, bed: b.pop('password'),
     'password: is required'),
    ('password not a string', lambda b, bed: b.update(password=12345),
     'password: must be'),
    ('missing project', lambda b, bed: b.pop('project_name'),
     'project_name'),
    ('both project name and id', lambda b, bed: b.update(project_id='abc'),
     'project_name: give project_name or project_id'),
    ('application credential with password',
     lambda b, bed: b.update(application_credential_id='abc'),
     'application_credential_id: is not used with auth_type password'),
    ('bad CA', lambda b, bed: b.update(cacert='not a certificate'),
     'cacert: must be one or more PEM certificates'),
    ('unreachable Keystone', lambda b, bed: b.update(
        auth_url=_free_keystone_url()),
     'could not be reached'),
    ('not a Keystone', lambda b, bed: b.update(
        auth_url=bed.clouds[1].glance_url + '/v3'),
     'did not answer a login like a Keystone v3'),
    ('refused credentials', lambda b, bed: b.update(password='wrong-password'),
     'refused the credentials (HTTP 401)'),
    ('no image endpoint', lambda b, bed: b.update(region_name='NoGlance'),
     'no image endpoint'),
]


@pytest.mark.parametrize('change,detail', [c[1:] for c in BAD_BODIES],
                         ids=[c[0] for c in BAD_BODIES])
def test_bad_body_is_400_and_stores_nothing(bed, api, change, detail):
    demo = api('demo')
    before = cloud_ids(demo)
    body = remote(bed)
    change(body, bed)
    assert_error(demo.post('/v1/clouds', body), 400, detail)
    assert cloud_ids(demo) == before


@pytest.mark.parametrize('raw,detail', [
    ('{"name": ', 'not valid JSON'),
    ('', 'needs a JSON body'),
    ('["a list"]', 'must be a JSON object'),
    ('[' * 50000, 'nested too deeply'),
])
def test_bad_json_is_400(api, raw, detail):
    demo = api('demo')
    before = cloud_ids(demo)
    response = demo.post('/v1/clouds', data=raw,
                         headers={'Content-Type': 'application/json'})
    assert_error(response, 400, detail)
    assert cloud_ids(demo) == before


@pytest.mark.parametrize('chunked', [False, True])
def test_a_body_over_the_size_limit_is_413(api, chunked):
    """The review's 200,000 '[': a 500 with a traceback before."""
    demo = api('demo')
    before = cloud_ids(demo)
    body = b'[' * 200000
    data = iter([body[:100000], body[100000:]]) if chunked else body
    response = demo.post('/v1/clouds', data=data,
                         headers={'Content-Type': 'application/json'})
    assert_error(response, 413, 'max_request_body_size')
    assert response.json()['errors'][0]['code'] == 'glint.request_too_large'
    assert cloud_ids(demo) == before


def test_bad_patch_is_400_and_changes_nothing(api, demo_cloud):
    demo = api('demo')
    path = '/v1/clouds/%s' % demo_cloud['id']
    for body, detail in [({'name': None}, 'name: must be a string'),
                         ({'verify': 'no'}, 'verify'),
                         ({'auth_url': 'ftp://x/v3'}, 'auth_url'),
                         ({'id': 'new-id'}, 'id: is not a field')]:
        assert_error(demo.patch(path, body), 400, detail)
    assert demo.get(path).json() == demo_cloud


# Secrets.

def test_secrets_appear_in_no_response_log_or_database(bed, api):
    demo = api('demo')
    cloud = bed.clouds[1]
    user = cloud.users['demo']
    client = ks_client.Client(session=cloud.session(user), interface='public')
    credential = client.application_credentials.create(
        'glint-%s' % uuid.uuid4().hex[:8], user=user['id'])
    wrong = 'wrong-%s' % uuid.uuid4().hex
    body = remote(bed)
    created = demo.post('/v1/clouds', body)
    path = '/v1/clouds/%s' % created.json()['id']
    demo.post('/v1/clouds', remote(bed, password=wrong))
    demo.post('/v1/clouds', remote(bed, password=12345678))
    demo.patch(path, {'password': wrong})
    demo.patch(path, {'auth_type': 'v3applicationcredential',
                      'application_credential_id': credential.id,
                      'application_credential_secret': credential.secret})
    demo.get(path)
    demo.get('/v1/clouds')
    secrets = [body['password'], wrong, '12345678', credential.secret,
               demo.token]
    for response in demo.responses:
        for secret in secrets:
            assert secret not in response.text
            assert secret not in str(response.headers)
    with open(bed.glint.log_path) as f:
        log = f.read() + bed.glint.engine_logs()
    with open(bed.glint.database_path, 'rb') as f:
        database = f.read()
    for secret in secrets:
        assert secret not in log
        assert secret.encode() not in database
    # The database does hold the secrets, encrypted: the row is there.
    with sqlite3.connect(bed.glint.database_path) as connection:
        sealed, = connection.execute(
            'SELECT sealed_secrets FROM clouds WHERE id = ?',
            (created.json()['id'],)).fetchone()
    assert sealed.startswith('gAAAA')
    demo.delete(path)


# glint-manage.

def test_register_twice_changes_nothing_and_says_so(bed):
    output = bed.glint.manage('register', '--public-url', bed.glint.url,
                              admin=True)
    assert 'nothing changed' in output
    assert 'created' not in output
    cloud = bed.clouds[0]
    session = cloud.session(cloud.admin_user())
    for interface in ('public', 'internal'):
        assert session.get_endpoint(service_type='image-distribution',
                                    interface=interface) == bed.glint.url
    client = cloud.admin_client()
    services = client.services.list(type='image-distribution')
    assert [s.name for s in services] == ['glint']


def test_db_sync_twice_changes_nothing_and_says_so(bed):
    assert 'nothing to do' in bed.glint.manage('db', 'sync')


# The check of a remote cloud.

def test_check_logs_in_afresh_and_says_why_a_cloud_does_not_answer(bed, api):
    remote = bed.clouds[1]
    admin = remote.admin_client()
    user = remote.make_user(admin, 'checked-%s' % uuid.uuid4().hex[:8],
                            admin.projects.find(name='demo'),
                            admin.roles.find(name='member'))
    demo = api('demo')
    created = demo.post('/v1/clouds', {
        'name': 'checked', 'auth_url': remote.auth_url,
        'username': user['username'], 'password': user['password'],
        'project_name': user['project_name']})
    assert created.status_code == 201, created.text
    path = '/v1/clouds/%s/check' % created.json()['id']
    try:
        checked = demo.get(path)
        assert checked.status_code == 200, checked.text
        assert checked.json() == {'reachable': True, 'error': None}
        assert api('reader').get(path).json() == checked.json()
        assert_error(api('other').get(path), 404)
        assert_error(demo.get('/v1/clouds/local/check'), 404)
        assert_error(demo.post(path, {}), 405)

        # The remote cloud refuses the user from now on: the next login
        # says so, in Glint's words.
        admin.users.update(user['id'], enabled=False)
        checked = demo.get(path)
        assert checked.status_code == 200, checked.text
        assert checked.json() == {
            'reachable': False,
            'error': 'the cloud refused the credentials (HTTP 401)'}
        assert user['password'] not in checked.text
    finally:
        demo.delete('/v1/clouds/%s' % created.json()['id'])
        admin.users.delete(user['id'])
