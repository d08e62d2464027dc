"""Where a migration's data comes from.

A source tells what the copies take from it (``metadata``) and gives its
data once (``open``: a stream with ``read1``, as a urllib3 response has).
A migration's source is an image in a Glance (``GlanceImage``), the data
a user uploads (``Upload``) or a web link (``WebLink``).
"""

import bz2
import contextlib
import hashlib
import lzma
import time
import zlib

from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service.clouds import weblinks


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
URL = 'url'


def of(clouds, migration, data=None):
    """A migration's source: its image, its link, or an upload's ``data``."""
    if migration.source == UPLOAD:
        return Upload(migration, data)
    if migration.source == URL:
        return WebLink(clouds.services, migration)
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


class WebLink(object):
    """The image at a web link, fetched once as it streams on.

    Through the outbound policy (see clouds.weblinks). With a checksum_url,
    the file fetched must have the hash that file lists for it; with
    ``decompress`` (gzip, xz or bzip2, as distributions ship images), the
    image is the file's content, decompressed as it streams. Every byte is
    counted: at most ``[migrations] max_link_bytes`` of the file, and as
    many of the image.
    """

    def __init__(self, services, migration):
        self.guard = services.outbound
        self.conf = services.conf.migrations
        self.migration = migration
        self.link = migration.source_link

    def metadata(self):
        return self.migration.image_metadata

    @contextlib.contextmanager
    def open(self):
        session = self.guard.link_session()
        try:
            expected = None
            try:
                if self.link.get('checksum_url'):
                    expected = weblinks.listed_hash(
                        session, self.link['checksum_url'],
                        weblinks.file_name(self.link['url']),
                        self.guard.timeout)
                response = weblinks.open_image(session, self.link['url'],
                                               self.guard.timeout)
            except (weblinks.LinkError, outbound.Refused) as error:
                raise SourceError(str(error))
            try:
                yield LinkData(response.raw, expected,
                               self.link.get('decompress'),
                               self.conf.max_link_bytes,
                               self.conf.stall_timeout)
            finally:
                response.close()
        finally:
            session.close()


class _Gzip(object):
    """zlib's gzip decompressor, with lzma's and bz2's interface."""

    def __init__(self):
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._tail = b''

    @property
    def needs_input(self):
        return not self._tail

    @property
    def eof(self):
        return self._zlib.eof

    @property
    def unused_data(self):
        return self._zlib.unused_data

    def decompress(self, data, max_length):
        out = self._zlib.decompress(self._tail + data, max_length)
        self._tail = self._zlib.unconsumed_tail
        return out


DECOMPRESSORS = {'gzip': _Gzip, 'xz': lzma.LZMADecompressor,
                 'bzip2': bz2.BZ2Decompressor}
# The compressed bytes read at once.
READ_SIZE = 256 * 1024


class LinkData(object):
    """A link's answer as a source's stream (``read1``), checked.

    ``raw``: the answer's urllib3 stream; ``expected``: (algorithm, hex)
    the file must hash to, or None; ``decompress``: a key of
    DECOMPRESSORS, or None.
    """

    def __init__(self, raw, expected, decompress, max_bytes, stall_timeout):
        self.raw = raw
        self.expected = expected
        self.digest = hashlib.new(expected[0]) if expected else None
        self.decompressor = (DECOMPRESSORS[decompress]() if decompress
                             else None)
        self.max_bytes = max_bytes
        self.stall_timeout = stall_timeout
        self.fetched = 0
        self.given = 0

    def read1(self, size):
        if self.decompressor is None:
            return self._fetch(size)
        began = time.monotonic()
        while True:
            if self.decompressor.eof:
                # Every byte of the image given: the file must end too.
                if self.decompressor.unused_data or self._fetch(1):
                    raise SourceError('the link holds more than its '
                                      'compressed image')
                return b''
            if not self.decompressor.needs_input:
                out = self.decompressor.decompress(b'', size)
                if out:
                    return self._given(out)
            data = self._fetch(READ_SIZE)
            if not data:
                raise SourceError('the compressed image at the link ends '
                                  'before its end')
            out = self.decompressor.decompress(data, size)
            if out:
                return self._given(out)
            if time.monotonic() - began > self.stall_timeout:
                raise SourceError('the link gave no image data in %g s'
                                  % self.stall_timeout)

    def _fetch(self, size):
        """Bytes of the file at the link, counted and hashed."""
        data = self.raw.read1(size)
        self.fetched += len(data)
        if self.fetched > self.max_bytes:
            raise SourceError('the link holds more than the %d bytes Glint '
                              'fetches ([migrations] max_link_bytes)'
                              % self.max_bytes)
        if self.digest is not None:
            if data:
                self.digest.update(data)
            elif self.digest.hexdigest() != self.expected[1]:
                raise SourceError('the file at the link does not have the '
                                  '%s hash checksum_url lists for it'
                                  % self.expected[0])
        return data

    def _given(self, out):
        self.given += len(out)
        if self.given > self.max_bytes:
            raise SourceError('the image at the link decompresses to more '
                              'than the %d bytes Glint takes ([migrations] '
                              'max_link_bytes)' % self.max_bytes)
        return out
