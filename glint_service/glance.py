"""Glint's one module that talks to Glances.

Metadata goes through glanceclient; image data goes straight through the
keystoneauth session, read as a stream of chunks and written from an
iterable of chunks, so that nothing is held whole in memory or put on disk.
"""

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc

# Image attributes that are not copied to a target: Glance owns them, or
# Glint sets them itself (name, visibility), or they belong to one cloud.
NOT_COPIED = {
    'id', 'name', 'status', 'visibility', 'protected', 'os_hidden',
    'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size',
    'owner', 'created_at', 'updated_at', 'file', 'schema', 'self',
    'locations', 'direct_url', 'stores', 'tags',
}
COPIED = ('disk_format', 'container_format', 'min_disk', 'min_ram')

NotFound = glance_exc.HTTPNotFound


class Glance(object):
    """One cloud's Glance, reached through a keystoneauth session."""

    def __init__(self, session, interface='public', region_name=None):
        self.session = session
        self.endpoint_filter = {'service_type': 'image',
                                'interface': interface,
                                'region_name': region_name}
        self.client = glance_client.Client(
            '2', session=session, interface=interface,
            region_name=region_name)

    def get_image(self, image_id):
        return dict(self.client.images.get(image_id))

    def list_images(self):
        return [dict(image) for image in self.client.images.list()]

    def find_identical(self, os_hash_value):
        """An active image of the caller's with this content, or None."""
        for image in self.client.images.list(
                filters={'os_hash_value': os_hash_value, 'status': 'active'}):
            return dict(image)
        return None

    def create_image(self, metadata, name, visibility):
        """A new, empty image with ``metadata`` (see copied_metadata)."""
        image = self.client.images.create(name=name, visibility=visibility,
                                          **metadata)
        return image['id']

    def upload(self, image_id, chunks, size):
        """Upload ``size`` bytes, taken from the iterable ``chunks``.

        Sent with their length, not chunked: each chunk goes to the socket
        as it is, without a copy to frame it.
        """
        self.session.put(
            '/v2/images/%s/file' % image_id, data=_Body(chunks, size),
            headers={'Content-Type': 'application/octet-stream',
                     'x-openstack-image-size': str(size)},
            endpoint_filter=self.endpoint_filter)

    def delete_image(self, image_id):
        """Delete an image; one that is gone already is fine."""
        try:
            self.client.images.delete(image_id)
        except NotFound:
            pass

    def open_data(self, image_id):
        """The image's data: a streamed response, to be closed after use."""
        return self.session.get(
            '/v2/images/%s/file' % image_id, stream=True,
            endpoint_filter=self.endpoint_filter)


class _Body(object):
    """A request body of known length from an iterable of chunks."""

    def __init__(self, chunks, size):
        self.chunks = chunks
        self.size = size

    def __iter__(self):
        sent = 0
        for chunk in self.chunks:
            sent += len(chunk)
            if sent > self.size:
                raise ValueError('more data than the %d bytes announced'
                                 % self.size)
            yield chunk

    def __len__(self):
        return self.size


def copied_metadata(image):
    """What a copy of ``image`` takes from it: properties and tags."""
    metadata = {key: value for key, value in image.items()
                if key not in NOT_COPIED and not key.startswith('os_glance_')
                and key not in COPIED}
    for key in COPIED:
        if image.get(key) is not None:
            metadata[key] = image[key]
    metadata['tags'] = list(image.get('tags') or [])
    return metadata
