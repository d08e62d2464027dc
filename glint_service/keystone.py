"""Glint's one module that talks to Keystones: the remote clouds' (to check
their credentials and find their Glance) and the local one (to register)."""

import contextlib
import datetime
import tempfile

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client

from glint_service import cloud_spec
from glint_service import exception
from glint_service import outbound


def auth_plugin(spec):
    """A keystoneauth plugin for a remote cloud's spec."""
    if spec['auth_type'] == cloud_spec.APPLICATION_CREDENTIAL:
        return v3.ApplicationCredential(
            auth_url=spec['auth_url'],
            application_credential_id=spec['application_credential_id'],
            application_credential_secret=spec[
                'application_credential_secret'])
    return v3.Password(
        auth_url=spec['auth_url'],
        username=spec['username'],
        password=spec['password'],
        user_domain_name=spec.get('user_domain_name'),
        user_domain_id=spec.get('user_domain_id'),
        project_name=spec.get('project_name'),
        project_id=spec.get('project_id'),
        project_domain_name=spec.get('project_domain_name'),
        project_domain_id=spec.get('project_domain_id'))


class RemoteSession(object):
    """A keystoneauth session on a remote cloud, re-authenticating itself.

    A CA certificate given as text lives in a temporary file for as long as
    the session does; ``close`` removes it.
    """

    def __init__(self, spec, rules):
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
            auth=auth_plugin(spec), verify=verify, timeout=rules.timeout,
            session=rules.session(), redirect=False)

    def close(self):
        if self._ca_file is not None:
            self._ca_file.close()


@contextlib.contextmanager
def remote_session(spec, rules):
    """A :class:`RemoteSession`'s session, for one use."""
    remote = RemoteSession(spec, rules)
    try:
        yield remote.session
    finally:
        remote.close()


def find_image_endpoint(spec, rules):
    """Log in to the remote Keystone and find its Glance.

    ``rules``: outbound.Rules. Raises RemoteCloudRejected, saying which
    step failed and why, in Glint's words: never what the remote end
    answered, nor where it sent Glint.
    """
    try:
        with remote_session(spec, rules) as session:
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
    if not endpoint:
        raise exception.RemoteCloudRejected(
            'The remote catalog has no image endpoint (Glance) for region '
            '%s and interface %s.' % (spec['region_name'] or '(any)',
                                      spec['interface']))
    try:
        rules.policy.check_url(endpoint)
    except outbound.Refused as error:
        raise exception.RemoteCloudRejected(
            "The remote catalog's image endpoint cannot be used: %s." % error)
    return endpoint


# The local Keystone: the user's token, and trusts that outlive it.

def service_user(conf):
    """Glint's service user, as [keystone_authtoken] describes it."""
    group = conf.keystone_authtoken
    ks_loading.load_auth_from_conf_options(conf, 'keystone_authtoken')
    return {name: group[name] for name in (
        'auth_url', 'username', 'password', 'user_domain_name',
        'user_domain_id', 'project_name', 'project_domain_name',
        'project_domain_id')}


def user_session(user_auth, timeout, discovery_cache=None):
    """A session on the local cloud as the caller.

    ``user_auth`` is keystonemiddleware's plugin for the caller's token
    (``context.user_auth``): it has the token and its catalog already.
    ``discovery_cache``: a dict to share what version discovery finds with
    other sessions.
    """
    return ks_session.Session(auth=user_auth, timeout=timeout,
                              discovery_cache=discovery_cache)


def create_trust(session, user_id, project_id, roles, lifetime,
                 trustee_id):
    """A trust from the caller to Glint's service user (``trustee_id``).

    ``session`` is the caller's (see user_session). With impersonation:
    Glint acts for the caller in the local cloud, with the caller's roles in
    the caller's project, after the caller's token has expired.
    """
    client = ks_client.Client(session=session, interface='public')
    expires_at = (datetime.datetime.now(datetime.timezone.utc)
                  + datetime.timedelta(seconds=lifetime))
    trust = client.trusts.create(
        trustor_user=user_id, trustee_user=trustee_id, project=project_id,
        role_names=list(roles), impersonation=True,
        expires_at=expires_at.replace(tzinfo=None))
    return trust.id


def delete_trust(session, trust_id):
    """Delete a trust, with its trustor's session (see user_session)."""
    ks_client.Client(session=session, interface='public').trusts.delete(
        trust_id)


