"""The Glance of a cloud of the project, as the project's user reaches it.

The local cloud is reached with the caller's token while the request lasts
(and to open a migration's source right after it), and through the
migration's Keystone trust after that; a remote cloud with the
credentials stored for it, through a session kept while the cloud is
unchanged, so that its token serves many requests and migrations.
"""

import threading

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from glint_service import cloud_spec
from glint_service import glance
from glint_service import local_keystone
from glint_service import remote_keystone

LOG = logging.getLogger(__name__)

LOCAL = 'local'

# A caller's token is used after the request only if it is good for this many
# seconds yet: what it is used for starts at once (a download, which Glance
# checks only when it starts; the deletion of a trust).
CALLER_TOKEN_MARGIN = 60


class RemoteSessions(object):
    """One keystoneauth session per remote cloud, as long as it is unchanged.

    A session re-authenticates by itself when its token runs out; a change of
    the cloud (its ``updated_at``) gives it a new one.
    """

    def __init__(self, rules):
        self.rules = rules
        self._sessions = {}
        self._lock = threading.Lock()

    def get(self, cloud, vault):
        version = (cloud.id, cloud.updated_at)
        with self._lock:
            remote = self._sessions.get(cloud.id)
            if remote is None or remote[0] != version:
                if remote is not None:
                    remote[1].close()
                spec = cloud_spec.from_row(cloud, vault)
                remote = (version,
                          remote_keystone.RemoteSession(spec, self.rules),
                          spec)
                self._sessions[cloud.id] = remote
            return remote[1].session, remote[2]

    def forget(self, cloud_id):
        """Drop a deleted cloud's session: its secrets leave memory."""
        with self._lock:
            remote = self._sessions.pop(cloud_id, None)
        if remote is not None:
            remote[1].close()

    def keep(self, cloud_ids):
        """Drop the sessions of clouds not in ``cloud_ids`` (deleted)."""
        with self._lock:
            gone = [c for c in self._sessions if c not in cloud_ids]
        for cloud_id in gone:
            self.forget(cloud_id)


def local_glance(state, session):
    local = state.conf.local_cloud
    return glance.Glance(session, local.interface, local.region_name)


def remote_glance(state, cloud_id, project_id):
    cloud = state.db.get_cloud(cloud_id, project_id)
    session, spec = state.remote_sessions.get(cloud, state.vault)
    return glance.Glance(session, spec['interface'], spec['region_name'],
                         max_pages=state.outbound.max_listing_pages)


def callers_glance(state, context, cloud_id):
    """During a request: the local cloud with the caller's own token."""
    if cloud_id == LOCAL:
        return local_glance(state, state.user_session(context.user_auth))
    return remote_glance(state, cloud_id, context.project_id)


def trusted_glance(state, migration, cloud_id):
    """After the request: the local cloud through the migration's trust."""
    if cloud_id == LOCAL:
        return local_glance(state, local_keystone.trust_session(
            state.service_session(), migration.trust_id,
            state.conf.remote_clouds.timeout))
    return remote_glance(state, cloud_id, migration.project_id)


def callers_session(state, caller):
    """A session with ``caller``'s token, or None if it is about to expire.

    ``caller`` is the auth of the user who has just asked for a migration
    (``context.user_auth``), handed to the worker that runs it, or None.
    """
    if caller is None or caller.user.will_expire_soon(CALLER_TOKEN_MARGIN):
        return None
    return state.user_session(caller)


def delete_trust(state, session, migration):
    """Delete a migration's trust with ``session``, its trustor's.

    Keystone lets only the trustor delete a trust, and not through the
    trust: without a session (such as callers_session's, once the caller's
    token is about to expire) the trust stays until the trustor next lists
    migrations (see delete_trusts_left), or until it expires ([migrations]
    trust_lifetime). One deleted already is fine; any other failure is
    logged, and the trust expires by itself.
    """
    if migration.trust_id is None or session is None:
        return
    try:
        local_keystone.delete_trust(session, migration.trust_id)
    except ks_exc.NotFound:
        pass
    except Exception as error:
        LOG.warning('Migration %s: its trust was not deleted (%s); it '
                    'expires by itself', migration.id, type(error).__name__)
        return
    state.db.forget_trust(migration.id)


# Trusts of ended migrations deleted at most per request of their trustor.
TRUSTS_PER_REQUEST = 5


def delete_trusts_left(state, context):
    """Delete the trusts the caller gave for migrations that have ended.

    Such as those of migrations that ended after the caller's token had
    expired, or in another process: only the trustor may delete a trust,
    so it goes when the trustor next comes.
    """
    migrations = state.db.ended_migrations_with_trusts(context.user_id,
                                                       TRUSTS_PER_REQUEST)
    if migrations:
        session = state.user_session(context.user_auth)
        for migration in migrations:
            delete_trust(state, session, migration)


def source_glance(state, migration, caller=None):
    """A migration's source, to read its data from right away.

    A local source is opened with the caller's token while it is good (see
    callers_session); else as trusted_glance does.
    """
    if migration.source == LOCAL:
        session = callers_session(state, caller)
        if session is not None:
            return local_glance(state, session)
    return trusted_glance(state, migration, migration.source)
