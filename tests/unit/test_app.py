"""The app's plumbing: errors, routes, tokens, policy, ownership."""

import io
from unittest import mock

from keystoneauth1 import exceptions as ks_exc
import pytest
import sqlalchemy as sa
import webob

from glint_service.api import deploy
from glint_service.clouds import access
from glint_service.clouds import remote_keystone
from glint_service.clouds import trusts
from glint_service.conf import database as database_conf
from glint_service.db import api as db_api
from glint_service import exception
from glint_service import services as glint_services
from tests.unit import records

# TEST-NET-1, which the unit tests' outbound policy allows (conftest.py).
BODY = {'name': 'cern', 'auth_url': 'https://192.0.2.10:5000/v3',
        'username': 'alice', 'password': 'pa55-word',
        'project_name': 'hep'}


@pytest.fixture
def remote_ok():
    with mock.patch.object(remote_keystone, 'find_image_endpoint',
                           return_value='https://glance.invalid') as found:
        yield found


def error_of(response, status):
    assert response.status_int == status, response.text
    assert response.content_type == 'application/json'
    error, = response.json['errors']
    assert error['status'] == status
    assert error['request_id'] == response.headers['X-OpenStack-Request-ID']
    return error


def test_version_document_links_relatively_without_a_public_endpoint(app):
    response = app('GET', '/', headers={'Host': 'attacker.example'})
    assert response.json['versions'][0]['links'][0]['href'] == '/v1/'


def test_public_endpoint_is_used_when_set(conf, app):
    conf.set_override('public_endpoint', 'https://glint.example.org/x',
                      group='api')
    response = app('GET', '/')
    assert response.json['versions'][0]['links'][0]['href'] == (
        'https://glint.example.org/x/v1/')


def test_missing_token_is_401_in_the_common_shape(app):
    response = app('GET', '/v1/clouds')
    error = error_of(response, 401)
    assert error['code'] == 'glint.unauthorized'
    assert response.headers['WWW-Authenticate'].startswith('Keystone uri=')


def test_unexpected_error_is_500_in_the_common_shape_and_logged(
        app, tokens, caplog):
    with mock.patch('glint_service.db.api.Database.list_clouds',
                    side_effect=RuntimeError('boom')):
        response = app('GET', '/v1/clouds', token=tokens())
    error = error_of(response, 500)
    assert error['code'] == 'glint.internal_error'
    assert 'boom' not in error['detail']
    assert error['request_id'] in caplog.text
    assert 'RuntimeError: boom' in caplog.text


def test_an_error_glint_knows_as_internal_shows_no_detail(
        app, tokens, caplog):
    """Such as stored secrets the key file cannot open: the path is logged."""
    unreadable = exception.SecretsUnreadable('key_file /etc/glint/k')
    with mock.patch('glint_service.db.api.Database.list_clouds',
                    side_effect=unreadable):
        error = error_of(app('GET', '/v1/clouds', token=tokens()), 500)
    assert error['code'] == 'glint.internal_error'
    assert '/etc/glint' not in error['detail']
    assert '/etc/glint/k' in caplog.text


@pytest.mark.parametrize('raw, detail', [
    (b'{"name": "\xff"}', 'The body is not UTF-8 text.'),
    (b'[1' + b'0' * 32 + b']', 'The body holds a number of more than 32 '
                               'digits.'),
    (b'{"a": 1,}', 'The body is not valid JSON: Expecting property name '
                   'enclosed in double quotes at line 1 column 9.'),
])
def test_a_body_that_is_not_json_text_is_400(app, tokens, raw, detail):
    response = app('POST', '/v1/clouds', token=tokens(), raw=raw)
    assert error_of(response, 400)['detail'] == detail


@pytest.mark.parametrize('path', ['/v1/clouds/%FF', '/v1/clouds?x=%FF',
                                  '/v1/clouds/%C0%AF'])
def test_a_url_that_is_not_utf8_is_400_in_the_common_shape(app, tokens,
                                                           path):
    error = error_of(app('GET', path, token=tokens()), 400)
    assert 'not UTF-8 text' in error['detail']


def test_a_token_without_a_project_is_refused(app, tokens):
    error = error_of(app('GET', '/v1/clouds', token=tokens(project_id=None)),
                     403)
    assert error['detail'] == 'Glint needs a project-scoped token.'


def test_405_names_the_allowed_methods(app, tokens):
    response = app('PUT', '/v1/clouds/abc', {}, tokens())
    error_of(response, 405)
    assert response.headers['Allow'] == 'DELETE, GET, PATCH'


