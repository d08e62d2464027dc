"""What ``glint-manage register`` does in the local Keystone: Glint's service
user, its service and its endpoints, made idempotently.
"""

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client


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
