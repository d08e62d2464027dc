"""/v1/migrations: images streamed from one cloud to others."""

import json

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging

from glint_service import cloud_access
from glint_service import exception
from glint_service import glance
from glint_service import local_keystone
from glint_service import migration_spec
from glint_service import outbound
from glint_service.policies import migrations as policies
from glint_service import util

LOG = logging.getLogger(__name__)


def list_migrations(request):
    project_id = util.listed_project(request, policies.LIST,
                                     policies.LIST_ALL_PROJECTS)
    status = request.GET.get('status')
    if status is not None and status not in migration_spec.STATUSES:
        raise exception.InvalidField(
            'status', 'must be one of: %s' % ', '.join(
                migration_spec.STATUSES))
    state = util.state(request)
    migrations = state.db.list_migrations(project_id, status)
    cloud_access.delete_trusts_left(state, util.context(request))
    return util.json_response({'migrations': [
        migration_spec.to_dict(m) for m in migrations]})


def show_migration(request):
    context = util.context(request)
    context.can(policies.SHOW)
    state = util.state(request)
    migration = state.db.get_migration(request.urlvars['migration_id'],
                                       context.project_id)
    if migration.status not in ('queued', 'running'):
        # Its trust is no longer needed; only its trustor may delete it.
        forget_trust(state, context, migration)
    return util.json_response(migration_spec.to_dict(migration))


def create_migration(request):
    context = util.context(request)
    context.can(policies.CREATE)
    state = util.state(request)
    spec = migration_spec.complete(util.json_body(request))
    limit = state.conf.quota.migrations
    if state.db.count_unfinished_migrations(context.project_id) >= limit:
        raise exception.QuotaExceeded('queued or running migrations', limit,
                                      'migrations')
    check_clouds(state, context, spec)
    image = find_source_image(state, context, spec)
    trust_id = None
    if cloud_access.LOCAL in [spec['source']] + spec['targets']:
        trust_id = make_trust(state, context, trust_roles(context.roles),
                              trust_lifetime(state.conf.migrations,
                                             image.get('size')))
    migration = state.db.create_migration({
        'project_id': context.project_id, 'created_by': context.user_id,
        'image_id': image['id'], 'image_name': image.get('name'),
        'source': spec['source'], 'name': spec['name'],
        'visibility': spec['visibility'],
        'on_conflict': spec['on_conflict'], 'size': image.get('size'),
        'os_hash_algo': image.get('os_hash_algo'),
        'os_hash_value': image.get('os_hash_value'),
        'image_metadata': glance.copied_metadata(image), 'trust_id': trust_id,
    }, spec['targets'], {'name': spec['name'] or image.get('name'),
                         'visibility': spec['visibility']})
    LOG.info('Migration %s queued: image %s from %s to %s', migration.id,
             image['id'], spec['source'], ', '.join(spec['targets']))
    return util.json_response(
        migration_spec.to_dict(migration), status=202,
        headers={'Location': '%s/%s' % (request.path_url, migration.id)})


def delete_migration(request):
    """Cancel a queued or running migration, or forget a finished one."""
    context = util.context(request)
    context.can(policies.DELETE)
    state = util.state(request)
    db = state.db
    migration = db.get_migration(request.urlvars['migration_id'],
                                 context.project_id)
    if migration.status in ('queued', 'running'):
        if db.cancel_queued(migration.id):
            forget_trust(state, context, migration)
        else:
            db.request_cancel(migration.id)
        LOG.info('Migration %s: cancel asked for', migration.id)
        return util.json_response(migration_spec.to_dict(
            db.get_migration(migration.id)), status=202)
    pending = [t.cloud_id for t in migration.targets if t.leftover]
    if pending:
        raise exception.Conflict(
            'Glint has not yet deleted the partial image it left at cloud %s '
            '(it tries again by itself); the record can be deleted once it '
            'has.' % ', '.join(pending))
    forget_trust(state, context, migration)
    db.delete_migration(migration.id)
    return util.no_content()