def test_create_and_list(app, tokens, remote_ok):
    token = tokens()
    created = app('POST', '/v1/clouds', BODY, token)
    assert created.status_int == 201, created.text
    assert created.json['project_id'] == 'project-a'
    assert created.json['created_by'] == 'user-a'
    assert created.json['image_endpoint'] == 'https://glance.invalid'
    assert 'pa55-word' not in created.text
    listed = app('GET', '/v1/clouds', token=token)
    assert listed.json == {'clouds': [created.json]}
    remote_ok.assert_called_once()


def test_remote_refusal_stores_nothing(app, tokens):
    token = tokens()
    refused = exception.RemoteCloudRejected('refused (HTTP 401)')
    with mock.patch.object(remote_keystone, 'find_image_endpoint',
                           side_effect=refused):
        error = error_of(app('POST', '/v1/clouds', BODY, token), 400)
    assert error['code'] == 'glint.remote_cloud_rejected'
    assert app('GET', '/v1/clouds', token=token).json == {'clouds': []}


def test_bad_input_is_not_checked_remotely(app, tokens, remote_ok):
    error = error_of(app('POST', '/v1/clouds', raw='{', token=tokens()), 400)
    assert 'not valid JSON' in error['detail']
    error = error_of(app('POST', '/v1/clouds', dict(BODY, verify=1),
                         tokens()), 400)
    assert error['detail'] == 'verify: must be true or false'
    remote_ok.assert_not_called()


def test_json_nested_too_deeply_is_400(app, tokens, remote_ok):
    error = error_of(app('POST', '/v1/clouds', raw='[' * 50000,
                         token=tokens()), 400)
    assert error['detail'] == 'The body is JSON nested too deeply.'
    remote_ok.assert_not_called()


def test_a_body_over_the_size_limit_is_413(app, tokens, remote_ok):
    error = error_of(app('POST', '/v1/clouds', raw='[' * 200000,
                         token=tokens()), 413)
    assert error['code'] == 'glint.request_too_large'
    assert 'max_request_body_size' in error['detail']
    remote_ok.assert_not_called()


def test_a_chunked_body_over_the_size_limit_is_413(conf, tokens, remote_ok):
    application = deploy.loadapp(conf)
    request = webob.Request.blank('/v1/clouds', method='POST')
    request.headers['X-Auth-Token'] = tokens()
    request.headers['Transfer-Encoding'] = 'chunked'
    request.body_file = io.BytesIO(b' ' * 200000)
    request.content_length = None
    request.is_body_seekable = False
    error = error_of(request.get_response(application), 413)
    assert error['code'] == 'glint.request_too_large'
    remote_ok.assert_not_called()


def test_reader_cannot_create(app, tokens, remote_ok):
    error = error_of(app('POST', '/v1/clouds', BODY, tokens(['reader'])), 403)
    assert 'glint:clouds:create' in error['detail']
    remote_ok.assert_not_called()


def test_other_project_gets_404_and_admin_lists_all(app, tokens, remote_ok):
    created = app('POST', '/v1/clouds', BODY, tokens()).json
    path = '/v1/clouds/%s' % created['id']
    other = tokens(project_id='project-b')
    error_of(app('GET', path, token=other), 404)
    error_of(app('DELETE', path, token=other), 404)
    admin = tokens(['admin', 'member', 'reader'], project_id='project-b')
    everything = app('GET', '/v1/clouds?all_projects=true', token=admin)
    assert [c['id'] for c in everything.json['clouds']] == [created['id']]
    assert app('GET', '/v1/clouds', token=admin).json == {'clouds': []}


def test_healthcheck_reports_a_dead_database(app):
    assert app('GET', '/healthcheck').status_int == 200
    with mock.patch('glint_service.db.api.Database.ping',
                    side_effect=RuntimeError('gone')):
        error = error_of(app('GET', '/healthcheck'), 503)
    assert 'database' in error['detail']


def queued_migration(conf, trust_id=None):
    db = db_api.Database(database_conf.connection_url(conf))
    migration = db.create_migration({
        'project_id': 'project-a', 'created_by': 'user-a',
        'image_id': 'a1', 'source': 'local', 'visibility': 'private',
        'on_conflict': 'copy', 'size': 10, 'trust_id': trust_id},
        ['cloud-b'])
    return db, migration.id


