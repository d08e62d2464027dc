"""Builds Glint's WSGI app from a ConfigOpts, in plain Python."""

from keystonemiddleware import auth_token
from oslo_middleware import cors
from oslo_middleware import sizelimit

from glint_service.api import context
from glint_service.api import fault_wrap
from glint_service.api import policy
from glint_service.api import routes
from glint_service.api import util
from glint_service import exception
from glint_service import services as glint_services


def loadapp(conf):
    """The WSGI app for ``conf``.

    The cors filter, the fault wrapper, the body size limit, then
    auth_token for all but the open paths and CORS preflights, then the
    router. It starts no thread and keeps nothing between requests but its
    connections: migrations run in glint-engine.
    """
    services = glint_services.Services(conf)
    enforcer = policy.get_enforcer(conf)
    router = routes.Router()

    def set_context(environ, start_response):
        caller = context.RequestContext.from_environ(
            environ, enforcer=enforcer,
            user_auth=environ.get('keystone.token_auth'))
        if not caller.project_id:
            # Every resource is a project's: a token scoped to a domain or
            # the system must never stand for every project.
            raise exception.Forbidden('Glint needs a project-scoped token.')
        environ[util.CONTEXT_ENV] = caller
        return router(environ, start_response)

    authenticated = auth_token.AuthProtocol(
        set_context, {'oslo_config_config': conf})

    def glint(environ, start_response):
        environ[util.SERVICES_ENV] = services
        if is_preflight(environ):
            return answer_preflight(environ, start_response)
        path = environ.get('PATH_INFO', '').rstrip('/') or '/'
        if routes.is_open(path):
            return router(environ, start_response)
        return authenticated(environ, start_response)

    # Bodies larger than [oslo_middleware] max_request_body_size: 413,
    # but for image data.
    limited = sizelimit.RequestBodySizeLimiter(glint,
                                               {'oslo_config_config': conf})

    def limit_bodies(environ, start_response):
        if routes.streams_body(environ):
            return glint(environ, start_response)
        return limited(environ, start_response)

    # Outermost, so that every answer, errors included, says which pages
    # ([cors] allowed_origin) may read it.
    return cors.CORS(fault_wrap.FaultWrapper(chunked_input(limit_bodies,
                                                           uwsgi_module())),
                     conf)


def is_preflight(environ):
    """Whether the request is a browser's CORS preflight."""
    return (environ.get('REQUEST_METHOD') == 'OPTIONS'
            and 'HTTP_ORIGIN' in environ
            and 'HTTP_ACCESS_CONTROL_REQUEST_METHOD' in environ)


def answer_preflight(environ, start_response):
    """An empty 200, without a token: a browser sends none with a preflight.

    The cors filter adds what the page's origin may send, if it may send
    anything; without those headers the browser sends nothing.
    """
    start_response('200 OK', [('Content-Length', '0')])
    return []


def uwsgi_module():
    """uWSGI's own module when running under uWSGI, else None."""
    try:
        import uwsgi
    except ImportError:
        return None
    return uwsgi


def chunked_input(app, uwsgi):
    """Chunked request bodies as wsgi.input, under uWSGI too.

    uWSGI gives them only through ``uwsgi.chunked_read`` (its HTTP router
    with ``http-chunked-input``), as Glance reads them; elsewhere, and for
    bodies of a known length, ``app`` is called as it is.
    """
    if uwsgi is None:
        return app

    def read_chunks(environ, start_response):
        if environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
            environ['wsgi.input'] = ChunkedInput(uwsgi.chunked_read)
            environ['wsgi.input_terminated'] = True
        return app(environ, start_response)

    return read_chunks


class ChunkedInput(object):
    """A file of the chunks ``read_chunk()`` gives until it gives none."""

    def __init__(self, read_chunk):
        self._read_chunk = read_chunk
        self._pending = b''
        self._ended = False

    def read(self, size=-1):
        while not self._ended and (size is None or size < 0
                                   or len(self._pending) < size):
            chunk = self._read_chunk()
            if not chunk:
                self._ended = True
            self._pending += chunk or b''
        if size is None or size < 0:
            size = len(self._pending)
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def __iter__(self):
        while True:
            data = self.read(64 * 1024)
            if not data:
                return
            yield data
