"""/v1/x509/users: the people who log in with an X.509 certificate.

An admin adds a certificate's subject DN with its issuer's DN (a DN from
another CA is another person); the mapping of that CA in Keystone then
logs it in as a local user, with a role in a project (see
glint_service.clouds.federation). Glint acts on Keystone with the caller's
own token, so Keystone's policy applies on top of Glint's.
"""

from oslo_log import log as logging

from glint_service.api.policies import x509_users as policies
from glint_service.api.schemas import x509_users as user_schema
from glint_service.api import util
from glint_service.clouds import federation
from glint_service import exception
from glint_service import views

LOG = logging.getLogger(__name__)


def callers_keystone(request):
    """A session on the local Keystone with the caller's own token."""
    services = util.services(request)
    return services.user_session(util.context(request).user_auth)


def list_x509_users(request):
    """Every certificate user, or those of ``?dn=`` and ``?issuer=``.

    The DNs of the query are normalised as the stored ones are, so that a
    DN in any of its written forms finds its user.
    """
    util.context(request).can(policies.LIST)
    wanted = user_schema.query(request.GET)
    users = federation.list_users(callers_keystone(request))
    return util.json_response(
        {'users': [views.x509_user(user) for user in users
                   if all(user[k] == v for k, v in wanted.items())]})


def show_x509_user(request):
    util.context(request).can(policies.SHOW)
    return util.json_response(views.x509_user(find_user(
        callers_keystone(request), request.urlvars['user_id'])))


def create_x509_user(request):
    util.context(request).can(policies.CREATE)
    spec = user_schema.complete(util.json_body(request))
    # The project by id, or by a name that only one project has.
    user = federation.add_user(callers_keystone(request), spec['dn'],
                               spec['issuer'], spec['project'],
                               role=spec['role'], name=spec['name'])
    LOG.info('Certificate user %s (%s, issued by %s) added, role %s in '
             'project %s', user['id'], user['dn'], user['issuer'],
             user['role'], user['project_id'])
    return util.json_response(
        views.x509_user(user), status=201,
        headers={'Location': util.link(request,
                                       '/v1/x509/users/%s' % user['id'])})


def delete_x509_user(request):
    util.context(request).can(policies.DELETE)
    user_id = request.urlvars['user_id']
    federation.remove_user(callers_keystone(request), user_id)
    LOG.info('Certificate user %s removed', user_id)
    return util.no_content()


def find_user(keystone, user_id):
    """The certificate user with this Keystone user id, or NotFound."""
    for user in federation.list_users(keystone):
        if user['id'] == user_id:
            return user
    raise exception.NotFound('No certificate user has the id %s.' % user_id)
