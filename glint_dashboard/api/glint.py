"""The one module of the dashboard that talks to the Glint API.

It finds Glint's endpoint (service type ``image-distribution``) in the
user's catalog, calls it with the user's token through a keystoneauth
session, and returns wrapper objects. An error answer becomes one of
:mod:`glint_dashboard.exceptions`, carrying Glint's own detail. Tokens and
secrets are never logged.
"""

import logging

from django.conf import settings
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from glint_dashboard import exceptions
from glintclient import client
from openstack_dashboard.api import base

LOG = logging.getLogger(__name__)

SERVICE_TYPE = 'image-distribution'
TIMEOUT = 120
FINISHED = ('succeeded', 'partial', 'failed', 'cancelled')


class Cloud(base.APIDictWrapper):
    """A remote cloud, as Glint shows it (never a secret)."""


class Migration(base.APIDictWrapper):
    """A migration and its targets' progress."""

    @property
    def finished(self):
        return self.status in FINISHED


class ImageListing(object):
    """``GET /v1/images``: the clouds asked and one row per image."""

    def __init__(self, document):
        self.clouds = [base.APIDictWrapper(c) for c in document['clouds']]
        self.images = [Image(i) for i in document['images']]

    def find(self, key):
        for image in self.images:
            if image.key == key:
                return image
        raise exceptions.NotFound('This image is no longer listed.', 404)


class Image(base.APIDictWrapper):
    """A row of the cross-cloud list: one content, its copies, conflicts."""

    def copies_in(self, cloud_id):
        return [c for c in self.copies if c['cloud_id'] == cloud_id]


def _session(request, endpoint):
    insecure = getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False)
    cacert = getattr(settings, 'OPENSTACK_SSL_CACERT', None)
    auth = token_endpoint.Token(endpoint, request.user.token.id)
    return ks_session.Session(auth=auth, verify=False if insecure else
                              (cacert or True), timeout=TIMEOUT)


def _error(response):
    try:
        error = response.json()['errors'][0]
        message = error['detail']
        code = error.get('code')
    except (ValueError, KeyError, IndexError, TypeError):
        message = 'Glint answered %d %s' % (response.status_code,
                                            response.reason)
        code = None
    kind = {401: exceptions.Unauthorized,
            404: exceptions.NotFound}.get(response.status_code,
                                          exceptions.GlintError)
    return kind(message, response.status_code, code)


def _call(request, method, path, **kwargs):
    """Glint's JSON answer (None for 204), or a GlintError."""
    # keystoneauth's own request log would show the body, secrets and all.
    endpoint = base.url_for(request, SERVICE_TYPE).rstrip('/')
    try:
        response = _session(request, endpoint).request(
            endpoint + path, method, raise_exc=False, log=False, **kwargs)
    except ks_exceptions.ConnectionError as e:
        LOG.warning('Glint did not answer %s %s: %s', method, path, e)
        raise exceptions.GlintError('The Glint service did not answer.')
    LOG.debug('Glint %s %s: %d', method, path, response.status_code)
    if response.status_code >= 400:
        raise _error(response)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def cloud_list(request):
    return [Cloud(c) for c in _call(request, 'GET', '/v1/clouds')['clouds']]


def cloud_get(request, cloud_id):
    return Cloud(_call(request, 'GET', '/v1/clouds/%s' % cloud_id))


def cloud_create(request, fields):
    return Cloud(_call(request, 'POST', '/v1/clouds', json=fields))


def cloud_update(request, cloud_id, fields):
    return Cloud(_call(request, 'PATCH', '/v1/clouds/%s' % cloud_id,
                       json=fields))


def cloud_delete(request, cloud_id):
    _call(request, 'DELETE', '/v1/clouds/%s' % cloud_id)


def cloud_names(request):
    """Cloud id -> name, the local cloud included."""
    names = {client.LOCAL: client.LOCAL}
    names.update((c.id, c.name) for c in cloud_list(request))
    return names


def image_list(request, cloud_ids=None):
    params = {'cloud': list(cloud_ids)} if cloud_ids else None
    return ImageListing(_call(request, 'GET', '/v1/images', params=params))


def migration_list(request):
    return [Migration(m) for m in
            _call(request, 'GET', '/v1/migrations')['migrations']]


def migration_get(request, migration_id):
    return Migration(_call(request, 'GET',
                           '/v1/migrations/%s' % migration_id))


def migration_create(request, fields):
    return Migration(_call(request, 'POST', '/v1/migrations', json=fields))


def migration_delete(request, migration_id):
    """Cancel a queued or running migration, or forget a finished one."""
    _call(request, 'DELETE', '/v1/migrations/%s' % migration_id)
