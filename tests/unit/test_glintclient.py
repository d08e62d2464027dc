"""The openstack command's plugin, with a fake Glint: no servers."""

import io
import json
import types

from keystoneauth1 import exceptions as ks_exc
from osc_lib import exceptions
import pytest
import requests

from glintclient import client
from glintclient.osc.v1 import clouds
from glintclient.osc.v1 import images
from glintclient.osc.v1 import migrations

MiB = 1024 * 1024
MIGRATION_ID = '0b6b5a43-3c4e-4f5e-9d0e-5d2b1f3a7c11'
IMAGE_ID = '9d0e5d2b-1f3a-4c11-8b6b-5a433c4e4f5e'


def response(status, body=None, text=None):
    r = requests.Response()
    r.status_code = status
    r._content = (json.dumps(body) if body is not None else text).encode()
    return r


class FakeAdapter(object):

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def request(self, path, method, **kwargs):
        self.calls.append((method, path, kwargs))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def glint_with(answer):
    glint = client.Client(session=None, interface='public')
    glint.http = FakeAdapter(answer)
    return glint


def test_glint_error_shows_glints_detail_and_request_id():
    glint = glint_with(response(400, {'errors': [{
        'status': 400, 'code': 'glint.remote_cloud_rejected',
        'title': 'Bad Request', 'request_id': 'req-42',
        'detail': 'The remote Keystone refused the credentials.'}]}))
    with pytest.raises(client.GlintError) as error:
        glint.list_clouds()
    assert str(error.value) == ('The remote Keystone refused the '
                                'credentials. (HTTP 400, request req-42)')
    assert error.value.status == 400


def test_glint_error_keeps_glints_words_apart():
    glint = glint_with(response(404, {'errors': [{
        'status': 404, 'code': 'glint.not_found', 'title': 'Not Found',
        'request_id': 'req-7', 'detail': 'No remote cloud c9.'}]}))
    with pytest.raises(client.GlintError) as error:
        glint.get_cloud('c9')
    assert (error.value.detail, error.value.code, error.value.request_id,
            error.value.status) == ('No remote cloud c9.', 'glint.not_found',
                                    'req-7', 404)


def test_an_error_that_is_not_glints_shape_is_shown_as_text():
    glint = glint_with(response(502, text='<html>Bad Gateway</html>'))
    with pytest.raises(client.GlintError, match=r'Bad Gateway.*HTTP 502'):
        glint.list_clouds()


def test_glint_missing_from_the_catalog_is_said_so():
    glint = glint_with(ks_exc.EndpointNotFound())
    with pytest.raises(client.GlintError,
                       match='not in the catalog.*image-distribution'):
        glint.list_clouds()


def test_a_request_with_a_secret_is_not_logged():
    glint = glint_with(response(201, {'id': 'x'}))
    glint.create_cloud({'name': 'a', 'password': 'hush'})
    glint.update_cloud('x', {'name': 'b'})
    (_, _, with_secret), (_, _, without) = glint.http.calls
    assert with_secret['log'] is False
    assert without['log'] is True


def test_the_check_of_a_cloud():
    glint = glint_with(response(200, {'reachable': True, 'error': None}))
    assert glint.check_cloud('c2') == {'reachable': True, 'error': None}
    assert glint.http.calls[0][:2] == ('GET', '/v1/clouds/c2/check')


def test_ids_are_escaped_in_paths():
    glint = glint_with(response(200, {'id': 'x'}))
    glint.get_migration('../clouds?all_projects=true')
    glint.delete_cloud('a/b')
    assert [path for _, path, _ in glint.http.calls] == [
        '/v1/migrations/..%2Fclouds%3Fall_projects%3Dtrue',
        '/v1/clouds/a%2Fb']


def test_repeated_query_parameters():
    glint = glint_with(response(200, {'clouds': [], 'images': []}))
    glint.list_images(['local', 'c2'])
    method, path, kwargs = glint.http.calls[0]
    assert (method, path, kwargs['params']) == (
        'GET', '/v1/images', {'cloud': ['local', 'c2']})


