"""Downloads: which bytes a Range asks for, and what a Glance may answer."""

import types

import pytest

from glint_service.api import image_data
from glint_service import exception


@pytest.mark.parametrize('header, wanted', [
    (None, None),
    ('bytes=0-99', (0, 100)),
    ('bytes=100-', (100, 1000)),
    ('bytes=-10', (990, 1000)),
    ('bytes=-5000', (0, 1000)),
    ('bytes=990-5000', (990, 1000)),
    ('bytes=999-999', (999, 1000)),
    # Not a single valid range: the whole image.
    ('bytes=5-3', None), ('bytes=0-1,5-6', None), ('bytes=-', None),
    ('items=0-1', None), ('junk', None),
    ('bytes=%s-' % ('9' * 20), None),
])
def test_a_range_is_read_as_rfc_9110_says(header, wanted):
    assert image_data.byte_range(header, 1000) == wanted


@pytest.mark.parametrize('header, size', [
    ('bytes=1000-', 1000), ('bytes=1000-1001', 1000), ('bytes=-0', 1000),
    ('bytes=0-', 0), ('bytes=-1', 0)])
def test_a_range_past_the_end_is_416_with_the_size(header, size):
    with pytest.raises(exception.RangeNotSatisfiable) as raised:
        image_data.byte_range(header, size)
    assert raised.value.status == 416
    assert raised.value.headers == {'Content-Range': 'bytes */%d' % size}


@pytest.mark.parametrize('chunks, skip, count, out', [
    ([b'abc', b'def', b'ghi'], 0, 9, [b'abc', b'def', b'ghi']),
    ([b'abc', b'def', b'ghi'], 4, 3, [b'ef', b'g']),
    ([b'abc', b'def', b'ghi'], 3, 3, [b'def']),
    ([b'abcdefghi'], 2, 1, [b'c']),
])
def test_a_window_passes_on_exactly_its_bytes(chunks, skip, count, out):
    assert list(image_data._window(iter(chunks), skip, count)) == out


def answer(status, **headers):
    return types.SimpleNamespace(status_code=status, headers=headers)


IMAGE = {'id': 'i', 'size': 1000}


@pytest.mark.parametrize('glance_answer, wanted, expected', [
    (answer(200, **{'Content-Length': '1000'}), None, (0, 1000)),
    (answer(200), None, (0, 1000)),
    # A Glance that ignores the range: its start is read past.
    (answer(200, **{'Content-Length': '1000'}), (10, 20), (10, 1000)),
    (answer(206, **{'Content-Range': 'bytes 10-19/1000',
                    'Content-Length': '10'}), (10, 20), (0, 10)),
])
def test_a_glances_answer_says_what_to_read(glance_answer, wanted, expected):
    assert image_data._checked(glance_answer, IMAGE, wanted) == expected


@pytest.mark.parametrize('glance_answer, wanted', [
    (answer(200, **{'Content-Length': '999'}), None),
    (answer(206, **{'Content-Range': 'bytes 0-999/1000'}), None),
    (answer(206, **{'Content-Range': 'bytes 11-20/1000'}), (10, 20)),
    (answer(206, **{'Content-Range': 'bytes 10-19/1000',
                    'Content-Length': '11'}), (10, 20)),
    (answer(302, Location='http://127.0.0.1/'), None),
])
def test_an_answer_other_than_asked_is_refused(glance_answer, wanted):
    with pytest.raises(exception.RemoteCloudRejected):
        image_data._checked(glance_answer, IMAGE, wanted)


@pytest.mark.parametrize('image, hashed', [
    ({'os_hash_algo': 'sha512', 'os_hash_value': 'ab12'}, ('sha512', 'ab12')),
    ({'os_hash_value': None, 'checksum': 'cd34'}, ('md5', 'cd34')),
    ({'os_hash_algo': 'sha512', 'os_hash_value': 'ab\r\nSet-Cookie: x'},
     (None, None)),
    ({'os_hash_algo': ['x'], 'os_hash_value': 'ab'}, (None, None)),
    ({}, (None, None)),
])
def test_only_a_hash_in_hex_is_repeated_in_a_header(image, hashed):
    assert image_data._hash_of(image) == hashed
