"""The image's data inspected as it streams: formats and safety checks."""

import os
import struct

import pytest

from glint_service.engine import inspection

MiB = 1024 * 1024


def qcow2(backing_file=False, data_file=False, size=4 * MiB):
    """The bytes of a small qcow2 image, version 3, made by hand."""
    header = struct.pack('>4sIQIIQ', b'QFI\xfb', 3,
                         512 if backing_file else 0,
                         10 if backing_file else 0, 16, size)
    header = header.ljust(0x48, b'\0')
    features = 1 << 2 if data_file else 0
    header += struct.pack('>Q', features)
    return header.ljust(64 * 1024, b'\0')


def chunks_of(data, size=4096):
    return [data[i:i + size] for i in range(0, len(data), size)]


def passed(data, disk_format, container_format='bare'):
    """What reached the targets, and the error if there was one."""
    out = []
    try:
        for chunk in inspection.inspected(iter(chunks_of(data)), disk_format,
                                          container_format):
            out.append(chunk)
    except inspection.UnsafeImage as error:
        return b''.join(out), str(error)
    return b''.join(out), None


def test_a_safe_qcow2_passes_whole():
    data = qcow2()
    assert passed(data, 'qcow2') == (data, None)


def test_random_bytes_are_raw():
    data = os.urandom(100000)
    assert passed(data, 'raw') == (data, None)


@pytest.mark.parametrize('data, disk_format, reason', [
    (qcow2(backing_file=True), 'qcow2', 'safety checks of qcow2: '
                                        'backing_file'),
    (qcow2(data_file=True), 'qcow2', 'data_file'),
    # Disguised as raw, it is still checked as what it is.
    (qcow2(backing_file=True), 'raw', 'backing_file'),
    (qcow2(), 'vmdk', 'its disk_format is vmdk, but its data is qcow2'),
    (os.urandom(100000), 'qcow2', 'its disk_format is qcow2, but its data '
                                  'is raw'),
    (qcow2(), 'ami', 'its disk_format is ami, but its data is qcow2'),
])
def test_unsafe_or_mismatched_data_never_reaches_the_targets_whole(
        data, disk_format, reason):
    reached, error = passed(data, disk_format)
    assert reason in error
    # The last chunk was held back: no target image can become active.
    assert reached == b''.join(chunks_of(data)[:-1])


def test_an_uninspectable_format_of_raw_data_passes():
    data = os.urandom(10000)
    assert passed(data, 'aki') == (data, None)


def test_a_container_other_than_bare_is_not_inspected():
    data = qcow2(backing_file=True)
    assert passed(data, 'qcow2', 'ova') == (data, None)
