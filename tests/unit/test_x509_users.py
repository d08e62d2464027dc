"""/v1/x509/users: the admin's certificate users, Keystone's side mocked.

What Keystone does with them (the identity provider's mapping, the local
user, its role) is glint_service.clouds.federation's, tested with the real
Keystone; here: the policy, the body, the answers.
"""

from unittest import mock
import urllib.parse

import pytest

from glint_service.clouds import federation
from glint_service import dn
from glint_service import exception
from glint_service import services as glint_services
from tests.unit import test_app

ADMIN = ('admin', 'member', 'reader')
DN = 'CN=Alice Smith,OU=Physics,O=CERN,C=CH'
ISSUER = 'CN=CERN Grid CA,O=CERN,C=CH'
BODY = {'dn': DN, 'issuer': ISSUER, 'project': 'hep'}
USER = {'id': 'u1', 'dn': DN, 'issuer': ISSUER,
        'identity_provider': 'x509-cern', 'user_name': 'alice',
        'project_id': 'p-hep', 'role': 'member'}
error_of = test_app.error_of


@pytest.fixture
def keystone():
    """Keystone's side: federation and the project look-up, mocked."""
    with mock.patch.object(federation, 'add_user',
                           return_value=dict(USER)) as add, \
            mock.patch.object(federation, 'list_users',
                              return_value=[dict(USER)]) as listed, \
            mock.patch.object(federation, 'remove_user') as remove:
        yield mock.Mock(add_user=add, list_users=listed, remove_user=remove)


def test_an_admin_adds_a_dn_and_gets_the_record(app, tokens, keystone):
    response = app('POST', '/v1/x509/users', dict(BODY, name='alice'),
                   tokens(ADMIN))
    assert response.status_int == 201, response.text
    assert response.json == USER
    assert response.headers['Location'].endswith('/v1/x509/users/u1')
    keystone.add_user.assert_called_once_with(
        mock.ANY, DN, ISSUER, 'hep', role='member', name='alice')


def test_keystone_is_asked_with_the_callers_own_token(app, tokens, keystone):
    with mock.patch.object(glint_services.Services, 'user_session') as made:
        app('POST', '/v1/x509/users', BODY, tokens(ADMIN))
    made.assert_called_once()
    assert keystone.add_user.call_args[0][0] is made.return_value


def test_the_dns_are_given_to_keystone_as_dn_normalises_them(app, tokens,
                                                             keystone):
    with mock.patch.object(dn, 'normalise',
                           side_effect=lambda text, field: 'normal:' + text):
        response = app('POST', '/v1/x509/users', dict(BODY, role='reader'),
                       tokens(ADMIN))
    assert response.status_int == 201
    args, kwargs = keystone.add_user.call_args
    assert args[1:3] == ('normal:' + DN, 'normal:' + ISSUER)
    assert kwargs['role'] == 'reader'


def test_a_grid_users_oneline_dn_is_given_in_rfc4514(app, tokens, keystone):
    body = dict(BODY, dn='/C=CH/O=CERN/OU=Physics/CN=Alice Smith',
                issuer='/C=CH/O=CERN/CN=CERN Grid CA')
    assert app('POST', '/v1/x509/users', body,
               tokens(ADMIN)).status_int == 201
    assert keystone.add_user.call_args[0][1:3] == (DN, ISSUER)


def test_list_and_show(app, tokens, keystone):
    token = tokens(ADMIN)
    assert app('GET', '/v1/x509/users', token=token).json == {
        'users': [USER]}
    assert app('GET', '/v1/x509/users/u1', token=token).json == USER
    error = error_of(app('GET', '/v1/x509/users/u2', token=token), 404)
    assert error['detail'] == 'No certificate user has the id u2.'


def test_a_list_by_dn_compares_the_normalised_forms(app, tokens, keystone):
    other = dict(USER, id='u2', issuer='CN=Other CA,O=Elsewhere')
    keystone.list_users.return_value = [dict(USER), other]
    token = tokens(ADMIN)

    def listed(**query):
        path = '/v1/x509/users?' + urllib.parse.urlencode(query)
        return [u['id'] for u in app('GET', path, token=token).json['users']]

    def normalise(text, field):
        return text.replace('/', ',')

    with mock.patch.object(dn, 'normalise', side_effect=normalise):
        assert listed(dn=DN.replace(',', '/')) == ['u1', 'u2']
        assert listed(dn=DN, issuer='CN=Other CA/O=Elsewhere') == ['u2']
        assert listed(dn='CN=Bob') == []


