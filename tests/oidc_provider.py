"""A stand-in for an external OpenID Connect provider, on loopback.

What Glint asks of a provider such as EGI Check-in, which cannot run here:
a discovery document, a token endpoint (``client_credentials`` and
``refresh_token`` grants, refresh tokens rotated, a rotated token used
again revoking its whole family as providers with reuse detection do),
revocation (RFC 7009) and introspection (RFC 7662). Access tokens are JWTs
signed with HS256 by a key shared with the bed's Keystone front
(tests/keystone_oidc_wsgi.py), which verifies them as mod_auth_openidc
would. Keystone and Glance stay real.
"""

import base64
import hashlib
import hmac
import http.server
import json
import secrets
import threading
import time
import urllib.parse

# How long an access token is good for.
ACCESS_TOKEN_SECONDS = 300


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _unb64(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def sign_jwt(claims, key):
    """A JWT of ``claims`` signed with HS256 by ``key`` (bytes)."""
    header = _b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())
    body = _b64(json.dumps(claims).encode())
    signed = ('%s.%s' % (header, body)).encode('ascii')
    return '%s.%s' % (signed.decode('ascii'),
                      _b64(hmac.new(key, signed, hashlib.sha256).digest()))


def verify_jwt(token, key, now=None):
    """The claims of a JWT signed by ``key`` and not expired; else None."""
    try:
        header, body, signature = token.split('.')
        signed = ('%s.%s' % (header, body)).encode('ascii')
        expected = hmac.new(key, signed, hashlib.sha256).digest()
        if json.loads(_unb64(header)).get('alg') != 'HS256' or (
                not hmac.compare_digest(expected, _unb64(signature))):
            return None
        claims = json.loads(_unb64(body))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(claims, dict) or not isinstance(
            claims.get('exp'), (int, float)):
        return None
    if claims['exp'] < (now or time.time()):
        return None
    return claims


class Provider(object):
    """The provider's state and its HTTP server, on a free loopback port.

    ``clients``: client id -> secret. ``refresh_token(client_id, subject)``
    gives a refresh token as a user's login would have (outside Glint).
    """

    def __init__(self, key):
        self.key = key
        self.clients = {}
        self.disabled_clients = set()
        # Refresh token -> its family, and each family's state.
        self._refresh = {}
        self.families = {}
        # What was asked: (grant type, client id, outcome).
        self.grants = []
        self._lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      _handler(self))
        self.server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.issuer = self.url
        self.discovery_endpoint = (self.url
                                   + '/.well-known/openid-configuration')
        self.token_endpoint = self.url + '/token'
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def add_client(self, client_id=None):
        client_id = client_id or 'client-' + secrets.token_hex(4)
        self.clients[client_id] = secrets.token_urlsafe(16)
        return client_id, self.clients[client_id]

    def refresh_token(self, client_id, subject):
        """A new refresh token of a family of its own."""
        family = secrets.token_hex(8)
        with self._lock:
            self.families[family] = {'client_id': client_id,
                                     'subject': subject, 'revoked': False,
                                     'current': None, 'rotations': 0}
            return self._issue_refresh(family)

    def current_refresh_token(self, family_of):
        """The token of ``family_of``'s family that is good now (or None)."""
        with self._lock:
            family = self.families[self._refresh[family_of]['family']]
            return None if family['revoked'] else family['current']

    def rotations(self, token):
        with self._lock:
            return self.families[self._refresh[token]['family']]['rotations']

    def revoke(self, token):
        with self._lock:
            entry = self._refresh.get(token)
            if entry is not None:
                self.families[entry['family']]['revoked'] = True

    def _issue_refresh(self, family):
        token = 'rt-' + secrets.token_urlsafe(24)
        self._refresh[token] = {'family': family, 'used': False}
        self.families[family]['current'] = token
        return token

    def access_token(self, subject, client_id):
        now = int(time.time())
        return sign_jwt({'iss': self.issuer, 'sub': subject,
                         'aud': client_id, 'iat': now,
                         'exp': now + ACCESS_TOKEN_SECONDS,
                         'jti': secrets.token_hex(8)}, self.key)

    # The endpoints.

    def token(self, form, authorization):
        client_id, client_secret = _client(form, authorization)
        grant = form.get('grant_type')
        if grant == 'refresh_token' and client_secret is None:
            known = client_id in self.clients  # A public client.
        else:
            known = self.clients.get(client_id) == client_secret
        if not known or client_id in self.disabled_clients:
            self.grants.append((grant, client_id, 'invalid_client'))
            return 401, {'error': 'invalid_client'}
        if grant == 'client_credentials':
            self.grants.append((grant, client_id, 'ok'))
            return 200, {'access_token': self.access_token(client_id,
                                                           client_id),
                         'token_type': 'Bearer',
                         'expires_in': ACCESS_TOKEN_SECONDS}
        if grant != 'refresh_token':
            return 400, {'error': 'unsupported_grant_type'}
        with self._lock:
            entry = self._refresh.get(form.get('refresh_token'))
            family = entry and self.families[entry['family']]
            if family is None or family['revoked'] or (
                    family['client_id'] != client_id):
                self.grants.append((grant, client_id, 'invalid_grant'))
                return 400, {'error': 'invalid_grant'}
            if entry['used']:
                # Reuse of a rotated token: the whole family goes.
                family['revoked'] = True
                self.grants.append((grant, client_id, 'reused'))
                return 400, {'error': 'invalid_grant'}
            entry['used'] = True
            family['rotations'] += 1
            rotated = self._issue_refresh(entry['family'])
            self.grants.append((grant, client_id, 'ok'))
        return 200, {'access_token': self.access_token(family['subject'],
                                                       client_id),
                     'refresh_token': rotated, 'token_type': 'Bearer',
                     'expires_in': ACCESS_TOKEN_SECONDS}

    def introspect(self, form):
        claims = verify_jwt(form.get('token', ''), self.key)
        if claims is None:
            return 200, {'active': False}
        return 200, dict(claims, active=True)

    def discovery(self):
        return 200, {
            'issuer': self.issuer, 'token_endpoint': self.token_endpoint,
            'revocation_endpoint': self.url + '/revoke',
            'introspection_endpoint': self.url + '/introspect',
            'grant_types_supported': ['client_credentials', 'refresh_token'],
        }


