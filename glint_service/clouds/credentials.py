"""A remote cloud's credentials: its auth types, which of their fields are
secret, how they are stored (secrets encrypted) and how Glint logs in with
them.

A *spec* is the flat dict of a remote cloud's fields, as the API takes it
(see glint_service.api.schemas.clouds).

Beside a password and an application credential, a remote cloud may be
reached through Keystone federation: with OpenID Connect client
credentials, with an OpenID Connect refresh token that Glint exchanges for
an access token itself (keystoneauth has no plugin for that; the provider
may rotate the refresh token, see :class:`OidcRefreshToken`), or with an
X.509 client certificate (see clouds.remote_keystone for how its key is
kept off the disk). A login the remote end refuses (Keystone's 401, the
identity provider's ``invalid_grant``) raises :class:`Refused` and is told
to a ``listener``, which marks the cloud as needing new credentials.
"""

import base64

from keystoneauth1 import access
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1.identity.v3 import federation

PASSWORD = 'password'
APPLICATION_CREDENTIAL = 'v3applicationcredential'
OIDC_CLIENT_CREDENTIALS = 'v3oidcclientcredentials'
OIDC_REFRESH_TOKEN = 'v3oidcrefreshtoken'
X509 = 'v3x509'
AUTH_TYPES = (PASSWORD, APPLICATION_CREDENTIAL, OIDC_CLIENT_CREDENTIALS,
              OIDC_REFRESH_TOKEN, X509)
FEDERATED = (OIDC_CLIENT_CREDENTIALS, OIDC_REFRESH_TOKEN, X509)

# The remote project a federated login is scoped to.
PROJECT_FIELDS = ('project_name', 'project_id', 'project_domain_name',
                  'project_domain_id')
# The fields of each auth type; of those, the secrets are write-only: stored
# encrypted, never shown back.
AUTH_FIELDS = {
    PASSWORD: ('username', 'password', 'user_domain_name', 'user_domain_id')
    + PROJECT_FIELDS,
    APPLICATION_CREDENTIAL: ('application_credential_id',
                             'application_credential_secret'),
    OIDC_CLIENT_CREDENTIALS: (
        'identity_provider', 'protocol', 'discovery_endpoint',
        'access_token_endpoint', 'client_id', 'client_secret', 'scope')
    + PROJECT_FIELDS,
    OIDC_REFRESH_TOKEN: (
        'identity_provider', 'protocol', 'discovery_endpoint',
        'access_token_endpoint', 'client_id', 'client_secret',
        'refresh_token', 'scope') + PROJECT_FIELDS,
    X509: ('identity_provider', 'protocol', 'client_cert', 'client_key')
    + PROJECT_FIELDS,
}
SECRET_FIELDS = ('password', 'application_credential_secret',
                 'client_secret', 'refresh_token', 'client_key')
SHOWN_AUTH_FIELDS = {
    auth_type: tuple(f for f in fields if f not in SECRET_FIELDS)
    for auth_type, fields in AUTH_FIELDS.items()}

# Whether a remote cloud's credentials worked at its last login: as the API
# shows it ("credentials").
CREDENTIALS_OK = 'ok'
CREDENTIALS_REFUSED = 'refused'

# The columns of a stored cloud that are fields of its spec as they are.
_COLUMNS = ('name', 'auth_url', 'region_name', 'auth_type', 'interface',
            'verify', 'cacert')


class Refused(Exception):
    """The remote end refused the stored credentials: they need replacing.

    The message says so in Glint's words, never with the secret;
    ``by_keystone``: the remote Keystone's 401, not the identity
    provider's refusal.
    """

    def __init__(self, reason, by_keystone=False):
        super().__init__(reason)
        self.by_keystone = by_keystone


def to_row(spec, vault):
    """The columns that store ``spec``, its secrets encrypted by ``vault``."""
    fields = AUTH_FIELDS[spec['auth_type']]
    row = {column: spec[column] for column in _COLUMNS}
    row['auth'] = {f: spec[f] for f in fields
                   if f in spec and f not in SECRET_FIELDS}
    row['sealed_secrets'] = vault.encrypt(secrets_of(spec))
    return row