def finished_migration(conf, leftover, trust_id=None):
    db, migration_id = queued_migration(conf, trust_id)
    records.update_migration(db, migration_id, status='failed',
                             finished_at=db_api.utcnow())
    db.update_target(migration_id, 0, status='failed', image_id='i1',
                     leftover=leftover)
    return db, migration_id


def test_a_record_stays_while_glint_has_an_image_to_delete(app, conf, tokens):
    db, migration_id = finished_migration(conf, leftover=True)
    token = tokens()
    path = '/v1/migrations/%s' % migration_id
    error = error_of(app('DELETE', path, token=token), 409)
    assert 'partial image it left at cloud cloud-b' in error['detail']
    db.update_target(migration_id, 0, leftover=False)
    assert app('DELETE', path, token=token).status_int == 204
    assert app('GET', path, token=token).status_int == 404
    assert db.leftovers() == []
    with db.sql_engine.connect() as connection:
        assert connection.execute(sa.text(
            'SELECT count(*) FROM migration_targets')).scalar() == 0


@pytest.fixture
def delete_trust():
    with mock.patch.object(trusts, 'delete_in_keystone') as delete:
        yield delete


def test_deleting_a_record_deletes_the_trust_the_caller_gave(
        app, conf, tokens, delete_trust):
    """Such as one whose migration ran in another process."""
    db, migration_id = finished_migration(conf, False, trust_id='trust-1')
    response = app('DELETE', '/v1/migrations/%s' % migration_id,
                   token=tokens())
    assert response.status_int == 204
    delete_trust.assert_called_once_with(mock.ANY, 'trust-1')


def test_a_trust_deleted_already_does_not_stop_the_record_deletion(
        app, conf, tokens, delete_trust):
    delete_trust.side_effect = ks_exc.NotFound()
    db, migration_id = finished_migration(conf, False, trust_id='trust-1')
    path = '/v1/migrations/%s' % migration_id
    assert app('DELETE', path, token=tokens()).status_int == 204
    assert app('GET', path, token=tokens()).status_int == 404


def test_a_cloud_stays_while_glint_has_an_image_to_delete_there(
        app, conf, tokens, remote_ok):
    """Its credentials are how the engine deletes the image."""
    token = tokens()
    cloud_id = app('POST', '/v1/clouds', BODY, token).json['id']
    db, migration_id = finished_migration(conf, leftover=True)
    db.update_target(migration_id, 0, cloud_id=cloud_id)
    path = '/v1/clouds/%s' % cloud_id
    error = error_of(app('DELETE', path, token=token), 409)
    assert 'partial image it left at remote cloud' in error['detail']
    db.update_target(migration_id, 0, leftover=False)
    assert app('DELETE', path, token=token).status_int == 204


def test_a_trust_stays_while_glint_has_an_image_to_delete(
        app, conf, tokens, delete_trust):
    """The engine deletes a leftover at the local cloud through it."""
    db, migration_id = finished_migration(conf, True, trust_id='trust-1')
    token = tokens()
    assert app('GET', '/v1/migrations/%s' % migration_id,
               token=token).status_int == 200
    assert app('GET', '/v1/migrations', token=token).status_int == 200
    delete_trust.assert_not_called()
    db.update_target(migration_id, 0, leftover=False)
    assert app('GET', '/v1/migrations', token=token).status_int == 200
    delete_trust.assert_called_once_with(mock.ANY, 'trust-1')


def test_the_trustors_next_listing_deletes_the_trusts_left(
        app, conf, tokens, delete_trust):
    """Such as those of migrations that ended after the token expired."""
    db, ended = finished_migration(conf, False, trust_id='trust-1')
    _, running = queued_migration(conf, trust_id='trust-2')
    records.update_migration(db, running, status='running')
    assert app('GET', '/v1/migrations',
               token=tokens(user_id='user-b')).status_int == 200
    delete_trust.assert_not_called()
    assert app('GET', '/v1/migrations', token=tokens()).status_int == 200
    delete_trust.assert_called_once_with(mock.ANY, 'trust-1')
    assert db.get_migration(ended).trust_id is None
    assert db.get_migration(running).trust_id == 'trust-2'
    app('GET', '/v1/migrations', token=tokens())
    delete_trust.assert_called_once()


def test_only_the_trustor_can_delete_a_trust(app, conf, tokens,
                                             delete_trust):
    db, migration_id = finished_migration(conf, False, trust_id='trust-1')
    response = app('DELETE', '/v1/migrations/%s' % migration_id,
                   token=tokens(user_id='user-b'))
    assert response.status_int == 204
    delete_trust.assert_not_called()


