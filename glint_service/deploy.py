"""Builds Glint's WSGI app from a ConfigOpts, in plain Python."""

from keystonemiddleware import auth_token
from oslo_middleware import sizelimit

from glint_service import context
from glint_service import fault_wrap
from glint_service import handler
from glint_service import state as glint_state
from glint_service import util


def loadapp(conf):
    """The WSGI app for ``conf``.

    The fault wrapper, the body size limit, then auth_token for all but
    the open paths, then the router. It starts no thread and keeps nothing
    between requests but its connections: migrations run in glint-engine.
    """
    state = glint_state.State(conf)
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
