"""Glint's one module that talks to Glances.

Everything goes through the keystoneauth session, straight to Glance's v2
REST API: image data is read as a stream of chunks and written from an
iterable of chunks, so that nothing is held whole in memory or put on disk;
metadata goes as JSON, without the schema a client library would fetch
first (one request fewer per Glance and migration).
"""

import time
import urllib.parse

from keystoneauth1 import exceptions as ks_exc

# Image attributes that are not copied to a target: Glance owns them, or
# Glint sets them itself (name, visibility), or they belong to one cloud.
NOT_COPIED = {
    'id', 'name', 'status', 'visibility', 'protected', 'os_hidden',
    'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size',
    'owner', 'created_at', 'updated_at', 'file', 'schema', 'self',
    'locations', 'direct_url', 'stores', 'tags',
}
COPIED = ('disk_format', 'container_format', 'min_disk', 'min_ram')

NotFound = ks_exc.NotFound


class TooManyPages(Exception):
    """A listing longer than Glint follows."""


class OutOfTime(Exception):
    """A listing that was not over in time."""


# Images asked for per page of a listing (Glance caps it at its
# api_limit_max, 1000 by default).
PAGE_SIZE = 1000


class Glance(object):
    """One cloud's Glance, reached through a keystoneauth session."""

    def __init__(self, session, interface='public', region_name=None,
                 max_pages=None):
        self.session = session
        # The most pages of a listing followed (None: all of them).
        self.max_pages = max_pages
        self.endpoint_filter = {'service_type': 'image',
                                'interface': interface,
                                'region_name': region_name}

    def _call(self, method, path, **kwargs):
        return self.session.request(path, method,
                                    endpoint_filter=self.endpoint_filter,
                                    **kwargs)

    def get_image(self, image_id):
        return self._call('GET', _image_path(image_id)).json()

    def list_images(self, deadline=None, **filters):
        """The images the session's project sees, every page of them.

        Raises TooManyPages past max_pages, and OutOfTime when a page is
        still to be asked for after ``deadline`` (time.monotonic()).
        """
        images = []
        path = '/v2/images'
        params = dict(filters, limit=PAGE_SIZE)
        pages = 0
        while path:
            pages += 1
            if self.max_pages is not None and pages > self.max_pages:
                raise TooManyPages('the listing has more than %d pages'
                                   % self.max_pages)
            if deadline is not None and time.monotonic() > deadline:
                raise OutOfTime('the listing took too long')
            page = self._call('GET', path, params=params).json()
            images.extend(page['images'])
            # "next" carries the query on, with the marker: a path of the
            # same listing, never a URL elsewhere.
            path, params = page.get('next'), None
            if path is not None and not (isinstance(path, str)
                                         and path.startswith('/v2/images?')):
                raise ValueError('the listing\'s next link is not one')
        return images

    def first_images(self):
        """At most one image the session's project sees.

        Whether this Glance answers, without listing it.
        """
        images = self._call('GET', '/v2/images',
                            params={'limit': 1}).json()['images']
        if not isinstance(images, list):
            raise ValueError('the listing holds no list of images')
        return images[:1]

    def find_identical(self, os_hash_algo, os_hash_value):
        """An active image of the session's project with this content.

        None if there is none, or if the content is not known by a hash:
        only the project's own images count, with the same hash by the
        same algorithm.
        """
        if not os_hash_algo or not os_hash_value:
            return None
        owner = self.session.get_project_id()
        for image in self.list_images(os_hash_value=os_hash_value,
                                      status='active', owner=owner):
            if (image.get('owner') == owner
                    and image.get('os_hash_algo') == os_hash_algo
                    and image.get('os_hash_value') == os_hash_value):
                return image
        return None

    def create_image(self, metadata, name, visibility):
        """A new, empty image with ``metadata`` (see copied_metadata)."""
        image = self._call('POST', '/v2/images', json=dict(
            metadata, name=name, visibility=visibility)).json()
        return image['id']

    def upload(self, image_id, chunks, size):
        """Upload ``size`` bytes, taken from the iterable ``chunks``.

        Sent with their length, not chunked: each chunk goes to the socket
        as it is, without a copy to frame it.
        """
        self._call('PUT', _image_path(image_id) + '/file',
                   data=_Body(chunks, size),
                   headers={'Content-Type': 'application/octet-stream',
                            'x-openstack-image-size': str(size)})

    def delete_image(self, image_id):
        """Delete an image; one that is gone already is fine."""
        try:
            self._call('DELETE', _image_path(image_id))
        except NotFound:
            pass

    def open_data(self, image_id):
        """The image's data: a streamed response, to be closed after use."""
        return self._call('GET', _image_path(image_id) + '/file',
                          stream=True)


# Glance's image statuses: another word from a remote cloud is not repeated.
STATUSES = ('queued', 'saving', 'uploading', 'importing', 'active',
            'killed', 'deleted', 'pending_delete', 'deactivated')


def status_of(image):
    """An image's status, as Glint may repeat it: one of Glance's words."""
    status = image.get('status')
    return status if status in STATUSES else 'in an unknown state'


def _image_path(image_id):
    return '/v2/images/%s' % urllib.parse.quote(image_id, safe='')


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