def secrets_of(spec):
    """The secret fields of a spec, as they are stored (encrypted)."""
    return {f: spec[f] for f in AUTH_FIELDS[spec['auth_type']]
            if f in SECRET_FIELDS and f in spec}


def from_row(cloud, vault):
    """The whole spec of a stored cloud, its secrets decrypted by ``vault``."""
    spec = {column: getattr(cloud, column) for column in _COLUMNS}
    spec.update(cloud.auth)
    spec.update(vault.decrypt(cloud.sealed_secrets))
    return spec


def _project_scope(spec):
    return {f: spec.get(f) for f in PROJECT_FIELDS}


def auth_plugin(spec, refresh_tokens=None, listener=None):
    """A keystoneauth plugin that logs in with a remote cloud's spec.

    ``refresh_tokens``: where the refresh token of a ``v3oidcrefreshtoken``
    cloud is kept (see :class:`OidcRefreshToken`; by default the spec
    itself). ``listener``, if given, is told of each login: ``accepted()``
    or ``refused(reason)``.
    """
    auth_type = spec['auth_type']
    if auth_type == APPLICATION_CREDENTIAL:
        plugin = _Noted(v3.ApplicationCredential)(
            auth_url=spec['auth_url'],
            application_credential_id=spec['application_credential_id'],
            application_credential_secret=spec[
                'application_credential_secret'])
    elif auth_type == OIDC_CLIENT_CREDENTIALS:
        plugin = _Noted(v3.OidcClientCredentials)(
            auth_url=spec['auth_url'],
            identity_provider=spec['identity_provider'],
            protocol=spec['protocol'],
            client_id=spec['client_id'],
            client_secret=spec['client_secret'],
            scope=spec['scope'],
            access_token_endpoint=spec.get('access_token_endpoint'),
            discovery_endpoint=spec.get('discovery_endpoint'),
            **_project_scope(spec))
    elif auth_type == OIDC_REFRESH_TOKEN:
        plugin = _Noted(OidcRefreshToken)(
            auth_url=spec['auth_url'],
            identity_provider=spec['identity_provider'],
            protocol=spec['protocol'],
            client_id=spec['client_id'],
            client_secret=spec.get('client_secret'),
            scope=spec.get('scope'),
            access_token_endpoint=spec.get('access_token_endpoint'),
            discovery_endpoint=spec.get('discovery_endpoint'),
            refresh_tokens=refresh_tokens or SpecRefreshToken(spec),
            **_project_scope(spec))
    elif auth_type == X509:
        # The certificate itself is presented by the session's TLS
        # connections (see remote_keystone.RemoteSession).
        plugin = _Noted(X509Login)(
            auth_url=spec['auth_url'],
            identity_provider=spec['identity_provider'],
            protocol=spec['protocol'],
            **_project_scope(spec))
    else:
        plugin = _Noted(v3.Password)(
            auth_url=spec['auth_url'],
            username=spec['username'],
            password=spec['password'],
            user_domain_name=spec.get('user_domain_name'),
            user_domain_id=spec.get('user_domain_id'),
            **_project_scope(spec))
    plugin.listener = listener
    return plugin


_NOTED = {}


def _Noted(plugin_class):
    """``plugin_class``, its logins' outcome told to its ``listener``.

    A 401 during a login (Keystone's, or an identity provider's for a
    client) becomes :class:`Refused`.
    """
    if plugin_class not in _NOTED:

        class Noted(plugin_class):
            listener = None

            def get_auth_ref(self, session, **kwargs):
                try:
                    auth_ref = super().get_auth_ref(session, **kwargs)
                except ks_exc.Unauthorized as error:
                    url = getattr(error, 'url', None) or ''
                    by_keystone = not url or url.startswith(self.auth_url)
                    reason = '%s refused the credentials (HTTP 401)' % (
                        'the cloud' if by_keystone
                        else 'the identity provider')
                    self._tell('refused', reason)
                    raise Refused(reason, by_keystone)
                except Refused as error:
                    self._tell('refused', str(error))
                    raise
                self._tell('accepted')
                return auth_ref

            def _tell(self, outcome, *args):
                if self.listener is not None:
                    getattr(self.listener, outcome)(*args)

        Noted.__name__ = plugin_class.__name__
        _NOTED[plugin_class] = Noted
    return _NOTED[plugin_class]


