"""/v1/migrations: images streamed from one cloud to others."""

import json
import urllib.parse

from oslo_log import log as logging

from glint_service.api.policies import migrations as policies
from glint_service.api.schemas import migrations as migration_schema
from glint_service.api.schemas import uploads as upload_schema
from glint_service.api import uploads
from glint_service.api import util
from glint_service import clouds
from glint_service.clouds import access
from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service.clouds import trusts
from glint_service import exception
from glint_service import states
from glint_service import views

LOG = logging.getLogger(__name__)


def list_migrations(request):
    project_id = util.listed_project(request, policies.LIST,
                                     policies.LIST_ALL_PROJECTS)
    status = request.GET.get('status')
    if status is not None and status not in states.MIGRATION_STATUSES:
        raise exception.InvalidField(
            'status', 'must be one of: %s' % ', '.join(
                states.MIGRATION_STATUSES))
    services = util.services(request)
    limit = util.query_int(request, 'limit', 1,
                           services.conf.api.max_limit)
    marker = request.GET.get('marker')
    if marker is not None:
        try:
            marker = services.db.get_migration(marker, project_id)
        except exception.NotFound:
            raise exception.InvalidField('marker', 'no migration %s here'
                                         % marker)
    # One more than the page, to know whether there is a next one.
    migrations = services.db.list_migrations(project_id, status, limit + 1,
                                             marker)
    trusts.delete_ended(services, util.context(request))
    page = {'migrations': [views.migration(m) for m in migrations[:limit]]}
    if len(migrations) > limit:
        query = dict(request.GET.items(), marker=migrations[limit - 1].id)
        page['next'] = util.link(request, '/v1/migrations?%s'
                                 % urllib.parse.urlencode(query))
    return util.json_response(page)


def show_migration(request):
    context = util.context(request)
    context.can(policies.SHOW)
    services = util.services(request)
    migration = services.db.get_migration(request.urlvars['migration_id'],
                                          context.project_id)
    if migration.status not in states.UNFINISHED and not any(
            target.leftover for target in migration.targets):
        # Its trust is no longer needed; only its trustor may delete it.
        trusts.forget(services, context, migration)
    return util.json_response(views.migration(migration))


def create_migration(request):
    """Queue a migration of an image; or an upload, to await its data."""
    context = util.context(request)
    context.can(policies.CREATE)
    services = util.services(request)
    body = util.json_body(request)
    if upload_schema.is_new_image(body):
        spec = upload_schema.complete(body)
    else:
        spec = migration_schema.complete(body)
    limit = services.conf.quota.migrations
    if services.db.count_unfinished_migrations(context.project_id) >= limit:
        raise exception.QuotaExceeded('queued or running migrations', limit,
                                      'migrations')
    check_clouds(services, context, spec)
    if spec['source'] == upload_schema.UPLOAD:
        image, status = upload_image(spec), states.AWAITING_DATA
    elif spec['source'] == upload_schema.URL:
        check_link(services, spec['source_link'])
        image, status = upload_image(spec), None
    else:
        image, status = find_source_image(services, context, spec), None
    trust_id = None
    if clouds.LOCAL in [spec['source']] + spec['targets']:
        # An upload of a size not known yet: a trust of trust_lifetime.
        size = image['size'] if image.get('size') is not None else MAX_SIZE
        trust_id = trusts.create(services, context, size)
    try:
        migration = record_migration(services, context, spec, image,
                                     trust_id, status or states.QUEUED)
    except Exception:
        if trust_id is not None:
            trusts.discard(services, context, trust_id)
        raise
    LOG.info('Migration %s %s: image %s from %s to %s', migration.id,
             migration.status, image['id'], spec['source'],
             ', '.join(spec['targets']))
    return util.json_response(
        views.migration(migration), status=202,
        headers={'Location': util.link(
            request, '/v1/migrations/%s' % migration.id)})


def upload_data(request):
    """An upload's data, streamed to its targets as it comes; its end."""
    context = util.context(request)
    context.can(policies.UPLOAD)
    services = util.services(request)
    migration = services.db.get_migration(request.urlvars['migration_id'],
                                          context.project_id)
    uploads.check_awaits_data(migration)
    size = uploads.size_of(request, migration)
    uploads.receive(services, migration, request.body_file_raw, size)
    return util.json_response(views.migration(
        services.db.get_migration(migration.id)))


def check_link(services, link):
    """A link's URLs against the outbound policy: 400 naming the refused."""
    for field in ('url', 'checksum_url'):
        if link[field] is None:
            continue
        try:
            services.outbound.destinations.check_url(link[field])
        except outbound.Refused as error:
            raise exception.InvalidField('source.%s' % field, str(error))


def upload_image(spec):
    """The image an upload makes, as a source image's record would be."""
    return dict(spec['image_metadata'], id=None, name=spec['name'],
                size=spec['size'], os_hash_algo=spec['os_hash_algo'],
                os_hash_value=spec['os_hash_value'])


