"""Which login reaches each cloud of a migration, in the engine."""

import gc
import os
import types
from unittest import mock

import pytest

from glint_service import clouds
from glint_service.clouds import access
from glint_service.clouds import local_keystone
from glint_service.clouds import outbound
from glint_service.clouds import trusts


def services():
    conf = types.SimpleNamespace(
        local_cloud=types.SimpleNamespace(interface='public',
                                          region_name=None),
        remote_clouds=types.SimpleNamespace(timeout=15.0))
    service = types.SimpleNamespace(
        auth=types.SimpleNamespace(auth_url='http://keystone.invalid/v3'))
    return types.SimpleNamespace(
        conf=conf, service_session=lambda: service,
        user_session=lambda auth: local_keystone.user_session(auth, 15.0))


def migration(source=clouds.LOCAL):
    return types.SimpleNamespace(source=source, trust_id='trust-1',
                                 project_id='project-a')


def test_one_trust_login_serves_a_migrations_local_source_and_targets():
    made = []

    def trust_session(trust_id):
        made.append(trust_id)
        return trusts.session(
            services().service_session(), trust_id, 15.0)

    migration_clouds = access.MigrationClouds(
        types.SimpleNamespace(conf=services().conf,
                              trust_session=trust_session),
        migration())
    first = migration_clouds.glance(clouds.LOCAL)
    second = migration_clouds.glance(clouds.LOCAL)
    assert made == ['trust-1']
    assert first.session is second.session
    assert first.session.auth.trust_id == 'trust-1'


def test_a_remote_cloud_uses_its_stored_credentials():
    migration_clouds = access.MigrationClouds(services(), migration())
    with mock.patch.object(access, 'remote_glance') as remote:
        glance = migration_clouds.glance('cloud-b')
    remote.assert_called_once_with(mock.ANY, 'cloud-b', 'project-a')
    assert glance is remote.return_value


def test_an_api_process_drops_deleted_clouds_sessions_now_and_then():
    sessions = access.RemoteSessions(guard=None)
    remote = {cloud_id: mock.Mock() for cloud_id in ('kept', 'gone')}
    sessions._sessions = {cloud_id: (None, session, {})
                          for cloud_id, session in remote.items()}
    db = mock.Mock()
    db.cloud_ids.return_value = {'kept'}
    # Not within the interval of the last look: the database is not asked.
    sessions.keep_existing(db, interval=3600)
    db.cloud_ids.assert_not_called()
    sessions.keep_existing(db, interval=0)
    assert list(sessions._sessions) == ['kept']


def test_a_clouds_ca_file_lasts_while_a_session_of_it_is_in_use(conf):
    """An edit of the cloud gives new sessions; the old one goes on."""
    vault = mock.Mock(**{'decrypt.return_value': {'password': 'p'}})
    cloud = types.SimpleNamespace(
        id='c1', updated_at=1, name='c', auth_url='https://192.0.2.1/v3',
        region_name=None, auth_type='password', interface='public',
        verify=True, cacert='-----BEGIN CERTIFICATE-----\n', auth={
            'username': 'u', 'project_name': 'p'}, sealed_secrets='x')
    sessions = access.RemoteSessions(outbound.Guard(conf))
    in_use, _ = sessions.get(cloud, vault)
    old_ca = in_use.verify
    cloud.updated_at = 2
    fresh, _ = sessions.get(cloud, vault)
    assert fresh.verify != old_ca
    assert os.path.exists(old_ca)
    del in_use
    gc.collect()
    assert not os.path.exists(old_ca)
    assert os.path.exists(fresh.verify)


def test_the_local_cloud_is_never_reached_without_the_trust():
    """Not with the service user's own login, in its own project."""
    made = []
    gone = types.SimpleNamespace(source=clouds.LOCAL, trust_id=None,
                                 project_id='project-a')
    migration_clouds = access.MigrationClouds(
        types.SimpleNamespace(conf=services().conf, trust_session=made.append),
        gone)
    with pytest.raises(access.NoTrust):
        migration_clouds.glance(clouds.LOCAL)
    assert made == []


def test_the_sessions_kept_are_bounded_least_recently_used_first(conf):
    vault = mock.Mock(**{'decrypt.return_value': {'password': 'p'}})

    def cloud(cloud_id):
        return types.SimpleNamespace(
            id=cloud_id, updated_at=1, name=cloud_id,
            auth_url='https://192.0.2.1/v3', region_name=None,
            auth_type='password', interface='public', verify=True,
            cacert=None, auth={'username': 'u', 'project_name': 'p'},
            sealed_secrets='x')

    sessions = access.RemoteSessions(outbound.Guard(conf), max_sessions=2)
    first, _ = sessions.get(cloud('a'), vault)
    sessions.get(cloud('b'), vault)
    assert sessions.get(cloud('a'), vault)[0] is first
    sessions.get(cloud('c'), vault)
    assert list(sessions._sessions) == ['a', 'c']
