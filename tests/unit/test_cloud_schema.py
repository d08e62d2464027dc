"""The rules of a remote cloud's fields, and how it is stored and shown."""

import datetime
import types

import pytest

from glint_service.api.schemas import clouds as cloud_schema
from glint_service.clouds import credentials
from glint_service import exception
from glint_service import views

PASSWORD_BODY = {'name': 'cern', 'auth_url': 'https://k.invalid:5000/v3',
                 'username': 'alice', 'password': 's3cret',
                 'project_name': 'hep'}
APP_CRED_BODY = {'name': 'ral', 'auth_url': 'https://k.invalid/v3',
                 'auth_type': 'v3applicationcredential',
                 'application_credential_id': 'abc',
                 'application_credential_secret': 'sesame'}


def field_error(body, merge_into=None):
    with pytest.raises(exception.InvalidField) as raised:
        if merge_into is None:
            cloud_schema.complete(body)
        else:
            cloud_schema.merge(merge_into, body)
    return str(raised.value)


def test_defaults_are_filled_in():
    spec = cloud_schema.complete(PASSWORD_BODY)
    assert spec['auth_type'] == 'password'
    assert spec['interface'] == 'public'
    assert spec['verify'] is True
    assert spec['region_name'] is None
    assert spec['user_domain_name'] == 'Default'
    assert spec['project_domain_name'] == 'Default'


def test_ids_instead_of_names_get_no_default_names():
    body = dict(PASSWORD_BODY, user_domain_id='d1', project_id='p1')
    del body['project_name']
    spec = cloud_schema.complete(body)
    assert 'user_domain_name' not in spec
    assert 'project_domain_name' not in spec


def test_application_credential_needs_no_project():
    spec = cloud_schema.complete(APP_CRED_BODY)
    assert 'username' not in spec


@pytest.mark.parametrize('change,message', [
    ({'name': None}, 'name: is required'),
    ({'auth_url': 'https://k.invalid:port/v3'}, 'auth_url: has an invalid'),
    ({'auth_url': 'https://k.invalid/v3?x=1'}, 'auth_url: must not have a q'),
    ({'auth_url': 'file:///etc/passwd'}, 'auth_url: must be an http'),
    ({'region_name': 5}, 'region_name: must be a string or null'),
    ({'user_domain_id': 'd', 'user_domain_name': 'D'},
     'user_domain_name: give user_domain_name or user_domain_id'),
    ({'application_credential_secret': 'x'},
     'application_credential_secret: is not used with auth_type password'),
    ({'username': None}, 'username: is required with auth_type password'),
    ({'name': 'two\nlines'}, 'name: must be printable text'),
    ({'name': 'rtl\u202eoverride'}, 'name: must be printable text'),
    ({'name': 'cern '}, 'name: must not begin or end with white space'),
])
def test_bad_fields_are_named(change, message):
    body = dict(PASSWORD_BODY)
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    assert field_error(body).startswith(message)


def test_a_name_in_any_script_is_fine():
    spec = cloud_schema.complete(dict(PASSWORD_BODY, name='CERN Météo 雲 2'))
    assert spec['name'] == 'CERN Météo 雲 2'


def test_a_wrong_type_never_echoes_the_value():
    message = field_error(dict(PASSWORD_BODY, password=987654321))
    assert message == 'password: must be a string or null'
    assert '987654321' not in message


def test_merge_keeps_the_stored_secret():
    stored = cloud_schema.complete(PASSWORD_BODY)
    merged = cloud_schema.merge(stored, {'name': 'cern-2'})
    assert merged['password'] == 's3cret'
    assert not cloud_schema.connection_changed(stored, merged)


def test_merge_of_a_connection_field_asks_for_a_new_check():
    stored = cloud_schema.complete(PASSWORD_BODY)
    assert cloud_schema.connection_changed(
        stored, cloud_schema.merge(stored, {'password': 'new'}))
    assert cloud_schema.connection_changed(
        stored, cloud_schema.merge(stored, {'region_name': 'RegionTwo'}))


def test_merge_by_id_replaces_the_stored_name():
    stored = cloud_schema.complete(PASSWORD_BODY)
    merged = cloud_schema.merge(stored, {'project_id': 'p1'})
    assert merged['project_id'] == 'p1'
    assert 'project_name' not in merged


def test_merge_to_another_auth_type_drops_the_old_fields():
    stored = cloud_schema.complete(PASSWORD_BODY)
    patch = {k: v for k, v in APP_CRED_BODY.items() if k != 'name'}
    merged = cloud_schema.merge(stored, patch)
    assert 'username' not in merged and 'password' not in merged
    assert merged['application_credential_secret'] == 'sesame'


def test_merge_to_another_auth_type_needs_its_fields():
    stored = cloud_schema.complete(PASSWORD_BODY)
    message = field_error({'auth_type': 'v3applicationcredential',
                           'application_credential_secret': 's'},
                          merge_into=stored)
    assert message.startswith('application_credential_id: is required')


@pytest.mark.parametrize('change', [
    {'auth_url': 'https://elsewhere.invalid/v3'},
    {'verify': False},
    {'cacert': None, 'verify': False},
    {'auth_type': 'v3applicationcredential',
     'application_credential_id': 'x'},
])
def test_sending_the_secret_elsewhere_needs_it_again(change):
    stored = cloud_schema.complete(PASSWORD_BODY)
    secret = ('application_credential_secret' if 'auth_type' in change
              else 'password')
    message = field_error(change, merge_into=stored)
    assert message.startswith('%s: must be given again to change' % secret)
    given = dict(change, **{secret: 'again'})
    assert cloud_schema.merge(stored, given)[secret] == 'again'


def test_renaming_or_a_new_region_keeps_the_stored_secret():
    stored = cloud_schema.complete(PASSWORD_BODY)
    merged = cloud_schema.merge(stored, {'name': 'new', 'region_name': 'R2',
                                         'auth_url': stored['auth_url']})
    assert merged['password'] == stored['password']


def test_stored_secrets_are_sealed_and_never_shown(vault):
    spec = cloud_schema.complete(PASSWORD_BODY)
    row = credentials.to_row(spec, vault)
    assert 's3cret' not in str(row)
    now = datetime.datetime(2026, 11, 21, 12, 0, 0)
    cloud = types.SimpleNamespace(
        id='c1', project_id='p', created_by='u', image_endpoint='https://g',
        created_at=now, updated_at=now, credentials_refused_at=None,
        credentials_refused_reason=None, **row)
    assert credentials.from_row(cloud, vault) == spec
    shown = views.cloud(cloud)
    assert 's3cret' not in str(shown)
    assert shown['created_at'] == '2026-11-21T12:00:00Z'
    assert shown['username'] == 'alice'


def test_remote_project_id_is_shown_apart_from_the_owner(vault):
    body = dict(PASSWORD_BODY, project_id='remote-p')
    del body['project_name']
    row = credentials.to_row(cloud_schema.complete(body), vault)
    now = datetime.datetime(2026, 11, 21)
    cloud = types.SimpleNamespace(
        id='c1', project_id='owner-p', created_by='u', image_endpoint='g',
        created_at=now, updated_at=now, credentials_refused_at=None,
        credentials_refused_reason=None, **row)
    shown = views.cloud(cloud)
    assert shown['project_id'] == 'owner-p'
    assert shown['remote_project_id'] == 'remote-p'