# clouds.yaml

CLOUDS_YAML = """
clouds:
  far:
    auth:
      auth_url: http://far.example.org:5000/
      username: alice
      password: hush
      project_name: hep
      user_domain_name: Default
    region_name: North
    interface: internal
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://near.example.org/identity/v3
      application_credential_id: ac1
      application_credential_secret: s3cr3t
    verify: false
  tokenonly:
    auth_type: token
    auth:
      auth_url: http://x.example.org/v3
      token: abc
  egi:
    auth_type: v3oidcclientcredentials
    auth:
      auth_url: https://egi.example.org:5000/v3
      identity_provider: egi.eu
      protocol: openid
      discovery_endpoint: https://aai.example.org/.well-known/oidc
      client_id: glint
      client_secret: cl1ent
      openid_scope: openid eduperson_entitlement
      project_id: p42
  refresh:
    auth_type: v3oidcrefreshtoken
    auth:
      auth_url: https://egi.example.org:5000/v3
      identity_provider: egi.eu
      access_token_endpoint: https://aai.example.org/token
      client_id: glint
      refresh_token: rt-1
      project_name: hep
  grid:
    auth_type: v3x509
    auth:
      auth_url: https://grid.example.org:5000/v3
      identity_provider: igtf
      protocol: x509
      project_name: hep
    cert: CERT_PATH
    key: KEY_PATH
"""


@pytest.fixture
def clouds_yaml(tmp_path, monkeypatch):
    path = tmp_path / 'clouds.yaml'
    (tmp_path / 'cert.pem').write_text('CERTIFICATE PEM\n')
    (tmp_path / 'key.pem').write_text('KEY PEM\n')
    path.write_text(CLOUDS_YAML.replace(
        'CERT_PATH', str(tmp_path / 'cert.pem')).replace(
        'KEY_PATH', str(tmp_path / 'key.pem')))
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(path))
    for name in ('OS_CLOUD', 'OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD',
                 'OS_REGION_NAME'):
        monkeypatch.delenv(name, raising=False)


def test_a_password_entry_of_clouds_yaml(clouds_yaml):
    assert clouds.fields_from_clouds_yaml('far') == {
        'auth_type': 'password',
        'auth_url': 'http://far.example.org:5000/v3',
        'username': 'alice', 'password': 'hush', 'project_name': 'hep',
        'user_domain_name': 'Default', 'region_name': 'North',
        'interface': 'internal'}


def test_an_application_credential_entry_of_clouds_yaml(clouds_yaml):
    assert clouds.fields_from_clouds_yaml('appcred') == {
        'auth_type': 'v3applicationcredential',
        'auth_url': 'https://near.example.org/identity/v3',
        'application_credential_id': 'ac1',
        'application_credential_secret': 's3cr3t', 'interface': 'public',
        'verify': False}


def test_an_oidc_client_entry_of_clouds_yaml(clouds_yaml):
    assert clouds.fields_from_clouds_yaml('egi') == {
        'auth_type': 'v3oidcclientcredentials',
        'auth_url': 'https://egi.example.org:5000/v3',
        'identity_provider': 'egi.eu', 'protocol': 'openid',
        'discovery_endpoint':
            'https://aai.example.org/.well-known/oidc',
        'client_id': 'glint', 'client_secret': 'cl1ent',
        'scope': 'openid eduperson_entitlement', 'project_id': 'p42',
        'interface': 'public'}


def test_a_refresh_token_entry_of_clouds_yaml(clouds_yaml):
    fields = clouds.fields_from_clouds_yaml('refresh')
    assert fields['auth_type'] == 'v3oidcrefreshtoken'
    assert fields['refresh_token'] == 'rt-1'
    assert fields['access_token_endpoint'] == 'https://aai.example.org/token'