def test_cancelling_a_queued_migration_deletes_its_trust(
        app, conf, tokens, delete_trust):
    db, migration_id = queued_migration(conf, trust_id='trust-1')
    response = app('DELETE', '/v1/migrations/%s' % migration_id,
                   token=tokens())
    assert response.status_int == 202
    assert response.json['status'] == 'cancelled'
    delete_trust.assert_called_once_with(mock.ANY, 'trust-1')


def test_cancelling_a_running_migration_leaves_the_trust_to_its_worker(
        app, conf, tokens, delete_trust):
    db, migration_id = queued_migration(conf, trust_id='trust-1')
    records.update_migration(db, migration_id, status='running')
    response = app('DELETE', '/v1/migrations/%s' % migration_id,
                   token=tokens())
    assert response.status_int == 202
    delete_trust.assert_not_called()


@pytest.mark.parametrize('roles, delegated', [
    (['admin', 'member', 'reader'], ['member']),
    (['member', 'reader'], ['member']),
])
def test_a_trust_delegates_only_the_role_the_migration_needs(
        roles, delegated):
    assert trusts.roles_for(roles, ['member']) == delegated


@pytest.mark.parametrize('roles, configured', [
    (['custom', 'admin', 'reader'], ['member']),
    (['admin'], ['member', 'admin']),
])
def test_a_trust_never_delegates_other_roles_instead(roles, configured):
    with pytest.raises(exception.Forbidden) as raised:
        trusts.roles_for(roles, configured)
    assert 'you have none of them' in raised.value.detail


def test_a_project_at_its_cloud_quota_adds_no_more(conf, app, tokens,
                                                   remote_ok):
    conf.set_override('clouds', 1, group='quota')
    token = tokens()
    assert app('POST', '/v1/clouds', BODY, token).status_int == 201
    error = error_of(app('POST', '/v1/clouds', dict(BODY, name='second'),
                         token), 403)
    assert error['code'] == 'glint.quota_exceeded'
    assert error['detail'] == ('quota: the project has 1 remote clouds '
                               'already, its limit ([quota] clouds)')
    assert len(app('GET', '/v1/clouds', token=token).json['clouds']) == 1
    # Another project has a quota of its own.
    other = tokens(project_id='project-b')
    assert app('POST', '/v1/clouds', BODY, other).status_int == 201


def test_a_project_at_its_migration_quota_queues_no_more(conf, app, tokens):
    conf.set_override('migrations', 1, group='quota')
    db, migration_id = queued_migration(conf)
    body = {'image_id': '6e2f4a1b-0c3d-4e5f-8a9b-1c2d3e4f5a6b',
            'targets': ['cloud-b']}
    error = error_of(app('POST', '/v1/migrations', body, tokens()), 403)
    assert error['code'] == 'glint.quota_exceeded'
    assert '[quota] migrations' in error['detail']
    assert len(db.list_migrations('project-a')) == 1
    # A finished one does not count.
    records.update_migration(db, migration_id, status='succeeded')
    error = error_of(app('POST', '/v1/migrations', body, tokens()), 400)
    assert error['detail'].startswith('targets: no remote cloud cloud-b')


def test_a_deleted_clouds_secrets_leave_the_sessions_kept(app, conf, tokens,
                                                          remote_ok):
    from glint_service.clouds import access

    token = tokens()
    created = app('POST', '/v1/clouds', BODY, token).json
    services = glint_services.Services(conf)
    sessions = access.RemoteSessions(services.outbound)
    sessions.get(services.db.get_cloud(created['id'], 'project-a'),
                 services.vault)
    assert list(sessions._sessions) == [created['id']]
    sessions.keep({created['id']})
    assert list(sessions._sessions) == [created['id']]
    # Once it is deleted, through any process, the others drop it too.
    sessions.keep(set())
    assert sessions._sessions == {}
    # Deleting the cloud forgets its session.
    with mock.patch.object(access.RemoteSessions, 'forget') as forget:
        assert app('DELETE', '/v1/clouds/%s' % created['id'],
                   token=token).status_int == 204
    forget.assert_called_once_with(created['id'])