def trust(cloud, provider, idp, subjects, user='demo'):
    """Have ``cloud``'s real Keystone trust ``provider`` as ``idp``.

    With its admin's token: the identity provider (its remote id the
    provider's issuer), a mapping of the ``subjects`` (the ``sub`` claims)
    to the cloud's local ``user``, and the ``openid`` protocol. Returns a
    function that removes them.
    """
    admin = cloud.admin_client()
    admin.federation.identity_providers.create(
        id=idp, remote_ids=[provider.issuer], enabled=True)
    rules = [{'local': [{'user': {'name': user, 'type': 'local',
                                  'domain': {'name': 'Default'}}}],
              'remote': [{'type': 'OIDC-sub', 'any_one_of': list(subjects)}]}]
    admin.federation.mappings.create(mapping_id=idp, rules=rules)
    admin.federation.protocols.create('openid', identity_provider=idp,
                                      mapping=idp)

    def remove():
        admin.federation.identity_providers.delete(idp)
        admin.federation.mappings.delete(idp)

    return remove


def _client(form, authorization):
    """The client id and secret of a request (Basic, or in the form)."""
    if authorization.startswith('Basic '):
        pair = base64.b64decode(authorization[6:]).decode('utf-8')
        client_id, _, client_secret = pair.partition(':')
        return client_id, client_secret
    return form.get('client_id'), form.get('client_secret')


def _handler(provider):

    class Handler(http.server.BaseHTTPRequestHandler):

        def log_message(self, *args):
            pass

        def _answer(self, status, body):
            data = json.dumps(body).encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == '/.well-known/openid-configuration':
                return self._answer(*provider.discovery())
            self._answer(404, {'error': 'not_found'})

        def do_POST(self):
            length = int(self.headers.get('Content-Length') or 0)
            form = dict(urllib.parse.parse_qsl(
                self.rfile.read(length).decode('utf-8')))
            authorization = self.headers.get('Authorization', '')
            if self.path == '/token':
                return self._answer(*provider.token(form, authorization))
            if self.path == '/revoke':
                provider.revoke(form.get('token'))
                return self._answer(200, {})
            if self.path == '/introspect':
                return self._answer(*provider.introspect(form))
            self._answer(404, {'error': 'not_found'})

    return Handler
