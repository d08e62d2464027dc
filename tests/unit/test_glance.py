"""What a copy takes from its source image, and how its data is sent."""

import pytest

from glint_service import glance

SOURCE = {
    'id': 'a1', 'name': 'centos', 'status': 'active', 'visibility': 'public',
    'protected': True, 'os_hidden': False, 'checksum': 'c',
    'os_hash_algo': 'sha512', 'os_hash_value': 'h', 'size': 10,
    'virtual_size': 10, 'owner': 'p', 'created_at': 't', 'updated_at': 't',
    'file': '/v2/images/a1/file', 'schema': '/v2/schemas/image',
    'self': '/v2/images/a1', 'locations': [], 'direct_url': 'file://x',
    'stores': 'fs', 'os_glance_import_task': 'x',
    'disk_format': 'qcow2', 'container_format': 'bare', 'min_disk': 2,
    'min_ram': 0, 'hw_disk_bus': 'scsi', 'os_distro': 'centos',
    'tags': ['hep', 'vetted'],
}


def test_a_copy_takes_formats_properties_and_tags():
    assert glance.copied_metadata(SOURCE) == {
        'disk_format': 'qcow2', 'container_format': 'bare', 'min_disk': 2,
        'min_ram': 0, 'hw_disk_bus': 'scsi', 'os_distro': 'centos',
        'tags': ['hep', 'vetted']}


def test_unset_formats_are_left_to_the_target():
    metadata = glance.copied_metadata({'disk_format': None, 'tags': None})
    assert metadata == {'tags': []}


def test_an_upload_body_has_its_length_and_sends_no_more():
    body = glance._Body(iter([b'abc', b'de']), 5)
    assert len(body) == 5
    assert b''.join(body) == b'abcde'
    too_long = glance._Body(iter([b'abc', b'def']), 5)
    with pytest.raises(ValueError, match='more data than the 5 bytes'):
        b''.join(too_long)
