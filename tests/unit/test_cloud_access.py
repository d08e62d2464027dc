"""Which login reaches a migration's source."""

import datetime
import types
from unittest import mock

from keystoneauth1 import access
from keystoneauth1 import fixture
from keystonemiddleware.auth_token import _user_plugin

from glint_service import cloud_access
from glint_service import local_keystone


def caller(seconds_left):
    expires = (datetime.datetime.now(datetime.timezone.utc)
               + datetime.timedelta(seconds=seconds_left))
    token = fixture.V3Token(expires=expires.replace(tzinfo=None),
                            project_id='project-a', user_id='user-a')
    return _user_plugin.UserAuthPlugin(
        access.create(body=token, auth_token='caller-token'), None)


def state():
    conf = types.SimpleNamespace(
        local_cloud=types.SimpleNamespace(interface='public',
                                          region_name=None),
        remote_clouds=types.SimpleNamespace(timeout=15.0))
    service = types.SimpleNamespace(
        auth=types.SimpleNamespace(auth_url='http://keystone.invalid/v3'))
    return types.SimpleNamespace(
        conf=conf, service_session=lambda: service,
        user_session=lambda auth: local_keystone.user_session(auth, 15.0))


def migration(source=cloud_access.LOCAL):
    return types.SimpleNamespace(source=source, trust_id='trust-1',
                                 project_id='project-a')


def test_a_local_source_is_opened_with_a_good_caller_token():
    user = caller(3600)
    glance = cloud_access.source_glance(state(), migration(), user)
    assert glance.session.auth is user


def test_a_caller_token_about_to_expire_gives_way_to_the_trust():
    glance = cloud_access.source_glance(state(), migration(), caller(30))
    assert glance.session.auth.trust_id == 'trust-1'


def test_without_a_caller_the_trust_is_used():
    glance = cloud_access.source_glance(state(), migration(), None)
    assert glance.session.auth.trust_id == 'trust-1'


def test_a_remote_source_uses_its_stored_credentials():
    with mock.patch.object(cloud_access, 'remote_glance') as remote:
        glance = cloud_access.source_glance(state(), migration('cloud-b'),
                                            caller(3600))
    remote.assert_called_once_with(mock.ANY, 'cloud-b', 'project-a')
    assert glance is remote.return_value