@pytest.mark.parametrize('size, lifetime', [
    (0, 24 * 3600),
    (None, 24 * 3600),
    (10 * 1024 ** 3, 24 * 3600 + 10 * 1024),
    # Never past the cap.
    (10 * 1024 ** 4, 7 * 24 * 3600),
])
def test_a_trust_is_sized_to_its_job(conf, size, lifetime):
    assert trusts.lifetime(conf.migrations, size) == lifetime


IMAGE_ID = '6e2f4a1b-0c3d-4e5f-8a9b-1c2d3e4f5a6b'


@pytest.mark.parametrize('change, reason', [
    ({'size': 'ten'}, 'its size is not a number of bytes'),
    ({'size': True}, 'its size is not a number of bytes'),
    ({'size': -1}, 'its size is not a number of bytes'),
    ({'name': 'x' * 256}, 'name is not text of at most 255 characters'),
    ({'os_hash_value': ['h']}, 'os_hash_value is not text'),
    ({'tags': 'hep'}, 'its tags are not a list of text'),
    ({'tags': [1]}, 'its tags are not a list of text'),
    ({'hw_x': 'y' * 70000}, 'its properties take more than 65536 bytes'),
    ({'size': 2 ** 63}, 'its size is not a number of bytes'),
    ({'id': None}, 'it has no id'),
    ({'id': '0' + IMAGE_ID[1:]}, 'it is the record of another image'),
    ({'hw_x': [[[[['deep']]]]]}, 'its properties nest more than 4 levels'),
])
def test_a_source_images_metadata_must_fit(change, reason):
    from glint_service.api.handlers import migrations

    image = {'id': IMAGE_ID, 'status': 'active', 'size': 10,
             'name': 'centos', 'os_hash_algo': 'sha512',
             'os_hash_value': 'h', 'tags': [], 'hw_y': [['ok']]}
    migrations.check_source_image(dict(image), IMAGE_ID.upper())
    with pytest.raises(exception.RemoteCloudRejected) as raised:
        migrations.check_source_image(dict(image, **change), IMAGE_ID)
    assert reason in raised.value.detail
    assert 'y' * 100 not in raised.value.detail


def test_a_chunked_body_under_uwsgi_is_read_through_its_chunks(
        conf, tokens):
    # uWSGI gives a chunked body only through uwsgi.chunked_read: the app
    # reads it from there, and the size limit still holds.
    chunks = []
    uwsgi = mock.Mock(chunked_read=lambda: chunks.pop(0) if chunks else b'')
    received = []

    def app(environ, start_response):
        received.append(environ['wsgi.input'].read())
        start_response('200 OK', [])
        return []

    chunks[:] = [b'{"a": ', b'1}']
    request = webob.Request.blank('/', method='POST',
                                  headers={'Transfer-Encoding': 'chunked'})
    assert request.get_response(deploy.chunked_input(
        app, uwsgi)).status_int == 200
    assert received == [b'{"a": 1}']
    assert deploy.chunked_input(app, None) is app
    with mock.patch.object(deploy, 'uwsgi_module', return_value=uwsgi):
        application = deploy.loadapp(conf)
    chunks[:] = [b'[' * 70000, b'[' * 70000]
    request = webob.Request.blank('/v1/clouds', method='POST', headers={
        'Transfer-Encoding': 'chunked', 'X-Auth-Token': tokens(),
        'Content-Type': 'application/json'})
    response = request.get_response(application)
    assert response.status_int == 413, response.text


def test_a_migration_that_is_not_recorded_leaves_no_trust(
        app, tokens, remote_ok):
    token = tokens()
    target = app('POST', '/v1/clouds', BODY, token).json['id']
    image = {'id': IMAGE_ID, 'status': 'active', 'size': 10,
             'name': 'centos', 'tags': []}
    source = mock.Mock(**{'get_image.return_value': image})
    with mock.patch.object(access, 'callers_glance', return_value=source), \
            mock.patch.object(trusts, 'create', return_value='trust-9'), \
            mock.patch.object(trusts, 'discard') as discard, \
            mock.patch('glint_service.db.api.Database.create_migration',
                       side_effect=exception.DatabaseUnavailable()):
        response = app('POST', '/v1/migrations', {
            'image_id': IMAGE_ID, 'targets': [target]}, token)
    assert error_of(response, 503)['code'] == 'glint.service_unavailable'
    discard.assert_called_once_with(mock.ANY, mock.ANY, 'trust-9')
    assert app('GET', '/v1/migrations', token=token).json == {
        'migrations': []}


