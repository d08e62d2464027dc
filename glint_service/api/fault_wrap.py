"""The outermost middleware: one JSON error shape for every answer.

It gives each request its id, turns Glint's exceptions into their HTTP answer,
logs anything unexpected and answers 500, and rewrites the errors that
keystonemiddleware answers by itself (401, 503) into the same shape.
"""

import json
import urllib.parse
import uuid

from oslo_log import log as logging
import webob
import webob.exc

from glint_service.api import util
from glint_service import exception

LOG = logging.getLogger(__name__)

REQUEST_ID_ENV = 'openstack.request_id'
REQUEST_ID_HEADER = 'X-OpenStack-Request-ID'

# Codes for the errors that arrive from below Glint's own handlers.
_CODES = {401: 'glint.unauthorized', 413: 'glint.request_too_large',
          503: 'glint.service_unavailable'}
_DETAILS = {
    401: 'The request needs a valid X-Auth-Token from the local Keystone.',
    413: 'The request body is larger than Glint takes '
         '([oslo_middleware] max_request_body_size).',
    503: 'The local Keystone could not be reached to check the token.',
}
# Headers of such an answer that are kept when its body is rewritten.
_KEPT_HEADERS = ('WWW-Authenticate', 'Allow', 'Retry-After')


def error_response(status, code, title, detail, request_id, headers=None):
    body = {'errors': [{'status': status, 'code': code, 'title': title,
                        'detail': detail, 'request_id': request_id}]}
    return util.json_response(body, status, headers)


def response_for(error, request_id):
    return error_response(error.status, error.code, error.title,
                          error.detail, request_id, error.headers)


def internal_error(request_id):
    return error_response(
        500, 'glint.internal_error', 'Internal Server Error',
        'An unexpected error occurred; the service log has the details '
        'under this request id.', request_id)


class FaultWrapper(object):

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        request_id = 'req-%s' % uuid.uuid4()
        environ[REQUEST_ID_ENV] = request_id
        request = webob.Request(environ)
        try:
            _check_url_is_text(environ)
            response = request.get_response(self.application)
        except exception.GlintError as error:
            if error.status == 500:
                # Its detail is for the operator: it may name a file.
                LOG.error('%s %r failed (%s): %s', request.method,
                          environ.get('PATH_INFO'), request_id, error.detail)
                response = internal_error(request_id)
            else:
                response = response_for(error, request_id)
        except webob.exc.HTTPException as error:
            # Such as the body size limit's, raised while a body is read.
            response = error
        except Exception:
            LOG.exception('Unexpected error in %s %r (%s)',
                          request.method, environ.get('PATH_INFO'),
                          request_id)
            response = internal_error(request_id)
        if response.status_int >= 400 and not _in_glint_shape(response):
            response = _reshape(response, request_id)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response(environ, start_response)


def _check_url_is_text(environ):
    """BadRequest unless the path and the query are UTF-8 once unquoted.

    WSGI gives them as bytes in latin-1 strings; webob decodes them as
    UTF-8 when a handler reads them.
    """
    for key, name in (('PATH_INFO', 'path'), ('QUERY_STRING', 'query')):
        try:
            data = environ.get(key, '').encode('latin-1')
            if key == 'QUERY_STRING':
                data = urllib.parse.unquote_to_bytes(data)
            data.decode('utf-8')
        except UnicodeError:
            raise exception.BadRequest(
                'The %s of the URL is not UTF-8 text once unquoted.' % name)


def _in_glint_shape(response):
    if response.content_type != 'application/json':
        return False
    try:
        return 'errors' in json.loads(response.body)
    except ValueError:
        return False


def _reshape(response, request_id):
    status = response.status_int
    headers = {name: response.headers[name]
               for name in _KEPT_HEADERS if name in response.headers}
    return error_response(
        status, _CODES.get(status, 'glint.error'),
        response.status.split(' ', 1)[1],
        _DETAILS.get(status, response.status), request_id, headers)