@pytest.mark.parametrize('query, detail', [
    ('dn=nonsense', 'dn: not a distinguished name (DN): '),
    ('issuer=a&issuer=b', 'issuer: may be given once'),
])
def test_a_bad_query_is_400_naming_it(app, tokens, keystone, query, detail):
    error = error_of(app('GET', '/v1/x509/users?' + query,
                         token=tokens(ADMIN)), 400)
    assert error['detail'].startswith(detail)


def test_remove(app, tokens, keystone):
    response = app('DELETE', '/v1/x509/users/u1', token=tokens(ADMIN))
    assert response.status_int == 204
    assert keystone.remove_user.call_args[0][1] == 'u1'


def test_removing_an_unknown_user_is_404(app, tokens, keystone):
    keystone.remove_user.side_effect = exception.NotFound('No such user.')
    error_of(app('DELETE', '/v1/x509/users/u9', token=tokens(ADMIN)), 404)


@pytest.mark.parametrize('method, path, body', [
    ('GET', '/v1/x509/users', None),
    ('POST', '/v1/x509/users', BODY),
    ('GET', '/v1/x509/users/u1', None),
    ('DELETE', '/v1/x509/users/u1', None),
])
def test_only_an_admin_by_default(app, tokens, keystone, method, path, body):
    error = error_of(app(method, path, body, tokens()), 403)
    assert error['detail'].startswith('Policy does not allow glint:x509_')
    for call in (keystone.add_user, keystone.list_users,
                 keystone.remove_user):
        call.assert_not_called()


@pytest.mark.parametrize('body, detail', [
    ({'issuer': ISSUER, 'project': 'hep'}, 'dn: is required'),
    ({'dn': DN, 'project': 'hep'}, 'issuer: is required'),
    ({'dn': DN, 'issuer': ISSUER}, 'project: is required'),
    (dict(BODY, dn=''), 'dn: must not be empty'),
    (dict(BODY, dn=7), 'dn: must be a string'),
    (dict(BODY, dn='x' * 1025), 'dn: must be at most 1024 characters'),
    (dict(BODY, role=None), 'role: must be a string'),
    (dict(BODY, project=' hep'),
     'project: must not begin or end with white space'),
    (dict(BODY, name='ali\u0000ce'), 'name: must be printable text'),
    (dict(BODY, dn='CN=Alice\nSmith,O=CERN'), 'dn: must be printable text'),
    (dict(BODY, group='x'), 'group: is not a field of a certificate user'),
])
def test_bad_fields_are_named_and_nothing_is_asked(app, tokens, keystone,
                                                   body, detail):
    error = error_of(app('POST', '/v1/x509/users', body, tokens(ADMIN)), 400)
    assert error['detail'] == detail
    keystone.add_user.assert_not_called()


@pytest.mark.parametrize('field', ['dn', 'issuer'])
def test_a_dn_that_cannot_be_read_is_400_naming_it(app, tokens, keystone,
                                                   field):
    error = error_of(app('POST', '/v1/x509/users',
                         dict(BODY, **{field: 'no equals sign'}),
                         tokens(ADMIN)), 400)
    assert error['code'] == 'glint.invalid_dn'
    assert error['detail'].startswith(
        '%s: not a distinguished name (DN): ' % field)
    keystone.add_user.assert_not_called()


def test_a_body_that_is_not_an_object(app, tokens, keystone):
    error = error_of(app('POST', '/v1/x509/users', ['x'], tokens(ADMIN)),
                     400)
    assert error['detail'] == 'The body must be a JSON object.'


@pytest.mark.parametrize('refusal, status', [
    (exception.NotFound('No identity provider has the CA CN=X as its '
                        'remote id.'), 404),
    (exception.Conflict('This DN of this CA is added already.'), 409),
    (exception.InvalidField('project', 'no such project'), 400),
])
def test_keystones_refusals_are_answered_as_such(app, tokens, keystone,
                                                 refusal, status):
    keystone.add_user.side_effect = refusal
    error = error_of(app('POST', '/v1/x509/users', BODY, tokens(ADMIN)),
                     status)
    assert error['detail'] == refusal.detail
