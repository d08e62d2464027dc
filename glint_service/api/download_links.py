"""Download links: one image of one cloud of one project, for a few minutes,
to whoever has the link, without a token (as Swift's temporary URLs).

So that a browser downloads straight from Glint: the dashboard asks for a
link with the user's token and sends the browser to it; the bytes never
pass through the dashboard's server. A link is a token of Glint's own
(see crypto.Vault.seal): encrypted and authenticated with a key derived
from Glint's key file for this purpose alone, it holds the project, the
cloud, the image and when it expires; for the local cloud, the caller's
token too (encrypted), which is what Glint reads the image with. An
altered link, a link of another key, or one past its time is refused.
"""

import time

from glint_service import clouds
from glint_service.clouds import access
from glint_service import exception

PURPOSE = 'glint download link'


def make(services, context, cloud_id, image_id):
    """A link's token for an image the caller may read; and its expiry."""
    expires = int(time.time()) + services.conf.api.download_link_seconds
    payload = {'project_id': context.project_id, 'cloud_id': cloud_id,
               'image_id': image_id, 'expires': expires}
    if cloud_id == clouds.LOCAL:
        payload['token'] = context.auth_token
    return services.vault.seal(payload, PURPOSE), expires


def read(services, token):
    """A link's payload: 403 if it is not one of Glint's, or is too old."""
    # Fernet checks the token's age against the longest a link may last;
    # the link's own expiry is checked here.
    payload = services.vault.unseal(token, PURPOSE, ttl=3600)
    if not isinstance(payload, dict):
        raise exception.Forbidden('This is not a valid download link.')
    if payload['expires'] < time.time():
        raise exception.Forbidden('This download link has expired: ask for '
                                  'a new one.')
    return payload


def glance_of(services, payload):
    """The Glance a link's image is read from, as the link allows."""
    if payload['cloud_id'] == clouds.LOCAL:
        return access.token_glance(services, payload['token'])
    return access.remote_glance(services, payload['cloud_id'],
                                payload['project_id'])
