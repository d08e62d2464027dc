"""Web links: checksum files, and a link's data as a source's stream."""

import bz2
import gzip
import hashlib
import io
import lzma

import pytest

from glint_service.clouds import weblinks
from glint_service.engine import sources

H64 = 'ab' * 32


@pytest.mark.parametrize('text, found', [
    ('%s  alma.qcow2.xz\n' % H64, ('sha256', H64)),
    ('%s *alma.qcow2.xz\n' % H64.upper(), ('sha256', H64)),
    ('%s  ./alma.qcow2.xz\n' % H64, ('sha256', H64)),
    ('0' * 64 + '  other\n' + H64 + '  alma.qcow2.xz\n', ('sha256', H64)),
    ('SHA256 (alma.qcow2.xz) = %s\n' % H64, ('sha256', H64)),
    ('SHA512 (alma.qcow2.xz) = %s\n' % ('cd' * 64), ('sha512', 'cd' * 64)),
    # A tag that does not fit its hash's length.
    ('SHA512 (alma.qcow2.xz) = %s\n' % H64, None),
    ('%s\n' % ('ef' * 16), ('md5', 'ef' * 16)),
    ('%s  other.img\n' % H64, None),
    ('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n'
     '%s  alma.qcow2.xz\n' % H64, ('sha256', H64)),
    ('', None),
])
def test_a_checksum_file_lists_a_files_hash(text, found):
    assert weblinks.find_hash(text, 'alma.qcow2.xz') == found


@pytest.mark.parametrize('url, name', [
    ('https://m/images/alma.qcow2.xz', 'alma.qcow2.xz'),
    ('https://m/a%20b.img?x=1', 'a b.img'),
    ('https://m/', ''),
])
def test_a_links_file_name_is_its_paths_last_part(url, name):
    assert weblinks.file_name(url) == name


class Raw(object):
    """A response's stream that gives ``step`` bytes at most at a time."""

    def __init__(self, data, step=1000):
        self.data = io.BytesIO(data)
        self.step = step

    def read1(self, size):
        return self.data.read(min(size, self.step))


def read_all(stream, size=65536):
    out = []
    while True:
        chunk = stream.read1(size)
        if not chunk:
            return b''.join(out)
        assert len(chunk) <= size
        out.append(chunk)


DATA = bytes(range(256)) * 4000


@pytest.mark.parametrize('decompress, pack', [
    (None, bytes), ('xz', lzma.compress), ('gzip', gzip.compress),
    ('bzip2', bz2.compress)])
def test_a_links_data_is_its_file_checked_and_decompressed(decompress, pack):
    packed = pack(DATA)
    expected = ('sha256', hashlib.sha256(packed).hexdigest())
    stream = sources.LinkData(Raw(packed), expected, decompress, 10 ** 9, 60)
    assert read_all(stream) == DATA
    assert stream.fetched == len(packed)


@pytest.mark.parametrize('decompress, pack, said', [
    (None, bytes, 'does not have the sha256 hash'),
    ('xz', lambda d: lzma.compress(d) + b'more', 'more than its compressed'),
    ('xz', lambda d: lzma.compress(d)[:-100], 'ends before its end'),
])
def test_a_links_data_not_as_said_is_refused(decompress, pack, said):
    packed = pack(DATA)
    expected = ('sha256', '0' * 64) if decompress is None else None
    stream = sources.LinkData(Raw(packed), expected, decompress, 10 ** 9, 60)
    with pytest.raises(sources.SourceError, match=said):
        read_all(stream)


def test_a_link_holds_no_more_than_glint_takes():
    stream = sources.LinkData(Raw(DATA), None, None, 5000, 60)
    with pytest.raises(sources.SourceError, match='max_link_bytes'):
        read_all(stream)
    # A small file that decompresses to much more (a bomb).
    bomb = lzma.compress(b'\0' * 10 ** 7)
    stream = sources.LinkData(Raw(bomb), None, 'xz', 10 ** 6, 60)
    with pytest.raises(sources.SourceError, match='decompresses to more'):
        read_all(stream)
