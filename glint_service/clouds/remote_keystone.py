"""Glint's one module that talks to remote clouds' Keystones: it logs in with
the stored credentials, through the outbound policy, and finds their Glance.
"""

import contextlib
import os
import ssl
import tempfile
import weakref

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session

from glint_service.clouds import credentials
from glint_service.clouds import outbound
from glint_service import exception


def client_tls(spec):
    """An SSL context that presents the spec's client certificate.

    Python's ssl reads a certificate and its key from a file only: they are
    written to an anonymous file in memory (memfd), or where there is none
    to a temporary file readable by its owner alone, read, and the file is
    gone at once. The key lives on in the context's memory alone.
    """
    context = ssl.create_default_context()
    pem = (spec['client_cert'].strip() + '\n'
           + spec['client_key'].strip() + '\n').encode('utf-8')
    if hasattr(os, 'memfd_create'):
        fd = os.memfd_create('glint-client-cert', os.MFD_CLOEXEC)
        try:
            os.write(fd, pem)
            context.load_cert_chain('/proc/self/fd/%d' % fd)
        finally:
            os.close(fd)
        return context
    fd, path = tempfile.mkstemp(prefix='glint-client-', suffix='.pem')
    try:
        os.unlink(path)
        with os.fdopen(os.dup(fd), 'wb') as f:
            f.write(pem)
        context.load_cert_chain('/dev/fd/%d' % fd)
    finally:
        os.close(fd)
    return context


class RemoteSession(object):
    """A keystoneauth session on a remote cloud, re-authenticating itself.

    A CA certificate given as text lives in a temporary file for as long as
    the keystoneauth session does: it is removed once no thread uses the
    session any more, or by ``close``. A client certificate is presented
    from memory (see client_tls). ``refresh_tokens`` and ``listener``: see
    credentials.auth_plugin.
    """

    def __init__(self, spec, guard, refresh_tokens=None, listener=None):
        self._ca_file = None
        verify = spec['verify']
        if verify and spec.get('cacert'):
            self._ca_file = tempfile.NamedTemporaryFile('w', suffix='.pem')
            self._ca_file.write(spec['cacert'])
            self._ca_file.flush()
            verify = self._ca_file.name
        # Every connection checked by Glint's outbound policy; redirects are
        # refused there (they would carry the token elsewhere).
        ssl_context = None
        if spec['auth_type'] == credentials.X509:
            ssl_context = client_tls(spec)
        self.session = ks_session.Session(
            auth=credentials.auth_plugin(spec, refresh_tokens, listener),
            verify=verify, timeout=guard.timeout,
            session=guard.session(ssl_context), redirect=False)
        if self._ca_file is not None:
            weakref.finalize(self.session, self._ca_file.close)

    def close(self):
        if self._ca_file is not None:
            self._ca_file.close()


@contextlib.contextmanager
def remote_session(spec, guard, refresh_tokens=None, listener=None):
    """A :class:`RemoteSession`'s session, for one use."""
    remote = RemoteSession(spec, guard, refresh_tokens, listener)
    try:
        yield remote.session
    finally:
        remote.close()


# The longest image endpoint Glint keeps (its column's length).
MAX_ENDPOINT_LENGTH = 1024


def find_image_endpoint(spec, guard, refresh_tokens=None):
    """Log in to the remote Keystone and find its Glance.

    ``guard``: outbound.Guard. Raises RemoteCloudRejected, saying which
    step failed and why, in Glint's words: never what the remote end
    answered, nor where it sent Glint. A refresh token rotated by the
    login is in ``spec`` then (or kept by ``refresh_tokens``).
    """
    try:
        with remote_session(spec, guard, refresh_tokens) as session:
            endpoint = session.get_endpoint(
                service_type='image', interface=spec['interface'],
                region_name=spec['region_name'])
    except ks_exc.EndpointNotFound:
        endpoint = None
    except outbound.Refused as error:
        raise exception.RemoteCloudRejected('auth_url: %s.' % error)
    except credentials.Refused as error:
        if error.by_keystone:
            raise exception.RemoteCloudRejected(
                'The remote Keystone refused the credentials (HTTP 401).')
        raise exception.RemoteCloudRejected('%s.' % _sentence(str(error)))
    except (ks_exc.OidcAccessTokenEndpointNotFound,
            ks_exc.InvalidOidcDiscoveryDocument):
        raise exception.RemoteCloudRejected(
            'discovery_endpoint: it did not answer with an OpenID Connect '
            'discovery document that names a token endpoint.')
    except ks_exc.NotFound as error:
        if spec['auth_type'] in credentials.FEDERATED and (
                '/OS-FEDERATION/' in (getattr(error, 'url', '') or '')):
            raise exception.RemoteCloudRejected(
                'identity_provider: the remote Keystone has no identity '
                'provider %s with a protocol %s.'
                % (spec['identity_provider'], spec['protocol']))
        raise exception.RemoteCloudRejected(
            'auth_url: it did not answer a login like a Keystone v3; is it '
            'the v3 URL of a Keystone (ending in /v3)?')
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
    except (ks_exc.InvalidResponse, ValueError):
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


def _sentence(text):
    return text[:1].upper() + text[1:]
