"""An image's data, or a range of it, streamed from a Glance to a client.

Read a chunk at a time and passed on as it comes: memory holds a chunk or
two whatever the image's size, and a client that reads slowly holds only
its own connection's buffers. The bytes are counted: the client gets
exactly what the headers announce, or a connection cut short (and the
error in Glint's log) if the Glance sends less, more, or stalls.
"""

import re

from oslo_log import log as logging
import webob

from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service.engine import transfer
from glint_service import exception

LOG = logging.getLogger(__name__)

# One range of bytes, as RFC 9110 writes it: A-B, A- or -N. Several
# ranges at once are not served: the whole image is (which the RFC
# allows), as is a range Glint cannot read.
_RANGE = re.compile(r'bytes=(\d{0,19})-(\d{0,19})\Z')


def byte_range(header, size):
    """The (start, stop) of the bytes a Range header asks for, or None.

    None for no header, or one that is not a single range (the whole
    image is sent); RangeNotSatisfiable for a range past the end.
    """
    match = _RANGE.match((header or '').strip())
    if match is None or match.groups() == ('', ''):
        return None
    first, last = match.groups()
    if not first:
        # The last N bytes.
        if int(last) == 0 or size == 0:
            raise exception.RangeNotSatisfiable(size)
        return max(size - int(last), 0), size
    start = int(first)
    if last and int(last) < start:
        return None  # Not a valid range: ignored.
    if start >= size:
        raise exception.RangeNotSatisfiable(size)
    return start, size if not last else min(int(last) + 1, size)


def response(request, glance_, image, conf):
    """The answer to a download of ``image``: 200 with it, or 206.

    ``image`` is its checked, active record at ``glance_``; ``conf``, the
    [migrations] options (chunk_size, stall_timeout).
    """
    size = image['size']
    algo, value = _hash_of(image)
    headers = {'Accept-Ranges': 'bytes'}
    if value:
        headers.update({'ETag': '"%s"' % value,
                        'OpenStack-Image-Hash-Algo': algo,
                        'OpenStack-Image-Hash-Value': value})
    wanted = None
    if_range = request.headers.get('If-Range')
    if if_range is None or (value and if_range == headers['ETag']):
        wanted = byte_range(request.headers.get('Range'), size)
    answer = _asked(glance_.open_data, image['id'], wanted and (
        'bytes=%d-%d' % (wanted[0], wanted[1] - 1)))
    try:
        skip, expected = _checked(answer, image, wanted)
    except BaseException:
        answer.close()
        raise
    start, stop = wanted or (0, size)
    chunks = _window(transfer.exactly(transfer.timely_chunks(
        answer.raw, conf.chunk_size, conf.stall_timeout), expected),
        skip, stop - start)
    resp = webob.Response(
        status=206 if wanted else 200,
        app_iter=_passed_on(chunks, answer, image['id'], stop - start),
        content_type='application/octet-stream',
        content_length=stop - start)
    resp.headers.update(headers)
    if wanted:
        resp.headers['Content-Range'] = 'bytes %d-%d/%d' % (
            start, stop - 1, size)
    return resp


# A hash as Glint repeats it in a header: any other text from a remote
# Glance is left out.
_ALGO = re.compile(r'[a-z0-9_-]{1,64}\Z')
_HEX = re.compile(r'[0-9a-f]{1,128}\Z')


def _hash_of(image):
    """The image's hash, as its Glance computed it: (algo, hex value).

    Its os_hash_*, or for an image uploaded before Glance computed them,
    its md5 checksum; (None, None) when it has no hash Glint can repeat.
    """
    algo, value = image.get('os_hash_algo'), image.get('os_hash_value')
    if not value:
        algo, value = 'md5', image.get('checksum')
    if isinstance(algo, str) and isinstance(value, str) and (
            _ALGO.match(algo) and _HEX.match(value)):
        return algo, value
    return None, None


def _checked(answer, image, wanted):
    """(bytes to skip, bytes to expect) of a Glance's answer, or 400.

    A Glance answers a range with 206 and that range, or with 200 and the
    whole image (the range is then read past); anything else, including a
    Content-Length other than what was asked for, is refused.
    """
    size = image['size']
    length = answer.headers.get('Content-Length')
    if answer.status_code == 206 and wanted:
        start, stop = wanted
        asked = 'bytes %d-%d/%d' % (start, stop - 1, size)
        if answer.headers.get('Content-Range', '').strip() == asked and (
                length is None or length == str(stop - start)):
            return 0, stop - start
    elif answer.status_code == 200 and (length is None or length == str(size)):
        return (wanted[0] if wanted else 0), size
    raise exception.RemoteCloudRejected(
        'The Glance of the cloud did not send the data of image %s as '
        'asked (HTTP %d).' % (image['id'], answer.status_code))


def _window(chunks, skip, count):
    """The ``count`` bytes of ``chunks`` after the first ``skip``."""
    for chunk in chunks:
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        if skip or count < len(chunk):
            chunk = chunk[skip:skip + count]
        skip = 0
        count -= len(chunk)
        yield chunk
        if not count:
            return


def _passed_on(chunks, answer, image_id, count):
    """The chunks for the WSGI server; the Glance's answer closed after.

    An error once the headers are sent can only cut the body short: it is
    logged here, and the client sees fewer bytes than announced.
    """
    sent = 0
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
    except Exception as error:
        LOG.warning('Download of image %s stopped after %d of %d bytes: %s',
                    image_id, sent, count, outbound.describe(error))
        raise
    finally:
        answer.close()


def _asked(call, image_id, *args):
    """What a call of the Glance about an image answers, or why not.

    404 for an image it does not show, 403 for one its policy keeps from
    the caller (as it is for the local cloud: the caller's own token).
    """
    try:
        return call(image_id, *args)
    except (glance.NotFound, glance.NotAnImage):
        raise exception.NotFound('No image %s in this cloud.' % image_id)
    except glance.Forbidden:
        raise exception.Forbidden('The cloud\'s Glance does not let you '
                                  'read the data of image %s.' % image_id)
    except exception.GlintError:
        raise
    except Exception as error:
        raise exception.RemoteCloudRejected(
            'The cloud\'s Glance could not be asked for image %s: %s'
            % (image_id, outbound.describe(error)))


def active_image(glance_, cloud_id, image_id):
    """The record of an active image at ``glance_``, checked; 404 or 409."""
    image = _asked(glance_.get_image, image_id)
    try:
        answered = glance.image_id_of(image)
    except glance.NotAnImage:
        answered = None
    if answered is None or answered.lower() != image_id.lower():
        raise exception.RemoteCloudRejected(
            'The Glance of cloud %s answered with another image.' % cloud_id)
    if image.get('status') != 'active':
        raise exception.Conflict('Image %s is %s, not active: it has no data '
                                 'to download.' % (image_id,
                                                   glance.status_of(image)))
    size = image.get('size')
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise exception.RemoteCloudRejected(
            'The Glance of cloud %s gives image %s no size.'
            % (cloud_id, image_id))
    return image


# What a file name may hold, as a browser saves it: other characters are
# replaced.
_SAFE_NAME = re.compile(r'[^A-Za-z0-9._+-]+')


def attachment(image):
    """A Content-Disposition that saves the image as NAME.DISK_FORMAT."""
    name = _SAFE_NAME.sub('_', image.get('name') or image['id']).strip('._')
    extension = _SAFE_NAME.sub('', image.get('disk_format') or 'img')
    return 'attachment; filename="%s.%s"' % (name[:200] or 'image',
                                             extension[:16] or 'img')
