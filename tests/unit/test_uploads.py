"""Uploads: what their request may hold, and their data as a source."""

import hashlib
import io
import types

import pytest

from glint_service.api.schemas import uploads as upload_schema
from glint_service.api import uploads
from glint_service.engine import sources
from glint_service import exception

BASE = {'source': 'upload', 'name': 'alma9', 'disk_format': 'qcow2',
        'container_format': 'bare', 'targets': ['local', 'c2']}


def test_an_upload_request_becomes_its_spec():
    spec = upload_schema.complete(dict(
        BASE, size=10, min_disk=2, tags=['hep'],
        properties={'os_distro': 'alma', 'hw:cpu': '2'},
        os_hash_algo='sha256', os_hash_value='AB' * 32))
    assert spec['source'] == 'upload'
    assert (spec['name'], spec['visibility'], spec['on_conflict']) == (
        'alma9', 'private', 'skip_identical')
    assert (spec['size'], spec['os_hash_algo'], spec['os_hash_value']) == (
        10, 'sha256', 'ab' * 32)
    assert spec['image_metadata'] == {
        'disk_format': 'qcow2', 'container_format': 'bare', 'min_disk': 2,
        'tags': ['hep'], 'os_distro': 'alma', 'hw:cpu': '2'}


def test_an_md5_checksum_is_an_expected_hash():
    spec = upload_schema.complete(dict(BASE, checksum='C' * 32))
    assert (spec['os_hash_algo'], spec['os_hash_value']) == ('md5', 'c' * 32)


@pytest.mark.parametrize('change, detail', [
    ({'container_format': None}, 'container_format: is required'),
    ({'os_hash_algo': 'whirlpool', 'os_hash_value': 'ab'},
     'os_hash_algo: must be one of'),
    ({'os_hash_algo': 'sha512', 'os_hash_value': 'ab' * 32},
     'os_hash_value: must be 128 hexadecimal digits for sha512'),
    ({'checksum': 'a' * 32, 'os_hash_algo': 'md5', 'os_hash_value': 'a' * 32},
     'checksum: give os_hash_algo and os_hash_value, or checksum'),
    ({'properties': {'owner': 'me'}}, 'properties: cannot set "owner"'),
    ({'properties': {'os_glance_import_task': 'x'}}, 'properties: cannot'),
    ({'properties': {'a b': 'x'}}, 'properties: cannot set "a b"'),
    ({'properties': {'big': 'x' * 65535, 'bigger': 'y' * 65535}},
     'properties: the metadata must take at most'),
    ({'name': ' alma'}, 'name: must not begin or end with white space'),
    ({'name': 'al\u200bma'}, 'name: must be printable text'),
    ({'targets': ['c2', 'c2']}, 'targets: names a cloud twice'),
    ({'min_ram': 2 ** 31}, 'min_ram: must be from 0 to 2147483647'),
    ({'tags': 'hep'}, 'tags: must be a list'),
])
def test_a_bad_upload_request_names_its_field(change, detail):
    body = dict(BASE, **change)
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(exception.InvalidField) as raised:
        upload_schema.complete(body)
    assert str(raised.value.detail).startswith(detail)


def test_the_hash_algorithms_are_those_a_glance_may_use():
    assert 'sha512' in upload_schema.HASH_ALGORITHMS
    assert all(hashlib.new(a) for a in upload_schema.HASH_ALGORITHMS)


class Hangup(object):
    def read(self, size):
        raise OSError('Client closed connection')


def test_an_uploads_data_is_its_request_body():
    migration = types.SimpleNamespace(source='upload',
                                      image_metadata={'tags': []})
    source = sources.of(None, migration, io.BytesIO(b'data'))
    assert source.metadata() == {'tags': []}
    with source.open() as body:
        assert body.read1(3) == b'dat'
    with pytest.raises(sources.SourceError, match='upload stopped'):
        with sources.of(None, migration, Hangup()).open() as body:
            body.read1(3)
    # Anywhere but in the request that brings it, it has no data.
    with pytest.raises(sources.SourceError, match='not here'):
        with sources.of(None, migration).open():
            pass


@pytest.mark.parametrize('length, declared, size', [
    (10, None, 10), (None, 10, 10), (10, 10, 10)])
def test_an_uploads_size_is_its_length_or_what_it_declared(length, declared,
                                                           size):
    request = types.SimpleNamespace(content_length=length)
    migration = types.SimpleNamespace(size=declared)
    assert uploads.size_of(request, migration) == size


def test_an_uploads_size_must_agree_and_may_be_unknown():
    with pytest.raises(exception.InvalidField):
        uploads.size_of(types.SimpleNamespace(content_length=11),
                        types.SimpleNamespace(size=10))
    assert uploads.size_of(types.SimpleNamespace(content_length=None),
                           types.SimpleNamespace(size=None)) is None
