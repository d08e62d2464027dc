"""Keystone's WSGI app behind a front that does what mod_auth_openidc does
for bearer tokens, for gunicorn.

On the federated auth path of the ``openid`` protocol, the front checks the
``Authorization: Bearer`` access token (a JWT signed by the bed's stand-in
OpenID Connect provider with the key in ``GLINT_BED_OIDC_KEY_FILE``, see
tests/oidc_provider.py): a token that is not good gets 401 there, as
mod_auth_openidc answers; a good one's claims go into the WSGI environ as
``OIDC-sub`` and ``OIDC-iss``, which Keystone's mapping reads (``[openid]
remote_id_attribute = OIDC-iss``). Such keys from anywhere else are dropped
first: a client cannot set them.
"""

import os
import re

from keystone_wsgi import application as keystone  # noqa: I202
import oidc_provider

PROTECTED = re.compile(
    r'^/v3/OS-FEDERATION/identity_providers/[^/]+/protocols/openid/auth$')
CLAIMS = ('sub', 'iss')


def _key():
    with open(os.environ['GLINT_BED_OIDC_KEY_FILE'], 'rb') as f:
        return f.read().strip()


def application(environ, start_response):
    for name in list(environ):
        if name.upper().startswith(('OIDC-', 'OIDC_', 'HTTP_OIDC')):
            del environ[name]
    if PROTECTED.match(environ.get('PATH_INFO', '')):
        authorization = environ.get('HTTP_AUTHORIZATION', '')
        claims = None
        if authorization.startswith('Bearer '):
            claims = oidc_provider.verify_jwt(authorization[7:], _key())
        if claims is None:
            start_response('401 Unauthorized', [
                ('Content-Type', 'text/plain'),
                ('WWW-Authenticate', 'Bearer error="invalid_token"')])
            return [b'The bearer token is not valid.\n']
        for claim in CLAIMS:
            environ['OIDC-%s' % claim] = str(claims[claim])
    return keystone(environ, start_response)
