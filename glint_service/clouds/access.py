"""The Glance of a cloud of the project, as the project's user reaches it.

The local cloud is reached with the caller's token during a request, and
through the migration's Keystone trust in the engine; a remote cloud with
the credentials stored for it, through a session kept while the cloud is
unchanged, so that its token serves many requests and migrations.
"""

import collections
import threading
import time

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from oslo_log import log as logging

from glint_service import clouds
from glint_service.clouds import credentials
from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service.clouds import remote_keystone
from glint_service import exception

LOG = logging.getLogger(__name__)

# Seconds between two looks for the sessions of deleted clouds.
PRUNE_INTERVAL = 10
# Sessions kept at most, the least recently used dropped first: each holds
# a token, its connections and maybe a CA file.
MAX_SESSIONS = 256


class RemoteSessions(object):
    """One keystoneauth session per remote cloud, as long as it is unchanged.

    A session re-authenticates by itself when its token runs out; a change of
    the cloud (its ``updated_at``) gives it a new one. A session dropped
    here may still serve a request or a transfer under way: it lasts, CA
    file and all, until they end (see remote_keystone.RemoteSession).
    """

    def __init__(self, guard, max_sessions=MAX_SESSIONS):
        self.guard = guard
        self.max_sessions = max_sessions
        self._sessions = collections.OrderedDict()
        self._lock = threading.Lock()
        self._kept_at = time.monotonic()

    def get(self, cloud, vault, db=None):
        """The session of a stored cloud, and its spec.

        With ``db``, its logins mark it as refused or clear the mark (see
        Listener), and its refresh token is exchanged as StoredRefreshToken
        does.
        """
        version = (cloud.id, cloud.updated_at)
        with self._lock:
            remote = self._sessions.get(cloud.id)
            if remote is None or remote[0] != version:
                spec = credentials.from_row(cloud, vault)
                remote = (version, stored_session(cloud, spec, self.guard,
                                                  vault, db), spec)
                self._sessions[cloud.id] = remote
            self._sessions.move_to_end(cloud.id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            return remote[1].session, remote[2]

    def forget(self, cloud_id):
        """Drop a deleted cloud's session: its secrets leave memory.

        At once, unless a request or a transfer under way still uses it.
        """
        with self._lock:
            self._sessions.pop(cloud_id, None)

    def keep(self, cloud_ids):
        """Drop the sessions of clouds not in ``cloud_ids`` (deleted)."""
        with self._lock:
            gone = [c for c in self._sessions if c not in cloud_ids]
            self._kept_at = time.monotonic()
        for cloud_id in gone:
            self.forget(cloud_id)

    def keep_existing(self, db, interval=PRUNE_INTERVAL):
        """Drop the sessions of clouds deleted meanwhile, through any process.

        At most once per ``interval`` seconds: a deleted cloud's secret
        leaves the memory of a process that does not run a loop of its own
        (an API process) at its next use of a remote cloud after that.
        """
        with self._lock:
            if time.monotonic() - self._kept_at < interval:
                return
            self._kept_at = time.monotonic()
        self.keep(db.cloud_ids())


def stored_session(cloud, spec, guard, vault, db=None):
    """A RemoteSession of a stored cloud (see RemoteSessions.get)."""
    if db is None:
        return remote_keystone.RemoteSession(spec, guard)
    return remote_keystone.RemoteSession(
        spec, guard, StoredRefreshToken(db, vault, cloud.id, guard),
        Listener(db, cloud.id, cloud.updated_at))


class Listener(object):
    """Marks a stored cloud as refused, or clears the mark, at each login.

    Only the cloud as it was when its session was made (``updated_at``):
    credentials replaced meanwhile are neither marked nor cleared.
    """

    def __init__(self, db, cloud_id, updated_at):
        self.db = db
        self.cloud_id = cloud_id
        self.updated_at = updated_at

    def refused(self, reason):
        LOG.warning('Remote cloud %s refused its credentials: %s',
                    self.cloud_id, reason)
        self.db.mark_credentials_refused(self.cloud_id, self.updated_at,
                                         reason)

    def accepted(self):
        self.db.clear_credentials_refused(self.cloud_id, self.updated_at)


class StoredRefreshToken(object):
    """The refresh token of a stored cloud, exchanged by one process at once.

    A provider that rotates refresh tokens may detect a rotated token used
    twice and revoke them all: two engines (or an API process and an
    engine) logging in to the same cloud at the same moment must not both
    exchange the token they read. So each exchange holds a lease on the
    cloud's row (the database's clock), reads the token as it is then
    (another process may have rotated it), exchanges it, and stores the
    rotated one back before it lets go. A process that finds the lease
    taken waits for it, then exchanges the token as the other left it.
    """

    def __init__(self, db, vault, cloud_id, guard):
        self.db = db
        self.vault = vault
        self.cloud_id = cloud_id
        # Discovery and the exchange itself, each within its deadline.
        self.lease_seconds = 3 * guard.deadline
        self.wait_seconds = self.lease_seconds + guard.deadline

    def exchange(self, exchange):
        until = self._lease()
        try:
            sealed = self.db.cloud_secrets(self.cloud_id)
            if sealed is None:
                raise outbound.Refused('the remote cloud was deleted')
            secrets = self.vault.decrypt(sealed)
            access_token, rotated = exchange(secrets['refresh_token'])
            if rotated and rotated != secrets['refresh_token']:
                secrets['refresh_token'] = rotated
                if not self.db.replace_secrets(
                        self.cloud_id, sealed, self.vault.encrypt(secrets)):
                    # Replaced by a request meanwhile: those stand.
                    LOG.info('Remote cloud %s: its credentials were '
                             'replaced during a refresh', self.cloud_id)
            return access_token
        finally:
            self.db.release_refresh_lease(self.cloud_id, until)

    def _lease(self):
        deadline = time.monotonic() + self.wait_seconds
        while True:
            until = self.db.take_refresh_lease(self.cloud_id,
                                               self.lease_seconds)
            if until is not None:
                return until
            if time.monotonic() > deadline:
                raise outbound.Refused(
                    'another Glint process was exchanging the refresh '
                    'token of this cloud and did not finish in time')
            time.sleep(LEASE_POLL_SECONDS)


# How often a process waiting for another's refresh looks again.
LEASE_POLL_SECONDS = 0.2


class CloudRefused(credentials.Refused, exception.Conflict):
    """A cloud marked as refusing its credentials: not logged in to again.

    In a request, a 409 saying so; in a migration, the target's error.
    """


def refused_reason(cloud):
    """Why a stored cloud cannot be used until its credentials change."""
    return ('its credentials were refused at %s (%s): give it new ones '
            '(openstack glint cloud set) or check it again once they are '
            'valid (openstack glint cloud check)'
            % (views_time(cloud.credentials_refused_at),
               cloud.credentials_refused_reason))


def views_time(when):
    return when.strftime('%Y-%m-%d %H:%M:%S UTC')


def local_glance(services, session):
    local = services.conf.local_cloud
    return glance.Glance(session, local.interface, local.region_name)


def remote_glance(services, cloud_id, project_id):
    services.remote_sessions.keep_existing(services.db)
    cloud = services.db.get_cloud(cloud_id, project_id)
    if cloud.credentials_refused_at is not None:
        # Not tried again with what it refused: a revoked secret retried
        # may lock the account. A check or new credentials clear it.
        raise CloudRefused('remote cloud %s cannot be used: %s'
                           % (cloud_id, refused_reason(cloud)))
    session, spec = services.remote_sessions.get(cloud, services.vault,
                                                 services.db)
    return glance.Glance(session, spec['interface'], spec['region_name'],
                         max_pages=services.outbound.max_listing_pages,
                         max_bytes=services.outbound.max_listing_bytes)


def token_glance(services, token):
    """The local cloud's Glance with a caller's token, and no catalog.

    The Glance's endpoint is found in Glint's own catalog; the token goes
    to that Glance alone, which checks it.
    """
    local = services.conf.local_cloud
    endpoint = services.service_session().get_endpoint(
        service_type='image', interface=local.interface,
        region_name=local.region_name)
    session = ks_session.Session(
        auth=token_endpoint.Token(endpoint, token),
        timeout=services.conf.remote_clouds.timeout)
    return glance.Glance(session, local.interface, local.region_name)


def callers_glance(services, context, cloud_id):
    """During a request: the local cloud with the caller's own token."""
    if cloud_id == clouds.LOCAL:
        return local_glance(services, services.user_session(context.user_auth))
    return remote_glance(services, cloud_id, context.project_id)


class NoTrust(Exception):
    """A migration's trust is gone: it cannot reach the local cloud."""


class MigrationClouds(object):
    """The clouds of one migration, as the engine reaches them.

    The local cloud through the migration's Keystone trust, with one
    trust-scoped login for the whole migration (its source and its targets
    share it); a remote cloud with the credentials stored for it.
    """

    def __init__(self, services, migration):
        self.services = services
        self.migration = migration
        self._local = None
        self._lock = threading.Lock()

    def glance(self, cloud_id):
        if cloud_id != clouds.LOCAL:
            return remote_glance(self.services, cloud_id,
                                 self.migration.project_id)
        if self.migration.trust_id is None:
            # Without it, a login would be the service user's own, in its
            # own project: never one that acts for the migration's user.
            raise NoTrust('the trust that reaches the local cloud for this '
                          'migration is gone')
        with self._lock:
            if self._local is None:
                self._local = self.services.trust_session(
                    self.migration.trust_id)
        return local_glance(self.services, self._local)
