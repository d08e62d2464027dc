"""Sessions on the local Keystone: the caller's token and Glint's own
service user. The trusts made with them are in trusts.
"""

from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session


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


def service_session(user, timeout):
    """A session of Glint's service user (see service_user)."""
    return ks_session.Session(auth=v3.Password(**user),
                              timeout=timeout)
