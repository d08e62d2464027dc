"""Glint's routes: one dict, path -> {method: handler}.

A handler takes a ``webob.Request`` and returns a ``webob.Response``; what it
needs (the context, the database, the policy) it finds on the request.
"""

import re

import webob.dec

from glint_service.api.handlers import clouds
from glint_service.api.handlers import images
from glint_service.api.handlers import migrations
from glint_service.api.handlers import root
from glint_service.api.handlers import x509_users
from glint_service import exception

ROUTES = {
    '/': {'GET': root.version_document},
    '/healthcheck': {'GET': root.healthcheck},
    '/v1/clouds': {
        'GET': clouds.list_clouds,
        'POST': clouds.create_cloud,
    },
    '/v1/clouds/{cloud_id}': {
        'GET': clouds.show_cloud,
        'PATCH': clouds.update_cloud,
        'DELETE': clouds.delete_cloud,
    },
    '/v1/clouds/{cloud_id}/check': {'GET': clouds.check_cloud},
    '/v1/clouds/{cloud_id}/images/{image_id}/file': {
        'GET': images.download_image,
    },
    '/v1/clouds/{cloud_id}/images/{image_id}/download_links': {
        'POST': images.create_download_link,
    },
    '/v1/downloads/{token}': {'GET': images.download_by_link},
    '/v1/images': {'GET': images.list_images},
    '/v1/migrations': {
        'GET': migrations.list_migrations,
        'POST': migrations.create_migration,
    },
    '/v1/migrations/{migration_id}': {
        'GET': migrations.show_migration,
        'DELETE': migrations.delete_migration,
    },
    '/v1/migrations/{migration_id}/file': {
        'PUT': migrations.upload_data,
    },
    '/v1/x509/users': {
        'GET': x509_users.list_x509_users,
        'POST': x509_users.create_x509_user,
    },
    '/v1/x509/users/{user_id}': {
        'GET': x509_users.show_x509_user,
        'DELETE': x509_users.delete_x509_user,
    },
}

# The paths answered without a token: a download link is its own.
OPEN_PATHS = ('/', '/healthcheck')
_OPEN_PATTERN = re.compile(r'^/v1/downloads/[^/]+/?$')


def is_open(path):
    """Whether a path is answered without a token."""
    return path in OPEN_PATHS or bool(_OPEN_PATTERN.match(path))


# The requests whose body is image data, streamed: not held to the size
# limit of the other bodies ([oslo_middleware] max_request_body_size).
_STREAMED_BODY = ('PUT', re.compile(r'^/v1/migrations/[^/]+/file/?$'))


def streams_body(environ):
    method, path = _STREAMED_BODY
    return (environ.get('REQUEST_METHOD') == method
            and bool(path.match(environ.get('PATH_INFO', ''))))


def _compile(template):
    pattern = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template)
    return re.compile('^%s/?$' % pattern if template != '/' else '^/$')


class Router(object):
    """Dispatches a request to its handler.

    The parts of the path are in ``request.urlvars``.
    """

    def __init__(self, routes=None):
        self.routes = [(_compile(path), methods)
                       for path, methods in (routes or ROUTES).items()]

    @webob.dec.wsgify
    def __call__(self, request):
        for pattern, methods in self.routes:
            match = pattern.match(request.path_info)
            if not match:
                continue
            handler = methods.get(request.method)
            if handler is None:
                raise exception.MethodNotAllowed(request.method,
                                                 sorted(methods))
            request.urlvars = match.groupdict()
            return handler(request)
        raise exception.NotFound('No resource at %s.' % request.path_info)