def test_an_x509_entry_of_clouds_yaml_sends_the_files_contents(clouds_yaml):
    fields = clouds.fields_from_clouds_yaml('grid')
    assert fields['auth_type'] == 'v3x509'
    assert fields['client_cert'] == 'CERTIFICATE PEM\n'
    assert fields['client_key'] == 'KEY PEM\n'
    assert fields['identity_provider'] == 'igtf'


def test_create_with_a_certificate_and_a_key_from_files(tmp_path):
    (tmp_path / 'c.pem').write_text('CERT\n')
    (tmp_path / 'k.pem').write_text('KEY\n')
    glint = FakeGlint()
    result, app = run(clouds.CreateCloud, glint, 'grid', '--auth-url',
                      'https://grid.example.org/v3', '--auth-type', 'v3x509',
                      '--identity-provider', 'igtf', '--project-name', 'hep',
                      '--client-cert', str(tmp_path / 'c.pem'),
                      '--client-key', str(tmp_path / 'k.pem'), '-f', 'json')
    assert result == 0
    sent = glint.created[0]
    assert sent['client_cert'] == 'CERT\n'
    assert sent['client_key'] == 'KEY\n'
    assert repr(sent['client_key']) == "'***'"
    assert 'KEY' not in app.stdout.getvalue()


def test_create_with_oidc_client_credentials_options():
    glint = FakeGlint()
    run(clouds.CreateCloud, glint, 'egi', '--auth-url',
        'https://egi.example.org/v3', '--auth-type',
        'v3oidcclientcredentials', '--identity-provider', 'egi.eu',
        '--discovery-endpoint', 'https://aai.example.org/.well-known/x',
        '--client-id', 'glint', '--client-secret', 'cs',
        '--openid-scope', 'openid', '--project-name', 'hep')
    assert glint.created[0] == {
        'name': 'egi', 'auth_url': 'https://egi.example.org/v3',
        'auth_type': 'v3oidcclientcredentials',
        'identity_provider': 'egi.eu',
        'discovery_endpoint': 'https://aai.example.org/.well-known/x',
        'client_id': 'glint', 'client_secret': 'cs', 'scope': 'openid',
        'project_name': 'hep'}


@pytest.mark.parametrize('name, message', [
    ('nowhere', 'nowhere was not found'),
    ('tokenonly', 'auth type token is not one Glint can use'),
])
def test_unusable_entries_of_clouds_yaml(clouds_yaml, name, message):
    with pytest.raises(exceptions.CommandError, match=message):
        clouds.fields_from_clouds_yaml(name)


# Commands, with a fake Glint.

class FakeGlint(object):
    """Glint's client, answering from memory."""

    def __init__(self, polls=()):
        self.created = []
        self.polls = list(polls)

    def cloud_names(self):
        return {'local': 'local', 'c2': 'cloud2', 'c3': 'cloud3'}

    def find_cloud_id(self, name_or_id):
        ids = {'cloud2': 'c2', 'cloud3': 'c3', 'local': 'local'}
        return ids[name_or_id]

    def create_cloud(self, fields):
        self.created.append(fields)
        return dict(fields, id='c9', project_id='p1')

    def create_migration(self, fields):
        self.created.append(fields)
        return migration('queued', 0, 0)

    def get_migration(self, migration_id):
        return self.polls.pop(0)


def migration(status, *written, size=250 * MiB, target_status=None,
              error=None):
    return {'id': MIGRATION_ID, 'image_id': IMAGE_ID, 'image_name': 'alma9',
            'source': 'local', 'size': size, 'status': status,
            'error': error, 'bytes_read': max(written),
            'targets': [{'cloud_id': cloud_id, 'bytes_written': done,
                         'status': target_status or status,
                         'image_id': None, 'error': None}
                        for cloud_id, done in zip(('c2', 'c3'), written)]}


class App(object):

    def __init__(self, glint):
        self.client_manager = types.SimpleNamespace(glint=glint)
        self.stdin = io.StringIO()
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


def run(command_class, glint, *argv):
    app = App(glint)
    cmd = command_class(app, None)
    parsed_args = cmd.get_parser('openstack glint').parse_args(list(argv))
    return cmd.run(parsed_args), app


