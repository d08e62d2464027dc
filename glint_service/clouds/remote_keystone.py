"""Glint's one module that talks to remote clouds' Keystones: it logs in with
the stored credentials, through the outbound policy, and finds their Glance.
"""

import contextlib
import tempfile
import weakref

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session

from glint_service.clouds import credentials
from glint_service.clouds import outbound
from glint_service import exception


class RemoteSession(object):
    """A keystoneauth session on a remote cloud, re-authenticating itself.

    A CA certificate given as text lives in a temporary file for as long as
    the keystoneauth session does: it is removed once no thread uses the
    session any more, or by ``close``.
    """

    def __init__(self, spec, guard):
        self._ca_file = None
        verify = spec['verify']
        if verify and spec.get('cacert'):
            self._ca_file = tempfile.NamedTemporaryFile('w', suffix='.pem')
            self._ca_file.write(spec['cacert'])
            self._ca_file.flush()
            verify = self._ca_file.name
        # Every connection checked by Glint's outbound policy; redirects are
        # refused there (they would carry the token elsewhere).
        self.session = ks_session.Session(
            auth=credentials.auth_plugin(spec), verify=verify,
            timeout=guard.timeout, session=guard.session(), redirect=False)
        if self._ca_file is not None:
            weakref.finalize(self.session, self._ca_file.close)

    def close(self):
        if self._ca_file is not None:
            self._ca_file.close()


@contextlib.contextmanager
def remote_session(spec, guard):
    """A :class:`RemoteSession`'s session, for one use."""
    remote = RemoteSession(spec, guard)
    try:
        yield remote.session
    finally:
        remote.close()


# The longest image endpoint Glint keeps (its column's length).
MAX_ENDPOINT_LENGTH = 1024


def find_image_endpoint(spec, guard):
    """Log in to the remote Keystone and find its Glance.

    ``guard``: outbound.Guard. Raises RemoteCloudRejected, saying which
    step failed and why, in Glint's words: never what the remote end
    answered, nor where it sent Glint.
    """
    try:
        with remote_session(spec, guard) as session:
            endpoint = session.get_endpoint(
                service_type='image', interface=spec['interface'],
                region_name=spec['region_name'])
    except ks_exc.EndpointNotFound:
        endpoint = None
    except outbound.Refused as error:
        raise exception.RemoteCloudRejected('auth_url: %s.' % error)
    except ks_exc.Unauthorized:
        raise exception.RemoteCloudRejected(
            'The remote Keystone refused the credentials (HTTP 401).')
    except ks_exc.SSLError:
        raise exception.RemoteCloudRejected(
            'auth_url: the TLS certificate of the remote Keystone could not '
            'be verified; give its CA as cacert.')
    except (ks_exc.ConnectFailure, ks_exc.ConnectTimeout):
        raise exception.RemoteCloudRejected(
            'auth_url: the remote Keystone could not be reached.')
    except (ks_exc.NotFound, ks_exc.InvalidResponse, ValueError):
        raise exception.RemoteCloudRejected(
            'auth_url: it did not answer a login like a Keystone v3; is it '
            'the v3 URL of a Keystone (ending in /v3)?')
    except ks_exc.HttpError as error:
        raise exception.RemoteCloudRejected(
            'The remote Keystone answered the login with an HTTP %s error.'
            % outbound.status_class(error.http_status))
    except ks_exc.ClientException:
        raise exception.RemoteCloudRejected(
            'auth_url: the remote Keystone could not be used.')
    if endpoint and len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise exception.RemoteCloudRejected(
            "The remote catalog's image endpoint is longer than %d "
            'characters.' % MAX_ENDPOINT_LENGTH)
    if not endpoint:
        raise exception.RemoteCloudRejected(
            'The remote catalog has no image endpoint (Glance) for region '
            '%s and interface %s.' % (spec['region_name'] or '(any)',
                                      spec['interface']))
    try:
        guard.destinations.check_url(endpoint)
    except outbound.Refused as error:
        raise exception.RemoteCloudRejected(
            "The remote catalog's image endpoint cannot be used: %s." % error)
    return endpoint
