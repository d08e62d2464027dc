"""Where a migration's data comes from.

A source tells what the copies take from it (``metadata``) and gives its
data once (``open``: a stream with ``read1``, as a urllib3 response has).
A migration's source is an image in a Glance (``GlanceImage``) or the data
a user uploads (``Upload``); a web link would be another class with the
same two methods.
"""

import contextlib

from glint_service.clouds import glance


class SourceError(Exception):
    """The source cannot be read as the migration expects."""


class GlanceImage(object):
    """An image in one of the migration's clouds.

    ``clouds``: see clouds.access.MigrationClouds.
    """

    def __init__(self, clouds, migration):
        self.clouds = clouds
        self.migration = migration

    def metadata(self):
        """What the copies take from the source image."""
        if self.migration.image_metadata is not None:
            return self.migration.image_metadata
        # Queued by a Glint that did not keep it with the migration.
        image = self._glance().get_image(self.migration.image_id)
        return glance.copied_metadata(image)

    @contextlib.contextmanager
    def open(self):
        """The image's data, streamed, of the size the migration expects."""
        response = self._glance().open_data(self.migration.image_id)
        try:
            length = response.headers.get('Content-Length')
            if response.status_code != 200 or (
                    length is not None
                    and int(length) != self.migration.size):
                raise SourceError('the source image has no data of its '
                                  'size to read')
            yield response.raw
        finally:
            response.close()

    def _glance(self):
        return self.clouds.glance(self.migration.source)


UPLOAD = 'upload'


def of(clouds, migration, data=None):
    """The source of a migration: its image, or ``data`` for an upload."""
    if migration.source == UPLOAD:
        return Upload(migration, data)
    return GlanceImage(clouds, migration)


class Upload(object):
    """The data of an upload, read as it comes: a request's body.

    ``data`` has ``read(size)``, as a WSGI server's input has; the copies
    take the metadata the upload was asked with.
    """

    def __init__(self, migration, data):
        self.migration = migration
        self.data = data

    def metadata(self):
        return self.migration.image_metadata

    @contextlib.contextmanager
    def open(self):
        if self.data is None:
            # Only the request that brings it has the data.
            raise SourceError('the upload\'s data is not here')
        yield _Body(self.data)


class _Body(object):
    """A request's body as a source's stream: ``read1``."""

    def __init__(self, data):
        self.data = data

    def read1(self, size):
        try:
            return self.data.read(size)
        except OSError as error:
            # uWSGI's when the client hangs up, or pauses longer than its
            # socket-timeout.
            raise SourceError('the upload stopped: %s' % error)