def test_create_from_clouds_yaml_with_options_over_it(clouds_yaml):
    glint = FakeGlint()
    result, app = run(clouds.CreateCloud, glint, 'north', '--from-clouds-yaml',
                      'far', '--region', 'South', '-f', 'json')
    assert result == 0
    sent = glint.created[0]
    assert sent['name'] == 'north'
    assert sent['region_name'] == 'South'
    assert sent['password'] == 'hush'
    shown = json.loads(app.stdout.getvalue())
    assert shown['id'] == 'c9'
    assert 'password' not in shown
    assert 'hush' not in app.stdout.getvalue()


def test_create_needs_an_auth_url():
    with pytest.raises(exceptions.CommandError, match='--auth-url'):
        run(clouds.CreateCloud, FakeGlint(), 'north', '--username', 'a')


def test_progress_lines():
    lines = migrations.progress_lines(
        migration('running', 130 * MiB, 250 * MiB, target_status='copying'),
        {'c2': 'cloud2', 'c3': 'c3'})
    assert lines == [
        'cloud2 [#####.....]  52%  130.0/250.0 MiB  copying',
        'c3     [##########] 100%  250.0/250.0 MiB  copying']


def test_a_skipped_target_is_shown_done():
    done = migration('succeeded', 0, 0, target_status='skipped')
    assert migrations.progress_lines(done, {})[0].startswith(
        'c2 [##########] 100%')


def test_progress_on_a_pipe_is_written_when_it_changes():
    stream = io.StringIO()
    progress = migrations.Progress(stream)
    progress.show(['a 1%'])
    progress.show(['a 1%'])
    progress.show(['a 2%'])
    assert stream.getvalue() == 'a 1%\na 2%\n'


def test_progress_on_a_terminal_is_redrawn_in_place():
    stream = io.StringIO()
    stream.isatty = lambda: True
    progress = migrations.Progress(stream)
    progress.show(['a 1%', 'b 1%'])
    progress.show(['a 2%', 'b 3%'])
    assert stream.getvalue() == ('\r\x1b[Ka 1%\n\r\x1b[Kb 1%\n'
                                 '\x1b[2A\r\x1b[Ka 2%\n\r\x1b[Kb 3%\n')


def migrate(glint, *extra):
    return run(migrations.Migrate, glint, IMAGE_ID, '--to', 'cloud2',
               '--to', 'cloud3', *extra)


def test_migrate_and_wait_until_it_succeeds(monkeypatch):
    monkeypatch.setattr(migrations.time, 'sleep', lambda seconds: None)
    glint = FakeGlint(polls=[
        migration('running', 100 * MiB, 90 * MiB, target_status='copying'),
        migration('succeeded', 250 * MiB, 250 * MiB)])
    result, app = migrate(glint, '--name', 'alma9-copy', '--wait')
    assert result == 0
    assert glint.created == [{'image_id': IMAGE_ID, 'source': 'local',
                              'targets': ['c2', 'c3'],
                              'name': 'alma9-copy'}]
    progress = app.stderr.getvalue()
    assert 'cloud2 [####......]  40%  100.0/250.0 MiB  copying' in progress
    assert 'cloud3 [##########] 100%  250.0/250.0 MiB  succeeded' in progress
    assert 'succeeded' in app.stdout.getvalue()


def test_migrate_and_wait_exits_non_zero_unless_it_succeeded(monkeypatch):
    monkeypatch.setattr(migrations.time, 'sleep', lambda seconds: None)
    glint = FakeGlint(polls=[migration(
        'partial', 250 * MiB, 7 * MiB, error='cloud3: quota exceeded')])
    with pytest.raises(exceptions.CommandError,
                       match='ended partial: cloud3: quota exceeded'):
        migrate(glint, '--wait')


def test_migrate_without_wait_does_not_poll():
    result, app = migrate(FakeGlint())
    assert result == 0
    assert 'queued' in app.stdout.getvalue()
    assert app.stderr.getvalue() == ''