class X509Login(federation.FederationBaseAuth):
    """Federated login with the TLS client certificate of the session.

    A GET of the federated auth URL: the TLS front of the remote Keystone
    verifies the certificate and hands its DNs to Keystone's mapping.
    """

    def get_unscoped_auth_ref(self, session):
        response = session.get(self.federated_token_url, authenticated=False)
        return access.create(resp=response)


class SpecRefreshToken(object):
    """A refresh token kept in its spec, the rotated one put back there.

    That of a cloud not stored yet (registration, new credentials given by
    a PATCH): the rotated token is stored with the rest of it.
    """

    def __init__(self, spec):
        self.spec = spec

    def exchange(self, exchange):
        access_token, rotated = exchange(self.spec['refresh_token'])
        if rotated:
            self.spec['refresh_token'] = rotated
        return access_token


# The errors of a token endpoint that say the grant or the client is no
# good (RFC 6749, 5.2): new credentials are needed.
REFUSALS = ('invalid_grant', 'invalid_client', 'unauthorized_client')


class OidcRefreshToken(federation.FederationBaseAuth):
    """Federated login with an OpenID Connect refresh token.

    Glint asks the provider's token endpoint (``grant_type=refresh_token``)
    for an access token, through the session (the outbound policy), and
    logs in to Keystone's federated auth URL with it as a bearer token. A
    provider that rotates refresh tokens answers with a new one:
    ``refresh_tokens`` keeps it (see access.StoredRefreshToken: one
    exchange at a time per cloud, across every process, since a provider
    with reuse detection refuses a rotated token used twice).
    """

    def __init__(self, auth_url, identity_provider, protocol, client_id,
                 refresh_tokens, client_secret=None, scope=None,
                 access_token_endpoint=None, discovery_endpoint=None,
                 **kwargs):
        super().__init__(auth_url, identity_provider, protocol, **kwargs)
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.access_token_endpoint = access_token_endpoint
        self.discovery_endpoint = discovery_endpoint
        self.refresh_tokens = refresh_tokens

    def token_endpoint(self, session):
        if self.access_token_endpoint:
            return self.access_token_endpoint
        document = session.get(self.discovery_endpoint,
                               authenticated=False).json()
        endpoint = document.get('token_endpoint') if isinstance(
            document, dict) else None
        if not isinstance(endpoint, str):
            raise ks_exc.InvalidOidcDiscoveryDocument()
        self.access_token_endpoint = endpoint
        return endpoint

    def exchange(self, session, refresh_token):
        """An access token for ``refresh_token``, and the rotated one.

        Raises Refused if the provider refuses the token or the client.
        """
        payload = {'grant_type': 'refresh_token',
                   'refresh_token': refresh_token}
        if self.scope:
            payload['scope'] = self.scope
        headers = {}
        if self.client_secret:
            pair = '%s:%s' % (self.client_id, self.client_secret)
            headers['Authorization'] = 'Basic ' + base64.b64encode(
                pair.encode('utf-8')).decode('ascii')
        else:
            payload['client_id'] = self.client_id
        url = self.token_endpoint(session)
        response = session.post(url, data=payload, headers=headers,
                                authenticated=False, log=False,
                                raise_exc=False)
        answer = _json(response)
        if response.status_code in (400, 401) and answer.get(
                'error') in REFUSALS:
            raise Refused('the identity provider refused the refresh '
                          'token (%s)' % answer['error'])
        if response.status_code != 200:
            raise ks_exc.from_response(response, 'POST', url)
        access_token = answer.get('access_token')
        if not isinstance(access_token, str) or not access_token:
            raise ks_exc.InvalidResponse(
                'The token endpoint gave no access token.')
        rotated = answer.get('refresh_token')
        return access_token, rotated if isinstance(rotated, str) else None

    def get_unscoped_auth_ref(self, session):
        access_token = self.refresh_tokens.exchange(
            lambda token: self.exchange(session, token))
        response = session.post(
            self.federated_token_url, authenticated=False,
            headers={'Authorization': 'Bearer ' + access_token})
        return access.create(resp=response)


def _json(response):
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
