"""GET /v1/clouds/{id}/check: whether a remote cloud answers, cheaply."""

import contextlib
import types
from unittest import mock

from keystoneauth1 import exceptions as ks_exc
import pytest

from glint_service.clouds import glance
from glint_service.clouds import remote_keystone

# TEST-NET-1, which the unit tests' outbound policy allows (conftest.py).
BODY = {'name': 'cern', 'auth_url': 'https://192.0.2.10:5000/v3',
        'username': 'alice', 'password': 'pa55-word',
        'project_name': 'hep', 'region_name': 'North'}


class FakeGlance(object):
    """A remote cloud's session, whose Glance answers ``answer``."""

    def __init__(self, answer):
        self.answer = answer
        self.asked = []
        self.logins = []

    @contextlib.contextmanager
    def remote_session(self, spec, rules, refresh_tokens=None,
                       listener=None):
        self.logins.append(spec)
        yield self

    def request(self, path, method, params=None, endpoint_filter=None):
        self.asked.append((method, path, params, endpoint_filter))
        if isinstance(self.answer, Exception):
            raise self.answer
        return types.SimpleNamespace(json=lambda: self.answer)


@pytest.fixture
def cloud(app, tokens):
    with mock.patch.object(remote_keystone, 'find_image_endpoint',
                           return_value='https://192.0.2.11:9292'):
        created = app('POST', '/v1/clouds', BODY, tokens())
    assert created.status_int == 201, created.text
    return created.json


def check(app, cloud_id, answer, token):
    fake = FakeGlance(answer)
    with mock.patch.object(remote_keystone, 'remote_session',
                           fake.remote_session):
        response = app('GET', '/v1/clouds/%s/check' % cloud_id, token=token)
    return response, fake


def test_a_cloud_that_answers(app, tokens, cloud):
    response, fake = check(app, cloud['id'], {'images': [{'id': 'i1'}]},
                           tokens(['reader']))
    assert response.status_int == 200, response.text
    assert response.json == {'reachable': True, 'error': None}
    # A fresh login with the stored credentials, then one image asked for.
    login, = fake.logins
    assert (login['username'], login['password']) == ('alice', 'pa55-word')
    assert fake.asked == [('GET', '/v2/images', {'limit': 1}, {
        'service_type': 'image', 'interface': 'public',
        'region_name': 'North'})]


@pytest.mark.parametrize('failure, reason', [
    (ks_exc.Unauthorized(), 'the cloud refused the credentials (HTTP 401)'),
    (ks_exc.ConnectFailure('to 10.0.0.1 [Errno 111]'),
     'the cloud could not be reached'),
    (ks_exc.InternalServerError(message='<h1>secret internals</h1>'),
     'the cloud answered with an HTTP 5xx error'),
    (ks_exc.EndpointNotFound(),
     "the cloud's catalog has no image endpoint for it"),
])
def test_a_cloud_that_does_not_answer_in_glints_words(app, tokens, cloud,
                                                      failure, reason):
    response, fake = check(app, cloud['id'], failure, tokens())
    assert response.status_int == 200, response.text
    assert response.json == {'reachable': False, 'error': reason}
    assert '10.0.0.1' not in response.text
    assert 'secret internals' not in response.text
    assert 'pa55-word' not in response.text


def test_an_answer_that_is_no_listing_is_not_reachable(app, tokens, cloud):
    response, fake = check(app, cloud['id'], {'images': 'none'}, tokens())
    assert response.json == {
        'reachable': False,
        'error': 'the cloud gave an answer Glint cannot read'}


def test_another_projects_cloud_is_404(app, tokens, cloud):
    response, fake = check(app, cloud['id'], {'images': []},
                           tokens(project_id='project-b'))
    assert response.status_int == 404
    assert response.json['errors'][0]['code'] == 'glint.not_found'
    assert fake.logins == []


def test_without_a_role_in_the_project_it_is_403(app, tokens, cloud):
    response, fake = check(app, cloud['id'], {'images': []}, tokens([]))
    assert response.status_int == 403
    assert 'glint:clouds:check' in response.json['errors'][0]['detail']
    assert fake.logins == []


def test_only_get(app, tokens, cloud):
    response = app('POST', '/v1/clouds/%s/check' % cloud['id'], {},
                   tokens())
    assert response.status_int == 405
    assert response.headers['Allow'] == 'GET'


def test_glance_is_asked_for_one_image_at_most():
    fake = FakeGlance({'images': [{'id': 'a'}, {'id': 'b'}],
                       'next': '/v2/images?marker=b'})
    assert glance.Glance(fake).first_images() == [{'id': 'a'}]
    assert len(fake.asked) == 1