def test_ctrl_c_while_waiting_says_how_to_follow_and_cancel(monkeypatch):
    def interrupted(seconds):
        raise KeyboardInterrupt()

    monkeypatch.setattr(migrations.time, 'sleep', interrupted)
    app = App(FakeGlint())
    cmd = migrations.Migrate(app, None)
    parsed_args = cmd.get_parser('openstack glint').parse_args(
        [IMAGE_ID, '--to', 'cloud2', '--wait'])
    with pytest.raises(KeyboardInterrupt):
        cmd.run(parsed_args)
    said = app.stderr.getvalue()
    assert 'goes on in Glint' in said
    assert 'openstack glint migration cancel %s' % MIGRATION_ID in said


def test_image_list_has_a_column_per_cloud_and_the_conflicts():
    found = {
        'clouds': [{'id': 'local', 'name': 'here', 'reachable': True},
                   {'id': 'c2', 'name': 'cloud2', 'reachable': True},
                   {'id': 'c3', 'name': 'cloud3', 'reachable': False,
                    'error': 'timed out'}],
        'images': [{'key': 'h1', 'name': 'alma9', 'size': 3,
                    'disk_format': 'raw',
                    'copies': [{'cloud_id': 'local', 'image_id': 'i1',
                                'name': 'alma9', 'status': 'active'},
                               {'cloud_id': 'c2', 'image_id': 'i2',
                                'name': 'alma9', 'status': 'queued'}],
                    'conflicts': [{'type': 'content_mismatch',
                                   'cloud_id': 'c2', 'detail': '...'}]}]}
    glint = types.SimpleNamespace(list_images=lambda cloud_ids: found)
    cmd = images.ListImages(App(glint), None)
    headers, rows = cmd.take_action(types.SimpleNamespace(cloud=None))
    assert headers == ('Name', 'Disk Format', 'Size', 'here', 'cloud2',
                       'cloud3', 'Conflicts')
    row = list(rows)[0]
    assert row[:3] == ('alma9', 'raw', 3)
    assert [c.human_readable() for c in row[3:]] == [
        'i1', 'i2 (queued)', '', 'content_mismatch (cloud2)']
    assert row[-1].machine_readable() == [{
        'type': 'content_mismatch', 'cloud_id': 'c2', 'cloud': 'cloud2',
        'detail': '...'}]


@pytest.mark.parametrize('target, size, progress', [
    ({'status': 'copying', 'bytes_written': 25}, 100, (25, 25)),
    ({'status': 'verifying', 'bytes_written': 100}, 100, (100, 100)),
    # All sent: the bytes counted last may lag behind.
    ({'status': 'verifying', 'bytes_written': 90}, 100, (100, 100)),
    ({'status': 'skipped', 'bytes_written': 0}, 100, (100, 100)),
    ({'status': 'failed', 'bytes_written': 40}, 100, (40, 40)),
    ({'status': 'queued', 'bytes_written': None}, 0, (0, 0)),
])
def test_how_far_a_target_is_has_one_definition(target, size, progress):
    from glintclient import client

    assert client.target_progress(target, size) == progress


class Pages(FakeAdapter):
    """A Glint whose migrations come a page at a time."""

    def __init__(self, pages):
        super().__init__(None)
        self.pages = list(pages)

    def request(self, path, method, **kwargs):
        self.calls.append((method, path, kwargs))
        return response(200, self.pages.pop(0))


def test_every_page_of_migrations_is_listed():
    glint = client.Client(session=None, interface='public')
    glint.http = Pages([
        {'migrations': [{'id': 'm3'}, {'id': 'm2'}],
         'next': 'https://glint.example/v1/migrations?status=failed'
                 '&marker=m2'},
        {'migrations': [{'id': 'm1'}]}])
    listed = glint.list_migrations(status='failed')
    assert [m['id'] for m in listed] == ['m3', 'm2', 'm1']
    assert [call[2]['params'] for call in glint.http.calls] == [
        {'status': 'failed'}, {'status': 'failed', 'marker': 'm2'}]
