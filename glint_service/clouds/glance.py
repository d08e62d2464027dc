"""Glint's one module that talks to Glances.

Everything goes through the keystoneauth session, straight to Glance's v2
REST API: image data is read as a stream of chunks and written from an
iterable of chunks, so that nothing is held whole in memory or put on disk;
metadata goes as JSON, without the schema a client library would fetch
first (one request fewer per Glance and migration).
"""

import re
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
Forbidden = ks_exc.Forbidden


class NotAnImage(ValueError):
    """An answer that should describe an image and does not."""


# What Glint keeps of each image of a listing, and the JSON types each may
# have: the rest of a listing's entry is dropped as it is read.
_TEXT = (str, type(None))
LISTED = {'id': str, 'name': _TEXT, 'status': _TEXT, 'visibility': _TEXT,
          'owner': _TEXT, 'size': (int, type(None)), 'disk_format': _TEXT,
          'os_hash_algo': _TEXT, 'os_hash_value': _TEXT}
# An image's id as Glance makes it: a UUID, written out.
_UUID = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                   r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z')


def _listed(entry):
    """The fields Glint uses of a listing's entry, checked."""
    if not isinstance(entry, dict):
        raise NotAnImage('a listing holds something that is not an image')
    kept = {field: entry.get(field) for field in LISTED}
    for field, types in LISTED.items():
        value = kept[field]
        if not isinstance(value, types) or isinstance(value, bool):
            raise NotAnImage('a listing holds an image whose %s is not '
                             'valid' % field)
    return kept


def image_id_of(answer):
    """The id of the image an answer describes: a UUID, or NotAnImage."""
    image_id = answer.get('id') if isinstance(answer, dict) else None
    if not isinstance(image_id, str) or not _UUID.match(image_id):
        raise NotAnImage('the answer does not name an image by its id')
    return image_id


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
                 max_pages=None, max_bytes=None):
        self.session = session
        # The most pages of a listing followed (None: all of them).
        self.max_pages = max_pages
        # The most bytes of a listing read, its pages together (None: no
        # bound but each answer's own).
        self.max_bytes = max_bytes
        self.endpoint_filter = {'service_type': 'image',
                                'interface': interface,
                                'region_name': region_name}

    def _call(self, method, path, **kwargs):
        return self.session.request(path, method,
                                    endpoint_filter=self.endpoint_filter,
                                    **kwargs)

    def get_image(self, image_id):
        """The image's record: a JSON object, or NotAnImage."""
        image = self._call('GET', _image_path(image_id)).json()
        if not isinstance(image, dict):
            raise NotAnImage('the answer is not an image')
        return image

    def list_images(self, deadline=None, **filters):
        """The images the session's project sees, every page of them.

        Each keeps the fields of LISTED. Raises TooManyPages past
        max_pages, and OutOfTime when a page is still to be asked for after
        ``deadline`` (time.monotonic()).
        """
        return list(self.images(deadline, **filters))

    def images(self, deadline=None, **filters):
        """The images of list_images, one page asked for at a time."""
        path = '/v2/images'
        params = dict(filters, limit=PAGE_SIZE)
        pages = read = 0
        while path:
            pages += 1
            if self.max_pages is not None and pages > self.max_pages:
                raise TooManyPages('the listing has more than %d pages'
                                   % self.max_pages)
            if deadline is not None and time.monotonic() > deadline:
                raise OutOfTime('the listing took too long')
            response = self._call('GET', path, params=params)
            read += len(response.content)
            if self.max_bytes is not None and read > self.max_bytes:
                raise TooManyPages('the listing is larger than Glint reads')
            page = response.json()
            if not isinstance(page, dict) or not isinstance(
                    page.get('images'), list):
                raise NotAnImage('the listing holds no list of images')
            for entry in page['images']:
                yield _listed(entry)
            # "next" carries the query on, with the marker: a path of the
            # same listing, never a URL elsewhere.
            path, params = page.get('next'), None
            if path is not None and not (isinstance(path, str)
                                         and path.startswith('/v2/images?')):
                raise ValueError('the listing\'s next link is not one')

    def first_images(self):
        """At most one image the session's project sees.

        Whether this Glance answers, without listing it.
        """
        images = self._call('GET', '/v2/images',
                            params={'limit': 1}).json()['images']
        if not isinstance(images, list):
            raise ValueError('the listing holds no list of images')
        return images[:1]

    def find_identical(self, os_hash_algo, os_hash_value, deadline=None):
        """An active image of the session's project with this content.

        None if there is none, or if the content is not known by a hash:
        only the project's own images count, with the same hash by the
        same algorithm.
        """
        if not os_hash_algo or not os_hash_value:
            return None
        owner = self.session.get_project_id()
        # The first match ends the listing: no further page is asked for.
        for image in self.images(deadline, os_hash_value=os_hash_value,
                                 status='active', owner=owner):
            if (image.get('owner') == owner
                    and image.get('os_hash_algo') == os_hash_algo
                    and image.get('os_hash_value') == os_hash_value):
                return image
        return None

    def create_image(self, metadata, name, visibility, image_id=None):
        """A new, empty image with ``metadata`` (see copied_metadata).

        Its id is ``image_id`` when given (Glance takes one chosen by its
        client); the id the Glance answered is returned.
        """
        body = dict(metadata, name=name, visibility=visibility)
        if image_id is not None:
            body['id'] = image_id
        image = self._call('POST', '/v2/images', json=body).json()
        return image_id_of(image)

    def upload(self, image_id, chunks, size):
        """Upload ``size`` bytes, taken from the iterable ``chunks``.

        Sent with their length, not chunked: each chunk goes to the socket
        as it is, without a copy to frame it. A size of None (a link's
        decompressed image): chunked, as the chunks come.
        """
        headers = {'Content-Type': 'application/octet-stream'}
        if size is None:
            body = iter(chunks)
        else:
            body = _Body(chunks, size)
            headers['x-openstack-image-size'] = str(size)
        self._call('PUT', _image_path(image_id) + '/file', data=body,
                   log=False, headers=headers)

    def delete_image(self, image_id):
        """Delete an image; one that is gone already is fine."""
        try:
            self._call('DELETE', _image_path(image_id))
        except NotFound:
            pass

    def open_data(self, image_id, byte_range=None):
        """The image's data: a streamed response, to be closed after use.

        ``byte_range``, a Range header's value, asks for a part of it.
        """
        headers = {'Range': byte_range} if byte_range else {}
        # Never logged: a body, even one that says it is JSON, is data.
        return self._call('GET', _image_path(image_id) + '/file',
                          stream=True, log=False, headers=headers)


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
