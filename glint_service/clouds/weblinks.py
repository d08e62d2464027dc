"""Glint's one module that fetches web links: images and checksum files.

Through the outbound policy's session for links (see outbound): every hop
of a redirect is checked as the first, at most MAX_REDIRECTS are followed,
and the connection is made to the address that was checked. An image's
data is streamed; a checksum file is read whole, within the response cap.
"""

import re
import urllib.parse

from glint_service.clouds import outbound

# The algorithms a checksum file's hashes may be of, by their length in
# hexadecimal digits (GNU coreutils' *sum files: "HASH  NAME"), or by the
# tag of the BSD form ("SHA256 (NAME) = HASH").
ALGORITHMS_BY_LENGTH = {32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512'}
_GNU = re.compile(r'^([0-9a-fA-F]{32,128}) [ *](.+)$')
_BSD = re.compile(r'^(MD5|SHA1|SHA256|SHA512) \((.+)\) = ([0-9a-fA-F]+)$')


class LinkError(Exception):
    """A link that cannot be used: the message says why."""


def open_image(session, url, timeout):
    """The streamed answer to a GET of ``url``: to be closed after use.

    Each read waits ``timeout`` seconds at most.
    """
    response = session.get(url, stream=True, timeout=timeout)
    if response.status_code != 200:
        response.close()
        raise LinkError('the link answered HTTP %s'
                        % outbound.status_class(response.status_code))
    return response


def file_name(url):
    """The name of the file a link is to: its path's last part."""
    path = urllib.parse.urlsplit(url).path
    return urllib.parse.unquote(path.rsplit('/', 1)[-1])


def listed_hash(session, checksum_url, name, timeout):
    """(algorithm, hex value) that a checksum file lists for ``name``.

    Such as a distribution's SHA256SUMS, CHECKSUM or *.sha512 file.
    """
    response = session.get(checksum_url, timeout=timeout)
    if response.status_code != 200:
        raise LinkError('checksum_url answered HTTP %s'
                        % outbound.status_class(response.status_code))
    found = find_hash(response.content.decode('utf-8', 'replace'), name)
    if found is None:
        raise LinkError('checksum_url lists no hash for %s' % name[:255])
    return found


def find_hash(text, name):
    """(algorithm, lowercase hex) of ``name`` in a checksum file, or None.

    A file of a single hash with no name (a .sha256 file) is that file's.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        gnu = _GNU.match(line)
        if gnu and gnu.group(2).lstrip('./') == name:
            return _algorithm(gnu.group(1))
        bsd = _BSD.match(line)
        if bsd and bsd.group(2).lstrip('./') == name:
            algo = bsd.group(1).lower()
            found = _algorithm(bsd.group(3))
            return found if found and found[0] == algo else None
    if len(lines) == 1 and re.fullmatch(r'[0-9a-fA-F]+', lines[0]):
        return _algorithm(lines[0])
    return None


def _algorithm(value):
    algo = ALGORITHMS_BY_LENGTH.get(len(value))
    return (algo, value.lower()) if algo else None
