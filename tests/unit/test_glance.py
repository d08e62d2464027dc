"""What a copy takes from its source image, and how its data is sent."""

import types

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


class Pages(object):
    """A session whose Glance answers a listing in pages."""

    def __init__(self, pages):
        self.pages = pages
        self.asked = []

    def request(self, path, method, params=None, endpoint_filter=None):
        self.asked.append((method, path, params))
        page = self.pages[len(self.asked) - 1]
        return types.SimpleNamespace(json=lambda: page)


def test_a_listing_follows_every_page():
    session = Pages([
        {'images': [{'id': 'a'}, {'id': 'b'}],
         'next': '/v2/images?limit=2&marker=b'},
        {'images': [{'id': 'c'}]}])
    images = glance.Glance(session).list_images(status='active')
    assert [image['id'] for image in images] == ['a', 'b', 'c']
    assert session.asked == [
        ('GET', '/v2/images', {'status': 'active',
                               'limit': glance.PAGE_SIZE}),
        ('GET', '/v2/images?limit=2&marker=b', None)]


def test_an_identical_image_is_looked_for_by_hash_among_active_ones():
    session = Pages([{'images': [{'id': 'same'}]}])
    assert glance.Glance(session).find_identical('h')['id'] == 'same'
    method, path, params = session.asked[0]
    assert params == {'os_hash_value': 'h', 'status': 'active',
                      'limit': glance.PAGE_SIZE}
    assert glance.Glance(Pages([{'images': []}])).find_identical('h') is None
