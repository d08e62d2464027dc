"""What the API's processes and the engines build from their configuration,
once per process, and share between requests and migrations."""

from glint_service.clouds import access
from glint_service.clouds import local_keystone
from glint_service.clouds import outbound
from glint_service.clouds import trusts
from glint_service.conf import database as database_conf
from glint_service import crypto
from glint_service.db import api as db_api


class Services(object):
    """The configuration, the vault, the database and the sessions."""

    def __init__(self, conf):
        self.conf = conf
        self.vault = crypto.Vault.from_key_file(conf.crypto.key_file)
        self.db = db_api.Database(database_conf.connection_url(conf))
        self.db.check_schema()
        self.outbound = outbound.Guard(conf)
        self.remote_sessions = access.RemoteSessions(self.outbound)
        self._service_session = None
        # What each target cloud's Glance hashes with, as its last copy
        # showed: learned by the runs of migrations (see engine.runner).
        self.target_hash_algorithms = {}
        # What the local Keystone's version discovery found, shared by the
        # callers' and the trusts' sessions so that it is asked once per
        # process, not once per request or migration.
        self._discovery_cache = {}

    def service_session(self):
        """Glint's own login to the local Keystone, made once, kept fresh.

        Made on first use: [keystone_authtoken] is read then, once.
        """
        if self._service_session is None:
            self._service_session = local_keystone.service_session(
                local_keystone.service_user(self.conf),
                self.conf.remote_clouds.timeout)
        return self._service_session

    def user_session(self, user_auth):
        """A session on the local cloud as a caller (see local_keystone)."""
        return local_keystone.user_session(user_auth,
                                           self.conf.remote_clouds.timeout,
                                           self._discovery_cache)

    def trust_session(self, trust_id):
        """A session on the local cloud through a migration's trust."""
        return trusts.session(self.service_session(), trust_id,
                              self.conf.remote_clouds.timeout,
                              self._discovery_cache)