def forget_trust(state, context, migration):
    """Delete the trust of a migration that will not run any more.

    The engine cannot (Keystone lets only the trustor delete a trust): it
    goes when its trustor next looks at the migration once it has ended, or
    lists migrations, cancels it while queued or deletes its record. For
    anyone else it stays until it expires.
    """
    if context.user_id == migration.created_by:
        cloud_access.delete_trust(state, state.user_session(context.user_auth),
                                  migration)


def trust_roles(roles):
    """The roles a migration's trust delegates: no more than it needs.

    ``member``, which Glance asks for to download an image as well as to
    make one (its default policy), never ``admin``; the caller's own roles
    if the caller has not that one (Keystone delegates only roles one has,
    and a policy file may grant migrations to other roles).
    """
    return ['member'] if 'member' in roles else list(roles)


def trust_lifetime(conf, size):
    """Seconds a migration's trust lasts: its queueing and its transfer."""
    needed = conf.trust_queue_seconds + (size or 0) // conf.trust_min_rate
    return min(conf.trust_lifetime, needed)


def make_trust(state, context, roles, lifetime):
    """A trust for the migration to act as the caller in the local cloud."""
    try:
        return local_keystone.create_trust(
            state.user_session(context.user_auth),
            context.user_id, context.project_id, roles, lifetime,
            state.service_session().get_user_id())
    except ks_exc.ClientException as error:
        LOG.warning('No trust for a migration of user %s: %s',
                    context.user_id, type(error).__name__)
        raise exception.ServiceUnavailable(
            'The local Keystone did not make the trust this migration needs '
            'to act for you after your token expires (%s).'
            % type(error).__name__)


def check_clouds(state, context, spec):
    """Every cloud named must be the local one or one of the project's."""
    for field, cloud_ids in (('source', [spec['source']]),
                             ('targets', spec['targets'])):
        for cloud_id in cloud_ids:
            if cloud_id == cloud_access.LOCAL:
                continue
            try:
                state.db.get_cloud(cloud_id, context.project_id)
            except exception.NotFound:
                raise exception.InvalidField(
                    field, 'no remote cloud %s in this project' % cloud_id)


def find_source_image(state, context, spec):
    """The source image, which must be active."""
    source = cloud_access.callers_glance(state, context, spec['source'])
    try:
        image = source.get_image(spec['image_id'])
    except glance.NotFound:
        raise exception.InvalidField(
            'image_id', 'no image %s in cloud %s'
            % (spec['image_id'], spec['source']))
    except Exception as error:
        raise exception.RemoteCloudRejected(
            'source: the Glance of cloud %s could not be asked for the '
            'image: %s' % (spec['source'], outbound.describe(error)))
    if not isinstance(image, dict) or image.get('status') != 'active':
        raise exception.InvalidField(
            'image_id', 'image %s is %s, not active'
            % (spec['image_id'], glance.status_of(
                image if isinstance(image, dict) else {})))
    check_source_image(image)
    return image


# What Glint keeps of a source image, as its columns take it.
_TEXT_LIMITS = {'name': 255, 'os_hash_algo': 64, 'os_hash_value': 128}
MAX_METADATA_BYTES = 64 * 1024


def check_source_image(image):
    """The source image's metadata, as Glint stores it, or 400 saying why.

    A remote cloud's Glance may answer anything: a size that is not a
    number, names too long for Glint's columns, megabytes of properties.
    """
    def refuse(reason):
        raise exception.RemoteCloudRejected(
            "source: the image's metadata cannot be used: %s." % reason)

    size = image.get('size')
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        refuse('its size is not a number of bytes')
    for field, limit in _TEXT_LIMITS.items():
        value = image.get(field)
        if value is not None and not (isinstance(value, str)
                                      and len(value) <= limit):
            refuse('%s is not text of at most %d characters'
                   % (field, limit))
    tags = image.get('tags')
    if tags is not None and not (isinstance(tags, list) and all(
            isinstance(tag, str) for tag in tags)):
        refuse('its tags are not a list of text')
    if len(json.dumps(glance.copied_metadata(image))) > MAX_METADATA_BYTES:
        refuse('its properties take more than %d bytes'
               % MAX_METADATA_BYTES)
