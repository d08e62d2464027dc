"""The dashboard's one way to the Glint API: glintclient's Client.

The client is built on a keystoneauth session with the user's token, to
Glint's endpoint in the user's catalog (service type
``image-distribution``), once per request. The functions here return
wrapper objects, and turn glintclient's GlintError into one of
:mod:`glint_dashboard.exceptions`, carrying Glint's own detail, so that
Horizon shows it as a message. Tokens and secrets are never logged.

An upload's file is the one thing that does not pass through here: the
browser sends it to Glint itself (see :class:`Upload`).
"""

import functools
import logging

from django.conf import settings
from django.utils.translation import gettext as _
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

from glint_dashboard import exceptions
from glintclient import client
from glintclient import states
from horizon.utils import memoized
from openstack_dashboard.api import base

LOG = logging.getLogger(__name__)

TIMEOUT = 120


class Cloud(base.APIDictWrapper):
    """A remote cloud, as Glint shows it (never a secret)."""


class Migration(base.APIDictWrapper):
    """A migration and its targets' progress."""

    @property
    def finished(self):
        return self.status not in states.UNFINISHED


class Upload(Migration):
    """An upload awaiting its data, and where the user's browser sends it.

    As Horizon's ``ExternallyUploadedImage`` (its ``direct`` image upload
    mode): ``to_dict()`` adds ``upload_url`` (Glint's public endpoint) and
    ``token_id`` (the user's own token), which Horizon's modal form view
    answers the user's browser with (headers ``X-File-Upload-URL`` and
    ``X-Auth-Token``); the browser then PUTs the file there itself, and
    neither Horizon's server nor its memory sees the bytes. The token is no
    part of the migration the wrapper shows.
    """

    def __init__(self, apidict, upload_url, token_id):
        super().__init__(apidict)
        self.upload_url = upload_url
        self._token_id = token_id

    def to_dict(self):
        return dict(super().to_dict(), upload_url=self.upload_url,
                    token_id=self._token_id)


class X509User(base.APIDictWrapper):
    """A user who logs in with a certificate: its DNs, project and role.

    ``id`` is its Keystone user's.
    """


class ImageListing(object):
    """``GET /v1/images``: the clouds asked and one row per image."""

    def __init__(self, document):
        self.clouds = [base.APIDictWrapper(c) for c in document['clouds']]
        self.images = [Image(i) for i in document['images']]


class Image(base.APIDictWrapper):
    """A row of the cross-cloud list: one content, its copies, conflicts."""

    def copies_in(self, cloud_id):
        return [c for c in self.copies if c['cloud_id'] == cloud_id]


@memoized.memoized
def glintclient(request):
    """Glint's client with the user's token, one per request."""
    endpoint = base.url_for(request, client.SERVICE_TYPE)
    insecure = getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False)
    cacert = getattr(settings, 'OPENSTACK_SSL_CACERT', None)
    session = ks_session.Session(
        auth=token_endpoint.Token(endpoint, request.user.token.id),
        verify=False if insecure else (cacert or True), timeout=TIMEOUT)
    return client.Client(session, endpoint_override=endpoint)


def _dashboard_error(error):
    """glintclient's GlintError as the dashboard raises it."""
    if error.status is None:
        LOG.warning('Glint did not answer: %s', error)
        return exceptions.GlintError(_('The Glint service did not answer.'))
    kind = {401: exceptions.Unauthorized,
            404: exceptions.NotFound}.get(error.status, exceptions.GlintError)
    return kind(error.detail, error.status, error.code)


def _glint_errors(function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except client.GlintError as error:
            raise _dashboard_error(error) from None
    return call


@_glint_errors
def cloud_list(request):
    return [Cloud(c) for c in glintclient(request).list_clouds()]


@_glint_errors
def cloud_get(request, cloud_id):
    return Cloud(glintclient(request).get_cloud(cloud_id))


@_glint_errors
def cloud_create(request, fields):
    return Cloud(glintclient(request).create_cloud(fields))


@_glint_errors
def cloud_update(request, cloud_id, fields):
    return Cloud(glintclient(request).update_cloud(cloud_id, fields))


@_glint_errors
def cloud_delete(request, cloud_id):
    glintclient(request).delete_cloud(cloud_id)


@_glint_errors
def cloud_check(request, cloud_id):
    """Whether a remote cloud answers: ``reachable``, and else ``error``."""
    return base.APIDictWrapper(glintclient(request).check_cloud(cloud_id))


@_glint_errors
def cloud_names(request):
    """Cloud id -> name, the local cloud included."""
    return glintclient(request).cloud_names()


@_glint_errors
def x509_user_list(request):
    return [X509User(u) for u in glintclient(request).list_x509_users()]


@_glint_errors
def x509_user_create(request, fields):
    """Let a certificate's DN log in: ``dn``, ``issuer``, ``project``..."""
    return X509User(glintclient(request).create_x509_user(fields))


@_glint_errors
def x509_user_delete(request, user_id):
    glintclient(request).delete_x509_user(user_id)


@_glint_errors
def image_list(request, cloud_ids=None):
    return ImageListing(glintclient(request).list_images(cloud_ids))


@_glint_errors
def migration_list(request):
    return [Migration(m) for m in glintclient(request).list_migrations()]


@_glint_errors
def migration_get(request, migration_id):
    return Migration(glintclient(request).get_migration(migration_id))


@_glint_errors
def migration_create(request, fields):
    return Migration(glintclient(request).create_migration(fields))


@_glint_errors
def image_download_link(request, cloud_id, image_id):
    """A link that downloads an image straight from Glint: its URL.

    For a few minutes, without a token: the browser is sent there, and
    the bytes never pass through the dashboard's server.
    """
    return glintclient(request).download_link(cloud_id, image_id)['url']


@_glint_errors
def upload_create(request, fields):
    """Ask Glint for an upload; the browser sends its data (see Upload)."""
    # Where browsers reach Glint, found before anything is asked of it.
    endpoint = base.url_for(request, client.SERVICE_TYPE, 'publicURL')
    migration = glintclient(request).create_migration(
        dict(fields, source=client.UPLOAD))
    return Upload(migration,
                  endpoint.rstrip('/') + client.upload_path(migration['id']),
                  request.user.token.id)


@_glint_errors
def migration_delete(request, migration_id):
    """Cancel a queued or running migration, or forget a finished one."""
    glintclient(request).delete_migration(migration_id)
