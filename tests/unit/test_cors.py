"""CORS: the dashboard's page may send an upload's file straight to Glint.

A browser asks first (a preflight: OPTIONS, without a token) whether a page
of another origin may PUT with X-Auth-Token; only the origins of ``[cors]
allowed_origin`` are told yes.
"""

import logging

import pytest
import webob

from glint_service.api import deploy

HORIZON = 'https://horizon.example.org'
UPLOAD_PATH = '/v1/migrations/3f2c5e1a-0000-4000-8000-000000000001/file'


@pytest.fixture
def cors_app(conf):
    conf.set_override('allowed_origin', [HORIZON], group='cors')
    application = deploy.loadapp(conf)

    def call(method, path, headers):
        return webob.Request.blank(path, method=method,
                                   headers=headers).get_response(application)

    return call


def preflight(call, origin, method='PUT',
              headers='X-Auth-Token, Content-Type'):
    return call('OPTIONS', UPLOAD_PATH, {
        'Origin': origin, 'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': headers})


def test_the_allowed_origin_may_put_an_uploads_data(cors_app, caplog):
    caplog.set_level(logging.INFO)
    response = preflight(cors_app, HORIZON)
    assert response.status_int == 200
    assert response.headers['Access-Control-Allow-Origin'] == HORIZON
    assert response.headers['Access-Control-Allow-Methods'] == 'PUT'
    assert response.headers['Access-Control-Allow-Headers'] == (
        'X-Auth-Token,Content-Type')
    # Horizon's upload is sent withCredentials.
    assert response.headers['Access-Control-Allow-Credentials'] == 'true'
    assert response.body == b''
    # Answered without a token, and auth_token did not see it.
    assert 'Rejecting request' not in caplog.text


@pytest.mark.parametrize('origin', [
    'https://attacker.example', 'http://horizon.example.org',
    'https://horizon.example.org:8443', 'null'])
def test_another_origin_is_not_told_yes(cors_app, origin):
    response = preflight(cors_app, origin)
    assert response.status_int == 200
    assert 'Access-Control-Allow-Origin' not in response.headers
    assert 'Access-Control-Allow-Methods' not in response.headers


@pytest.mark.parametrize('method, headers', [
    ('PUT', 'X-Auth-Token, X-Something-Else'), ('TRACE', 'X-Auth-Token')])
def test_only_glints_methods_and_headers(cors_app, method, headers):
    response = preflight(cors_app, HORIZON, method, headers)
    assert 'Access-Control-Allow-Origin' not in response.headers


def test_no_origin_may_without_allowed_origin(app):
    response = app('OPTIONS', UPLOAD_PATH, headers={
        'Origin': HORIZON, 'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'X-Auth-Token'})
    assert response.status_int == 200
    assert 'Access-Control-Allow-Origin' not in response.headers


def test_answers_and_errors_say_who_may_read_them(cors_app, tokens):
    listed = cors_app('GET', '/v1/clouds', {'Origin': HORIZON,
                                            'X-Auth-Token': tokens()})
    assert listed.status_int == 200
    assert listed.headers['Access-Control-Allow-Origin'] == HORIZON
    assert 'X-OpenStack-Request-ID' in listed.headers[
        'Access-Control-Expose-Headers'].split(',')
    # A PUT without a token is refused as ever, readably for the page.
    refused = cors_app('PUT', UPLOAD_PATH, {'Origin': HORIZON})
    assert refused.status_int == 401
    assert refused.headers['Access-Control-Allow-Origin'] == HORIZON
    other = cors_app('GET', '/v1/clouds', {'Origin': 'https://x.example',
                                           'X-Auth-Token': tokens()})
    assert 'Access-Control-Allow-Origin' not in other.headers


def test_only_a_preflight_passes_without_a_token(cors_app, caplog):
    caplog.set_level(logging.INFO)
    response = cors_app('OPTIONS', UPLOAD_PATH, {'Origin': HORIZON})
    # auth_token refused it (the cors filter answers any OPTIONS 200).
    assert 'Rejecting request' in caplog.text
    assert 'Access-Control-Allow-Methods' not in response.headers
