"""/v1/clouds: the remote clouds of a project."""

from oslo_log import log as logging

from glint_service.api.policies import clouds as policies
from glint_service.api.schemas import clouds as cloud_schema
from glint_service.api import util
from glint_service import clouds
from glint_service.clouds import access
from glint_service.clouds import credentials
from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service.clouds import remote_keystone
from glint_service import exception
from glint_service import views

LOG = logging.getLogger(__name__)


def list_clouds(request):
    project_id = util.listed_project(request, policies.LIST,
                                     policies.LIST_ALL_PROJECTS)
    clouds = util.services(request).db.list_clouds(project_id)
    return util.json_response(
        {'clouds': [views.cloud(cloud) for cloud in clouds]})


def show_cloud(request):
    context = util.context(request)
    context.can(policies.SHOW)
    cloud = util.services(request).db.get_cloud(
        request.urlvars['cloud_id'], context.project_id)
    return util.json_response(views.cloud(cloud))


def create_cloud(request):
    context = util.context(request)
    context.can(policies.CREATE)
    services = util.services(request)
    spec = cloud_schema.complete(util.json_body(request))
    check_not_local(services, spec['name'])
    limit = services.conf.quota.clouds
    if services.db.count_clouds(context.project_id) >= limit:
        raise exception.QuotaExceeded('remote clouds', limit, 'clouds')
    services.outbound.check_cloud(spec)
    image_endpoint = remote_keystone.find_image_endpoint(spec,
                                                         services.outbound)
    cloud = services.db.create_cloud(dict(
        credentials.to_row(spec, services.vault),
        project_id=context.project_id, created_by=context.user_id,
        image_endpoint=image_endpoint))
    # Checked again once it is stored: of requests at the same moment, the
    # ones past the quota in the order of creation are undone.
    if services.db.count_clouds(context.project_id, until=cloud) > limit:
        services.db.delete_cloud(cloud.id, context.project_id)
        raise exception.QuotaExceeded('remote clouds', limit, 'clouds')
    LOG.info('Remote cloud %s (%s) added to project %s',
             cloud.id, cloud.name, cloud.project_id)
    return util.json_response(
        views.cloud(cloud), status=201,
        headers={'Location': util.link(request, '/v1/clouds/%s' % cloud.id)})


def check_not_local(services, name):
    """A remote cloud is never named as the local cloud is shown.

    Where clouds are listed side by side (a migration's targets, say), a
    user could not tell the two apart.
    """
    local_names = {clouds.LOCAL, services.conf.local_cloud.name.casefold()}
    if name.casefold() in local_names:
        raise exception.InvalidField('name', "is the local cloud's name")


def _owners(cloud):
    """The policy target of a stored cloud: its project and creator."""
    return {'project_id': cloud.project_id, 'created_by': cloud.created_by}


def update_cloud(request):
    context = util.context(request)
    services = util.services(request)
    cloud_id = request.urlvars['cloud_id']
    row = services.db.get_cloud(cloud_id, context.project_id)
    context.can(policies.UPDATE, _owners(row))
    stored = credentials.from_row(row, services.vault)
    spec = cloud_schema.merge(stored, util.json_body(request))
    if spec['name'] != stored['name']:
        check_not_local(services, spec['name'])
    values, sealed = {}, None
    if cloud_schema.connection_changed(stored, spec):
        services.outbound.check_cloud(spec)
        values, sealed = log_in_again(services, row, spec,
                                      util.json_body(request))
    values.update(credentials.to_row(spec, services.vault))
    cloud = services.db.update_cloud(cloud_id, context.project_id, values,
                                     row.updated_at, sealed)
    LOG.info('Remote cloud %s (%s) updated', cloud.id, cloud.name)
    return util.json_response(views.cloud(cloud))


def log_in_again(services, row, spec, patch):
    """Log in to a cloud changed by a PATCH: (its new columns, sealed).

    ``sealed``: the secrets the change replaces, or None. A refresh token
    not given again is the stored one: exchanged as every process
    exchanges it (see access.StoredRefreshToken), and ``spec`` takes the
    token as that left it; the change is stored only if no process rotated
    it since. The login worked: a refusal recorded is
    forgotten.
    """
    refresh_tokens = None
    if spec['auth_type'] == credentials.OIDC_REFRESH_TOKEN and (
            'refresh_token' not in patch):
        refresh_tokens = access.StoredRefreshToken(
            services.db, services.vault, row.id, services.outbound)
    image_endpoint = remote_keystone.find_image_endpoint(
        spec, services.outbound, refresh_tokens)
    sealed = None
    if refresh_tokens is not None:
        sealed = services.db.cloud_secrets(row.id)
        spec['refresh_token'] = services.vault.decrypt(sealed)[
            'refresh_token']
    return {'image_endpoint': image_endpoint, 'credentials_refused_at': None,
            'credentials_refused_reason': None}, sealed


def delete_cloud(request):
    context = util.context(request)
    cloud_id = request.urlvars['cloud_id']
    db = util.services(request).db
    context.can(policies.DELETE,
                _owners(db.get_cloud(cloud_id, context.project_id)))
    if db.cloud_in_use(cloud_id):
        raise exception.Conflict('A queued or running migration uses remote '
                                 'cloud %s; cancel it first.' % cloud_id)
    if db.has_leftovers(cloud_id):
        # Its credentials are how Glint deletes them.
        raise exception.Conflict(
            'Glint has still to delete a partial image it left at remote '
            'cloud %s (it tries again by itself); the cloud can be deleted '
            'once it has.' % cloud_id)
    db.delete_cloud(cloud_id, context.project_id)
    util.services(request).remote_sessions.forget(cloud_id)
    LOG.info('Remote cloud %s deleted', cloud_id)
    return util.no_content()


def check_cloud(request):
    """Whether a remote cloud answers, as a migration would reach it.

    Glint logs in to it afresh with the stored credentials (not with the
    token of a session kept for it) and asks its Glance for one image.
    What failed is said in Glint's words. A cloud marked as refusing its
    credentials is tried too: the mark goes if the login works.
    """
    context = util.context(request)
    context.can(policies.CHECK)
    services = util.services(request)
    cloud = services.db.get_cloud(request.urlvars['cloud_id'],
                                  context.project_id)
    spec = credentials.from_row(cloud, services.vault)
    # A refusal recorded is what this check tries again: it is marked
    # again, or forgotten if the login works.
    try:
        with remote_keystone.remote_session(
                spec, services.outbound,
                access.StoredRefreshToken(services.db, services.vault,
                                          cloud.id, services.outbound),
                access.Listener(services.db, cloud.id,
                                cloud.updated_at)) as session:
            glance.Glance(session, spec['interface'],
                          spec['region_name']).first_images()
    except Exception as error:
        reason = outbound.describe(error)
        LOG.info('Remote cloud %s does not answer: %s', cloud.id, reason)
        return util.json_response({'reachable': False, 'error': reason})
    return util.json_response({'reachable': True, 'error': None})
