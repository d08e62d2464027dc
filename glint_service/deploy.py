"""Builds Glint's WSGI app from a ConfigOpts, in plain Python."""

from keystonemiddleware import auth_token
from oslo_middleware import sizelimit

from glint_service import cloud_access
from glint_service.conf import database as database_conf
from glint_service import context
from glint_service import crypto
from glint_service.db import api as db_api
from glint_service import fault_wrap
from glint_service import handler
from glint_service import local_keystone
from glint_service import outbound
from glint_service import policy
from glint_service import util
from glint_service import workers


class State(object):
    """What the handlers share: the config and the services built from it."""

    def __init__(self, conf):
        self.conf = conf
        self.vault = crypto.Vault.from_key_file(conf.crypto.key_file)
        self.db = db_api.Database(database_conf.connection_url(conf))
        self.db.check_schema()
        self.enforcer = policy.get_enforcer(conf)
        self.outbound = outbound.Rules(conf)
        self.remote_sessions = cloud_access.RemoteSessions(self.outbound)
        self.workers = workers.Workers(self)
        self._service_session = None
        # What the local Keystone's version discovery found, shared by the
        # callers' sessions so that it is asked once, not once per request.
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


def loadapp(conf, start_workers=True):
    """The WSGI app for ``conf``.

    The fault wrapper, the body size limit, then auth_token for all but
    the open paths, then the router.
    """
    state = State(conf)
    if start_workers:
        state.workers.start()
    router = handler.Router()

    def set_context(environ, start_response):
        environ[util.CONTEXT_ENV] = context.RequestContext.from_environ(
            environ, enforcer=state.enforcer,
            user_auth=environ.get('keystone.token_auth'))
        return router(environ, start_response)

    authenticated = auth_token.AuthProtocol(
        set_context, {'oslo_config_config': conf})

    def glint(environ, start_response):
        environ[util.STATE_ENV] = state
        path = environ.get('PATH_INFO', '').rstrip('/') or '/'
        if path in handler.OPEN_PATHS:
            return router(environ, start_response)
        return authenticated(environ, start_response)

    # Bodies larger than [oslo_middleware] max_request_body_size: 413.
    return fault_wrap.FaultWrapper(sizelimit.RequestBodySizeLimiter(
        glint, {'oslo_config_config': conf}))
