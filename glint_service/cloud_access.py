"""The Glance of a cloud of the project, as the project's user reaches it.

The local cloud is reached with the caller's token while the request lasts,
and through the migration's Keystone trust after that; a remote cloud with the
credentials stored for it.
"""

from glint_service import cloud_spec
from glint_service import glance
from glint_service import keystone

LOCAL = 'local'


def local_glance(state, session):
    local = state.conf.local_cloud
    return glance.Glance(session, local.interface, local.region_name)


def remote_glance(state, cloud_id, project_id, stack):
    spec = cloud_spec.from_row(state.db.get_cloud(cloud_id, project_id),
                               state.vault)
    session = stack.enter_context(keystone.remote_session(
        spec, state.conf.remote_clouds.timeout))
    return glance.Glance(session, spec['interface'], spec['region_name'])


def callers_glance(state, context, cloud_id, stack):
    """During a request: the local cloud with the caller's own token."""
    if cloud_id == LOCAL:
        return local_glance(state, keystone.user_session(
            state.conf, context.auth_token, context.project_id,
            state.conf.remote_clouds.timeout))
    return remote_glance(state, cloud_id, context.project_id, stack)


def trusted_glance(state, migration, cloud_id, stack):
    """After the request: the local cloud through the migration's trust."""
    if cloud_id == LOCAL:
        return local_glance(state, keystone.trust_session(
            state.conf, migration.trust_id,
            state.conf.remote_clouds.timeout))
    return remote_glance(state, cloud_id, migration.project_id, stack)