class TrustAuth(v3.Token):
    """A trust-scoped login of Glint's service user, by token.

    Each login takes the service user's current token from ``service``, a
    session that keeps it fresh, so that a trust-scoped token costs no
    password check and is renewed for as long as the trust lasts.
    """

    def __init__(self, auth_url, service, trust_id):
        super().__init__(auth_url, token='unset', trust_id=trust_id)
        self.service = service

    def get_auth_ref(self, session, **kwargs):
        self.auth_methods[0].token = self.service.get_token()
        return super().get_auth_ref(session, **kwargs)


def service_session(user, timeout):
    """A session of Glint's service user (see service_user)."""
    return ks_session.Session(auth=v3.Password(**user),
                              timeout=timeout)


def trust_session(service, trust_id, timeout):
    """A session on the local cloud through a trust.

    ``service`` is the service user's session; the trust-scoped token is
    renewed by itself for as long as the trust lasts.
    """
    auth = TrustAuth(service.auth.auth_url, service, trust_id)
    return ks_session.Session(auth=auth, timeout=timeout)


# The local Keystone: what "glint-manage register" does.

SERVICE_NAME = 'glint'
SERVICE_TYPE = 'image-distribution'
SERVICE_ROLE = 'service'


def _domain_ref(client, name, domain_id):
    if domain_id:
        return domain_id
    return _one(client.domains.list(name=name)).id


def _one(items):
    return items[0] if items else None


def register_service(admin_session, user, region, endpoints,
                     interface='public', log=print):
    """Make Glint known to the local Keystone, idempotently.

    ``user`` describes Glint's service user as [keystone_authtoken] does
    (auth_url, username, password, user_domain_name or user_domain_id,
    project_name, project_domain_name or project_domain_id); ``endpoints``
    maps an interface to its URL. Says through ``log`` what it found and what
    it did, and returns whether it changed anything.
    """
    client = ks_client.Client(session=admin_session, interface=interface)
    changed = []

    def outcome(what, done=None):
        if done:
            changed.append(what)
        log('%s: %s' % (what, done or 'exists, unchanged'))

    project_domain = _domain_ref(client, user['project_domain_name'],
                                 user['project_domain_id'])
    what = 'project %s' % user['project_name']
    project = _one(client.projects.list(name=user['project_name'],
                                        domain=project_domain))
    if project is None:
        project = client.projects.create(user['project_name'],
                                         project_domain,
                                         description='Service users')
        outcome(what, 'created')
    else:
        outcome(what)

    user_domain = _domain_ref(client, user['user_domain_name'],
                              user['user_domain_id'])
    what = 'user %s' % user['username']
    service_user = _one(client.users.list(name=user['username'],
                                          domain=user_domain))
    if service_user is None:
        service_user = client.users.create(
            user['username'], domain=user_domain, password=user['password'],
            default_project=project, description='Glint service user')
        outcome(what, 'created')
    else:
        outcome(what)

    role = _one(client.roles.list(name=SERVICE_ROLE))
    if role is None:
        role = client.roles.create(SERVICE_ROLE)
        outcome('role %s' % SERVICE_ROLE, 'created')
    what = 'role %s of user %s in project %s' % (
        SERVICE_ROLE, user['username'], user['project_name'])
    if client.role_assignments.list(user=service_user, project=project,
                                    role=role):
        outcome(what)
    else:
        client.roles.grant(role, user=service_user, project=project)
        outcome(what, 'granted')

    what = 'password of user %s' % user['username']
    try:
        ks_session.Session(auth=v3.Password(**user)).get_token()
        outcome(what)
    except ks_exc.Unauthorized:
        client.users.update(service_user, password=user['password'])
        outcome(what, 'set to the one in [keystone_authtoken]')

    try:
        client.regions.get(region)
    except ks_exc.NotFound:
        client.regions.create(id=region)
        outcome('region %s' % region, 'created')

    what = 'service %s (%s)' % (SERVICE_NAME, SERVICE_TYPE)
    service = _one(client.services.list(name=SERVICE_NAME,
                                        type=SERVICE_TYPE))
    if service is None:
        service = client.services.create(
            SERVICE_NAME, type=SERVICE_TYPE,
            description='Glint: one image, many clouds')
        outcome(what, 'created')
    else:
        outcome(what)

    for endpoint_interface, url in sorted(endpoints.items()):
        what = '%s endpoint in %s, %s' % (endpoint_interface, region, url)
        endpoint = _one(client.endpoints.list(
            service=service, interface=endpoint_interface, region=region))
        if endpoint is None:
            client.endpoints.create(service, url,
                                    interface=endpoint_interface,
                                    region=region)
            outcome(what, 'created')
        elif endpoint.url != url:
            client.endpoints.update(endpoint, url=url)
            outcome(what, 'updated')
        else:
            outcome(what)
    return bool(changed)
