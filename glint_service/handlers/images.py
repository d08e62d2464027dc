"""/v1/images: the images of every cloud of the project, side by side."""

import concurrent.futures
import time

from glint_service import cloud_access
from glint_service import exception
from glint_service import images
from glint_service.policies import migrations as policies
from glint_service import util


def list_images(request):
    context = util.context(request)
    context.can(policies.LIST_IMAGES)
    state = util.state(request)
    clouds = [(cloud_access.LOCAL, state.conf.local_cloud.name)] + [
        (cloud.id, cloud.name)
        for cloud in state.db.list_clouds(context.project_id)]
    wanted = request.GET.getall('cloud')
    if wanted:
        known = {cloud_id for cloud_id, _ in clouds}
        for cloud_id in wanted:
            if cloud_id not in known:
                raise exception.InvalidField(
                    'cloud', 'no cloud %s in this project' % cloud_id)
        clouds = [c for c in clouds if c[0] in wanted]
    timeout = state.conf.remote_clouds.timeout * 2
    pool = concurrent.futures.ThreadPoolExecutor(len(clouds))
    futures = [pool.submit(_list_one, state, context, cloud_id)
               for cloud_id, _ in clouds]
    # A cloud that does not answer in time is reported, not waited for.
    pool.shutdown(wait=False)
    deadline = time.monotonic() + timeout
    listings = []
    for (cloud_id, name), future in zip(clouds, futures):
        try:
            listings.append((cloud_id, name, future.result(
                timeout=max(0, deadline - time.monotonic())), None))
        except concurrent.futures.TimeoutError:
            listings.append((cloud_id, name, None,
                             'no answer within %ds' % timeout))
        except Exception as error:
            listings.append((cloud_id, name, None,
                             'unreachable: %s' % type(error).__name__))
    return util.json_response(images.group(listings))


def _list_one(state, context, cloud_id):
    return cloud_access.callers_glance(state, context,
                                       cloud_id).list_images()
