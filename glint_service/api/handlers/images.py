"""/v1/images: the images of every cloud of the project, side by side;
and the data of any of them."""

import concurrent.futures
import datetime
import time

from glint_service.api import download_links
from glint_service.api import image_data
from glint_service.api import image_listing
from glint_service.api.policies import images as policies
from glint_service.api import util
from glint_service import clouds
from glint_service.clouds import access
from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service import exception
from glint_service import views


# The most clouds listed at once for one request.
MAX_THREADS = 8


def list_images(request):
    context = util.context(request)
    context.can(policies.LIST)
    services = util.services(request)
    project_clouds = [(clouds.LOCAL, services.conf.local_cloud.name)] + [
        (cloud.id, cloud.name)
        for cloud in services.db.list_clouds(context.project_id)]
    wanted = request.GET.getall('cloud')
    if wanted:
        known = {cloud_id for cloud_id, _ in project_clouds}
        for cloud_id in wanted:
            if cloud_id not in known:
                raise exception.InvalidField(
                    'cloud', 'no cloud %s in this project' % cloud_id)
        project_clouds = [c for c in project_clouds if c[0] in wanted]
    # Each cloud's listing stops between two pages once the time is up; a
    # call already made ends by its own deadline ([remote_clouds]). The
    # request ends once every listing has: no thread outlives it.
    timeout = services.outbound.listing_seconds
    deadline = time.monotonic() + timeout
    with concurrent.futures.ThreadPoolExecutor(
            min(len(project_clouds), MAX_THREADS)) as pool:
        futures = [pool.submit(_list_one, services, context, cloud_id,
                               deadline)
                   for cloud_id, _ in project_clouds]
    listings = []
    for (cloud_id, name), future in zip(project_clouds, futures):
        try:
            listings.append((cloud_id, name, future.result(), None))
        except glance.OutOfTime:
            listings.append((cloud_id, name, None,
                             'no answer within %ds' % timeout))
        except glance.TooManyPages as error:
            listings.append((cloud_id, name, None, str(error)))
        except Exception as error:
            listings.append((cloud_id, name, None, outbound.describe(error)))
    return util.json_response(image_listing.group(listings))


def _list_one(services, context, cloud_id, deadline):
    glance_ = access.callers_glance(services, context, cloud_id)
    return glance_.list_images(deadline=deadline)


def download_image(request):
    """The data of an image of one of the project's clouds, or a range."""
    services, glance_, image = _readable_image(request)
    return image_data.response(request, glance_, image,
                               services.conf.migrations)


def create_download_link(request):
    """A link that downloads an image without a token, for a few minutes.

    Made only for an image the caller may download now.
    """
    services, glance_, image = _readable_image(request)
    token, expires = download_links.make(
        services, util.context(request), request.urlvars['cloud_id'],
        request.urlvars['image_id'])
    return util.json_response(
        {'url': util.link(request, '/v1/downloads/%s' % token),
         'expires_at': views.iso(datetime.datetime.fromtimestamp(
             expires, datetime.timezone.utc).replace(tzinfo=None))},
        status=201)


def _readable_image(request):
    """(services, its Glance, the image) of a request that reads an image.

    The image must be one the caller may download, and active.
    """
    context = util.context(request)
    context.can(policies.DOWNLOAD)
    services = util.services(request)
    cloud_id = request.urlvars['cloud_id']
    glance_ = access.callers_glance(services, context, cloud_id)
    return services, glance_, image_data.active_image(
        glance_, cloud_id, request.urlvars['image_id'])


def download_by_link(request):
    """The data of the image of a download link, to whoever has it."""
    services = util.services(request)
    link = download_links.read(services, request.urlvars['token'])
    glance_ = download_links.glance_of(services, link)
    image = image_data.active_image(glance_, link['cloud_id'],
                                    link['image_id'])
    response = image_data.response(request, glance_, image,
                                   services.conf.migrations)
    response.content_disposition = image_data.attachment(image)
    return response
