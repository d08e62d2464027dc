"""/v1/clouds: the remote clouds of a project."""

from oslo_log import log as logging

from glint_service import cloud_spec
from glint_service import exception
from glint_service import glance
from glint_service import outbound
from glint_service.policies import clouds as policies
from glint_service import remote_keystone
from glint_service import util

LOG = logging.getLogger(__name__)


def list_clouds(request):
    project_id = util.listed_project(request, policies.LIST,
                                     policies.LIST_ALL_PROJECTS)
    clouds = util.state(request).db.list_clouds(project_id)
    return util.json_response(
        {'clouds': [cloud_spec.to_dict(cloud) for cloud in clouds]})


def show_cloud(request):
    context = util.context(request)
    context.can(policies.SHOW)
    cloud = util.state(request).db.get_cloud(
        request.urlvars['cloud_id'], context.project_id)
    return util.json_response(cloud_spec.to_dict(cloud))


def create_cloud(request):
    context = util.context(request)
    context.can(policies.CREATE)
    state = util.state(request)
    spec = cloud_spec.complete(util.json_body(request))
    limit = state.conf.quota.clouds
    if state.db.count_clouds(context.project_id) >= limit:
        raise exception.QuotaExceeded('remote clouds', limit, 'clouds')
    state.outbound.check_cloud(spec)
    image_endpoint = remote_keystone.find_image_endpoint(spec,
                                                         state.outbound)
    cloud = state.db.create_cloud(dict(
        cloud_spec.to_row(spec, state.vault),
        project_id=context.project_id, created_by=context.user_id,
        image_endpoint=image_endpoint))
    LOG.info('Remote cloud %s (%s) added to project %s',
             cloud.id, cloud.name, cloud.project_id)
    return util.json_response(
        cloud_spec.to_dict(cloud), status=201,
        headers={'Location': '%s/%s' % (request.path_url, cloud.id)})


def _owners(cloud):
    """The policy target of a stored cloud: its project and creator."""
    return {'project_id': cloud.project_id, 'created_by': cloud.created_by}


def update_cloud(request):
    context = util.context(request)
    state = util.state(request)
    cloud_id = request.urlvars['cloud_id']
    row = state.db.get_cloud(cloud_id, context.project_id)
    context.can(policies.UPDATE, _owners(row))
    stored = cloud_spec.from_row(row, state.vault)
    spec = cloud_spec.merge(stored, util.json_body(request))
    values = cloud_spec.to_row(spec, state.vault)
    if cloud_spec.connection_changed(stored, spec):
        state.outbound.check_cloud(spec)
        values['image_endpoint'] = remote_keystone.find_image_endpoint(
            spec, state.outbound)
    cloud = state.db.update_cloud(cloud_id, context.project_id, values)
    LOG.info('Remote cloud %s (%s) updated', cloud.id, cloud.name)
    return util.json_response(cloud_spec.to_dict(cloud))


def delete_cloud(request):
    context = util.context(request)
    cloud_id = request.urlvars['cloud_id']
    db = util.state(request).db
    context.can(policies.DELETE,
                _owners(db.get_cloud(cloud_id, context.project_id)))
    if db.cloud_in_use(cloud_id):
        raise exception.Conflict('A queued or running migration uses remote '
                                 'cloud %s; cancel it first.' % cloud_id)
    db.delete_cloud(cloud_id, context.project_id)
    util.state(request).remote_sessions.forget(cloud_id)
    LOG.info('Remote cloud %s deleted', cloud_id)
    return util.no_content()


def check_cloud(request):
    """Whether a remote cloud answers, as a migration would reach it.

    Glint logs in to it afresh with the stored credentials (not with the
    token of a session kept for it) and asks its Glance for one image.
    What failed is said in Glint's words.
    """
    context = util.context(request)
    context.can(policies.CHECK)
    state = util.state(request)
    cloud = state.db.get_cloud(request.urlvars['cloud_id'],
                               context.project_id)
    spec = cloud_spec.from_row(cloud, state.vault)
    try:
        with remote_keystone.remote_session(spec, state.outbound) as session:
            glance.Glance(session, spec['interface'],
                          spec['region_name']).first_images()
    except Exception as error:
        reason = outbound.describe(error)
        LOG.info('Remote cloud %s does not answer: %s', cloud.id, reason)
        return util.json_response({'reachable': False, 'error': reason})
    return util.json_response({'reachable': True, 'error': None})