def test_requests_at_the_same_moment_never_pass_a_cloud_quota(
        app, conf, tokens, remote_ok):
    """The other request's cloud is stored after this one's first look."""
    conf.set_override('clouds', 1, group='quota')
    token = tokens()
    assert app('POST', '/v1/clouds', BODY, token).status_int == 201
    real = db_api.Database.count_clouds

    def count(db, project_id, until=None):
        return 0 if until is None else real(db, project_id, until)

    with mock.patch.object(db_api.Database, 'count_clouds', count):
        error = error_of(app('POST', '/v1/clouds', dict(BODY, name='late'),
                             token), 403)
    assert error['code'] == 'glint.quota_exceeded'
    assert [c['name'] for c in app('GET', '/v1/clouds',
                                   token=token).json['clouds']] == ['cern']


def test_requests_at_the_same_moment_never_pass_a_migration_quota(
        app, conf, tokens, remote_ok):
    conf.set_override('migrations', 1, group='quota')
    token = tokens()
    target = app('POST', '/v1/clouds', BODY, token).json['id']
    db, first = queued_migration(conf)
    image = {'id': IMAGE_ID, 'status': 'active', 'size': 10,
             'name': 'centos', 'tags': []}
    source = mock.Mock(**{'get_image.return_value': image})
    real = db_api.Database.count_unfinished_migrations

    def count(db, project_id, until=None):
        return 0 if until is None else real(db, project_id, until)

    with mock.patch.object(access, 'callers_glance', return_value=source), \
            mock.patch.object(trusts, 'create', return_value='trust-9'), \
            mock.patch.object(trusts, 'discard') as discard, \
            mock.patch.object(db_api.Database, 'count_unfinished_migrations',
                              count):
        response = app('POST', '/v1/migrations', {
            'image_id': IMAGE_ID, 'targets': [target]}, token)
    assert error_of(response, 403)['code'] == 'glint.quota_exceeded'
    discard.assert_called_once_with(mock.ANY, mock.ANY, 'trust-9')
    assert [m['id'] for m in app('GET', '/v1/migrations',
                                 token=token).json['migrations']] == [first]


@pytest.mark.parametrize('name', ['local', 'LOCAL', 'Home'])
def test_a_remote_cloud_is_never_named_as_the_local_one(
        app, conf, tokens, remote_ok, name):
    conf.set_override('name', 'home', group='local_cloud')
    token = tokens()
    error = error_of(app('POST', '/v1/clouds', dict(BODY, name=name),
                         token), 400)
    assert error['detail'] == "name: is the local cloud's name"
    created = app('POST', '/v1/clouds', BODY, token).json
    error = error_of(app('PATCH', '/v1/clouds/%s' % created['id'],
                         {'name': name}, token), 400)
    assert error['detail'] == "name: is the local cloud's name"


def test_migrations_are_listed_page_by_page(app, conf, tokens):
    conf.set_override('max_limit', 3, group='api')
    db, _ = queued_migration(conf)
    for _ in range(4):
        queued_migration(conf)
    newest_first = [m.id for m in db.list_migrations('project-a')]
    token = tokens()
    seen, path = [], '/v1/migrations?limit=2'
    while path:
        page = app('GET', path, token=token).json
        assert len(page['migrations']) <= 2
        seen += [m['id'] for m in page['migrations']]
        path = page.get('next')
    assert seen == newest_first
    # Without a limit, a page holds [api] max_limit at most.
    page = app('GET', '/v1/migrations', token=token).json
    assert [m['id'] for m in page['migrations']] == newest_first[:3]
    assert 'marker=%s' % newest_first[2] in page['next']


@pytest.mark.parametrize('query, field', [
    ('limit=0', 'limit'), ('limit=1001', 'limit'), ('limit=-1', 'limit'),
    ('limit=%D9%A3', 'limit'), ('limit=1e3', 'limit'),
    ('marker=6e2f4a1b-0c3d-4e5f-8a9b-1c2d3e4f5a6b', 'marker')])
def test_a_page_asked_for_wrongly_is_400(app, tokens, query, field):
    error = error_of(app('GET', '/v1/migrations?' + query, token=tokens()),
                     400)
    assert error['detail'].startswith(field + ': ')


def test_another_projects_migration_is_no_marker(app, conf, tokens):
    db, theirs = queued_migration(conf)
    error = error_of(app('GET', '/v1/migrations?marker=%s' % theirs,
                         token=tokens(project_id='project-b')), 400)
    assert error['detail'].startswith('marker: no migration')
