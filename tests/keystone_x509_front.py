"""Keystone behind a TLS front that verifies client certificates, for gunicorn.

gunicorn terminates TLS (``--certfile --keyfile --ca-certs --cert-reqs 1``:
a client certificate is optional, but one that does not verify against the
CAs ends the handshake). This wrapper hands Keystone what Apache mod_ssl's
``SSLOptions +StdEnvVars`` would: ``SSL_CLIENT_S_DN`` and ``SSL_CLIENT_I_DN``
(as ``cryptography`` writes them, RFC 4514) and ``SSL_CLIENT_VERIFY`` of the
certificate the client presented; whatever a client sent under those names
(or as X-SSL-* headers) is dropped first.
"""

import sys

sys.argv = sys.argv[:1]

from cryptography import x509  # noqa: E402

from keystone.wsgi.api import application as keystone  # noqa: E402

DROPPED = ('SSL_CLIENT_', 'HTTP_X_SSL_')


def native(text):
    """Text as a WSGI environ holds it: its UTF-8 bytes as latin-1.

    Keystone decodes its assertion values back so, as mod_wsgi sets them.
    """
    return text.encode('utf-8').decode('latin-1')


def application(environ, start_response):
    for key in [key for key in environ if key.startswith(DROPPED)]:
        del environ[key]
    sock = environ.get('gunicorn.socket')
    der = sock.getpeercert(binary_form=True) if hasattr(
        sock, 'getpeercert') else None
    if der:
        certificate = x509.load_der_x509_certificate(der)
        environ['SSL_CLIENT_S_DN'] = native(
            certificate.subject.rfc4514_string())
        environ['SSL_CLIENT_I_DN'] = native(
            certificate.issuer.rfc4514_string())
        environ['SSL_CLIENT_VERIFY'] = 'SUCCESS'
    else:
        environ['SSL_CLIENT_VERIFY'] = 'NONE'
    return keystone(environ, start_response)
