"""Sessions on the local Keystone: the caller's token and Glint's own
service user, and the projects a request names. The trusts made with them
are in trusts; the federation of certificate users in federation.
"""

import urllib.parse

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client

from glint_service import exception


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


def find_project(session, name_or_id, interface='public', region_name=None):
    """The id of the local project with this id, or else this name.

    Asked of Keystone with ``session`` (the caller's: Keystone's policy on
    projects applies). InvalidField naming ``project`` when there is none,
    or when projects of several domains have that name.
    """
    keystone = ks_client.Client(session=session, interface=interface,
                                region_name=region_name)
    try:
        try:
            # Escaped: keystoneclient puts it in the path as it is.
            return keystone.projects.get(
                urllib.parse.quote(name_or_id, safe='')).id
        except ks_exc.NotFound:
            found = keystone.projects.list(name=name_or_id)
    except ks_exc.Forbidden:
        raise exception.Forbidden(
            'The local Keystone does not let your token look up projects '
            '(HTTP 403).')
    if not found:
        raise exception.InvalidField(
            'project', 'no project of the local cloud has this name or id')
    if len(found) > 1:
        raise exception.InvalidField(
            'project', '%d projects, in different domains, have this name: '
            'give its id' % len(found))
    return found[0].id
