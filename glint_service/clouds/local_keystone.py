"""Glint's one module that talks to the local Keystone for migrations: the
caller's token, Glint's own service user, and the trusts that let a
migration act for its user after the token has expired.
"""

import datetime

from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client


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


def trust_session(service, trust_id, timeout, discovery_cache=None):
    """A session on the local cloud through a trust.

    ``service`` is the service user's session; the trust-scoped token is
    renewed by itself for as long as the trust lasts. ``discovery_cache``:
    as for user_session.
    """
    auth = TrustAuth(service.auth.auth_url, service, trust_id)
    return ks_session.Session(auth=auth, timeout=timeout,
                              discovery_cache=discovery_cache)