def record_migration(services, context, spec, image, trust_id, status):
    """Queue the migration: its record and its targets'.

    The quota is checked again once it is stored: of requests at the same
    moment, the ones past it in the order of creation are undone (unless an
    engine has taken one already, within these milliseconds).
    """
    migration = services.db.create_migration({
        'project_id': context.project_id, 'created_by': context.user_id,
        'image_id': image['id'], 'image_name': image.get('name'),
        'source': spec['source'], 'name': spec['name'],
        'visibility': spec['visibility'],
        'on_conflict': spec['on_conflict'], 'size': image.get('size'),
        'os_hash_algo': image.get('os_hash_algo'),
        'os_hash_value': image.get('os_hash_value'),
        'image_metadata': glance.copied_metadata(image), 'trust_id': trust_id,
        'source_link': spec.get('source_link'),
    }, spec['targets'], {'name': spec['name'] or image.get('name'),
                         'visibility': spec['visibility']}, status)
    limit = services.conf.quota.migrations
    if services.db.count_unfinished_migrations(
            context.project_id, until=migration) > limit and (
            services.db.delete_queued(migration.id)):
        raise exception.QuotaExceeded('queued or running migrations', limit,
                                      'migrations')
    return migration


def delete_migration(request):
    """Cancel a queued or running migration, or forget a finished one."""
    context = util.context(request)
    context.can(policies.DELETE)
    services = util.services(request)
    db = services.db
    migration = db.get_migration(request.urlvars['migration_id'],
                                 context.project_id)
    if migration.status in states.UNFINISHED:
        if db.cancel_queued(migration.id):
            trusts.forget(services, context, migration)
        else:
            db.request_cancel(migration.id)
        LOG.info('Migration %s: cancel asked for', migration.id)
        return util.json_response(views.migration(
            db.get_migration(migration.id)), status=202)
    pending = [t.cloud_id for t in migration.targets if t.leftover]
    if pending:
        raise exception.Conflict(
            'Glint has not yet deleted the partial image it left at cloud %s '
            '(it tries again by itself); the record can be deleted once it '
            'has.' % ', '.join(pending))
    trusts.forget(services, context, migration)
    db.delete_migration(migration.id)
    return util.no_content()


def check_clouds(services, context, spec):
    """Every cloud named must be the local one or one of the project's.

    A remote cloud that refused its credentials is a conflict, saying so.
    """
    for field, cloud_ids in (('source', [spec['source']]),
                             ('targets', spec['targets'])):
        for cloud_id in cloud_ids:
            if cloud_id in (clouds.LOCAL, upload_schema.UPLOAD,
                            upload_schema.URL):
                continue
            try:
                cloud = services.db.get_cloud(cloud_id, context.project_id)
            except exception.NotFound:
                raise exception.InvalidField(
                    field, 'no remote cloud %s in this project' % cloud_id)
            if cloud.credentials_refused_at is not None:
                raise exception.Conflict('%s: remote cloud %s cannot be '
                                         'used: %s.' % (
                                             field, cloud_id,
                                             access.refused_reason(cloud)))


def find_source_image(services, context, spec):
    """The source image, which must be active."""
    source = access.callers_glance(services, context, spec['source'])
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
    if image.get('status') != 'active':
        raise exception.InvalidField(
            'image_id', 'image %s is %s, not active'
            % (spec['image_id'], glance.status_of(image)))
    check_source_image(image, spec['image_id'])
    return image


# What Glint keeps of a source image, as its columns take it.
_TEXT_LIMITS = {'name': 255, 'os_hash_algo': 64, 'os_hash_value': 128}
MAX_METADATA_BYTES = 64 * 1024
MAX_SIZE = migration_schema.MAX_SIZE
# How deep a property's value may nest lists and objects: Glance's own are
# text, numbers and lists of text.
MAX_PROPERTY_DEPTH = 4


def check_source_image(image, image_id):
    """The source image's metadata, as Glint stores it, or 400 saying why.

    A remote cloud's Glance may answer anything: another image, a size that
    is not a number, names too long for Glint's columns, megabytes of
    properties nested without end.
    """
    def refuse(reason):
        raise exception.RemoteCloudRejected(
            "source: the image's metadata cannot be used: %s." % reason)

    try:
        answered = glance.image_id_of(image)
    except glance.NotAnImage:
        refuse('it has no id')
    if answered.lower() != image_id.lower():
        refuse('it is the record of another image')
    size = image.get('size')
    if isinstance(size, bool) or not isinstance(size, int) or not (
            0 <= size <= MAX_SIZE):
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
    metadata = glance.copied_metadata(image)
    if any(_depth(value) > MAX_PROPERTY_DEPTH for value in metadata.values()):
        refuse('its properties nest more than %d levels deep'
               % MAX_PROPERTY_DEPTH)
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        refuse('its properties take more than %d bytes'
               % MAX_METADATA_BYTES)


def _depth(value, limit=MAX_PROPERTY_DEPTH + 1):
    """How deep lists and objects nest in ``value``, counted to ``limit``."""
    if limit == 0 or not isinstance(value, (list, dict)):
        return 0
    items = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(item, limit - 1) for item in items), default=0)
