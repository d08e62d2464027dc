"""The cross-cloud image list: copies grouped by content, conflicts flagged.

Pure logic: the listings come in, the contract's document goes out.
"""

import collections


def key_of(image):
    if image.get('os_hash_value'):
        return image['os_hash_value']
    return 'name:%s' % image.get('name')


def group(listings):
    """The contract's ``{"clouds": ..., "images": ...}`` document.

    ``listings`` holds (cloud_id, cloud_name, images or None, error), in
    order, the local cloud first.
    """
    clouds = []
    groups = collections.OrderedDict()
    for cloud_id, cloud_name, images, error in listings:
        clouds.append({'id': cloud_id, 'name': cloud_name,
                       'reachable': images is not None, 'error': error})
        for image in images or ():
            entry = groups.setdefault(key_of(image), {
                'key': key_of(image), 'name': image.get('name'),
                'size': image.get('size'),
                'disk_format': image.get('disk_format'),
                'copies': [], 'conflicts': []})
            entry['copies'].append({
                'cloud_id': cloud_id, 'image_id': image['id'],
                'name': image.get('name'), 'status': image.get('status'),
                'visibility': image.get('visibility')})
    images = list(groups.values())
    # The details name the clouds as their users do; cloud_id has the id.
    names = {cloud['id']: cloud['name'] for cloud in clouds}
    _flag_duplicate_names(images, names)
    _flag_name_mismatches(images, names)
    _flag_content_mismatches(images, names)
    return {'clouds': clouds, 'images': images}


def _flag_duplicate_names(images, names):
    count = collections.Counter(
        (copy['cloud_id'], copy['name'])
        for image in images for copy in image['copies'])
    for image in images:
        flagged = set()
        for copy in image['copies']:
            where = (copy['cloud_id'], copy['name'])
            if count[where] > 1 and where not in flagged:
                flagged.add(where)
                image['conflicts'].append({
                    'type': 'duplicate_name', 'cloud_id': copy['cloud_id'],
                    'detail': '%d images are named %r in cloud %s'
                              % (count[where], copy['name'],
                                 names[copy['cloud_id']])})


def _flag_name_mismatches(images, names):
    for image in images:
        for copy in image['copies']:
            if copy['name'] != image['name']:
                image['conflicts'].append({
                    'type': 'name_mismatch', 'cloud_id': copy['cloud_id'],
                    'detail': 'the same content is named %r in cloud %s '
                              'and %r elsewhere'
                              % (copy['name'], names[copy['cloud_id']],
                                 image['name'])})


def _flag_content_mismatches(images, names):
    """The same name on other content in another cloud."""
    holders = collections.defaultdict(set)
    for image in images:
        for copy in image['copies']:
            holders[copy['name']].add((image['key'], copy['cloud_id']))
    for image in images:
        flagged = set()
        for copy in image['copies']:
            others = {cloud for key, cloud in holders[copy['name']]
                      if key != image['key'] and cloud != copy['cloud_id']}
            if others and copy['cloud_id'] not in flagged:
                flagged.add(copy['cloud_id'])
                image['conflicts'].append({
                    'type': 'content_mismatch', 'cloud_id': copy['cloud_id'],
                    'detail': 'the name %r is on other content in %s'
                              % (copy['name'], ', '.join(
                                  sorted(names[other] for other in others)))})
