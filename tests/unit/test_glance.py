"""What a copy takes from its source image, and how its data is sent."""

import json
import types

import pytest

from glint_service.clouds import glance

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

    def request(self, path, method, params=None, endpoint_filter=None,
                **kwargs):
        self.asked.append((method, path, params))
        page = self.pages[len(self.asked) - 1]
        return types.SimpleNamespace(json=lambda: page,
                                     content=json.dumps(page).encode())

    def get_project_id(self):
        return 'p1'


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


def test_a_listing_stops_at_its_page_limit():
    endless = Pages([{'images': [{'id': str(i)}],
                      'next': '/v2/images?marker=%d' % i}
                     for i in range(10)])
    with pytest.raises(glance.TooManyPages, match='more than 3 pages'):
        glance.Glance(endless, max_pages=3).list_images()
    assert len(endless.asked) == 3


def test_a_listing_stops_once_its_time_is_up():
    session = Pages([{'images': [], 'next': '/v2/images?marker=a'}])
    with pytest.raises(glance.OutOfTime):
        glance.Glance(session).list_images(deadline=0)
    assert session.asked == []


@pytest.mark.parametrize('link', [
    'http://169.254.169.254/latest/meta-data', '//elsewhere/v2/images?x=1',
    '/v3/auth/tokens', ['not', 'a', 'link']])
def test_a_next_link_elsewhere_than_the_listing_is_refused(link):
    session = Pages([{'images': [], 'next': link}])
    with pytest.raises(ValueError, match='next link'):
        glance.Glance(session).list_images()
    assert len(session.asked) == 1


def test_an_image_id_is_one_path_segment():
    session = Pages([{'id': 'x'}])
    glance.Glance(session).get_image('../../v3/x?y#z')
    assert session.asked[0][1] == '/v2/images/..%2F..%2Fv3%2Fx%3Fy%23z'


def test_an_identical_image_is_looked_for_by_hash_among_active_ones():
    mine = {'id': 'same', 'owner': 'p1', 'os_hash_algo': 'sha512',
            'os_hash_value': 'h'}
    session = Pages([{'images': [mine]}])
    assert glance.Glance(session).find_identical('sha512', 'h')['id'] == (
        'same')
    method, path, params = session.asked[0]
    assert params == {'os_hash_value': 'h', 'status': 'active',
                      'owner': 'p1', 'limit': glance.PAGE_SIZE}
    assert glance.Glance(Pages([{'images': []}])).find_identical(
        'sha512', 'h') is None


@pytest.mark.parametrize('image', [
    {'id': 'theirs', 'owner': 'p2', 'os_hash_algo': 'sha512',
     'os_hash_value': 'h'},
    {'id': 'other-algo', 'owner': 'p1', 'os_hash_algo': 'sha256',
     'os_hash_value': 'h'},
    {'id': 'other-hash', 'owner': 'p1', 'os_hash_algo': 'sha512',
     'os_hash_value': 'g'},
])
def test_only_the_projects_own_image_with_the_same_hash_is_identical(image):
    session = Pages([{'images': [image]}])
    assert glance.Glance(session).find_identical('sha512', 'h') is None


@pytest.mark.parametrize('algo, value', [(None, None), ('sha512', None),
                                         (None, 'h'), ('', '')])
def test_a_source_without_a_hash_has_no_identical_image(algo, value):
    session = Pages([{'images': [{'id': 'any', 'owner': 'p1'}]}])
    assert glance.Glance(session).find_identical(algo, value) is None
    assert session.asked == []


@pytest.mark.parametrize('entry', [
    {}, None, ['a'], {'id': 'a', 'name': ['x']}, {'id': 'a', 'size': '1'},
    {'id': 'a', 'size': True}, {'id': 7}])
def test_a_listing_entry_that_is_not_an_image_is_refused(entry):
    session = Pages([{'images': [{'id': 'ok'}, entry]}])
    with pytest.raises(glance.NotAnImage):
        glance.Glance(session).list_images()


def test_a_listing_keeps_only_the_fields_glint_uses():
    session = Pages([{'images': [dict(SOURCE, junk='x' * 1000)]}])
    [image] = glance.Glance(session).list_images()
    assert set(image) == set(glance.LISTED)
    assert image['name'] == 'centos'


def test_looking_for_an_identical_image_stops_at_the_first():
    mine = {'id': 'same', 'owner': 'p1', 'os_hash_algo': 'sha512',
            'os_hash_value': 'h'}
    session = Pages([{'images': [mine], 'next': '/v2/images?marker=same'},
                     {'images': []}])
    assert glance.Glance(session).find_identical('sha512', 'h')['id'] == (
        'same')
    assert len(session.asked) == 1


@pytest.mark.parametrize('answer', [None, [], {'id': None}, {'id': 'x'},
                                    {'id': '%s\n' % ('1' * 8 + '-1111' * 3
                                                     + '-' + '1' * 12)}])
def test_a_created_image_must_be_named_by_a_uuid(answer):
    session = Pages([answer])
    with pytest.raises(glance.NotAnImage):
        glance.Glance(session).create_image({}, 'n', 'private')


@pytest.mark.parametrize('answer', [None, [], 'active'])
def test_an_image_record_that_is_not_an_object_is_refused(answer):
    with pytest.raises(glance.NotAnImage):
        glance.Glance(Pages([answer])).get_image('a')


def test_a_listing_stops_past_its_bytes_all_pages_together():
    page = {'images': [{'id': 'x', 'name': 'n' * 100}],
            'next': '/v2/images?marker=x'}
    size = len(json.dumps(page))
    endless = Pages([page] * 10)
    with pytest.raises(glance.TooManyPages, match='larger than Glint'):
        glance.Glance(endless, max_bytes=3 * size + 1).list_images()
    assert len(endless.asked) == 4


def test_looking_for_an_identical_image_stops_once_its_time_is_up():
    session = Pages([{'images': [], 'next': '/v2/images?marker=a'}])
    with pytest.raises(glance.OutOfTime):
        glance.Glance(session).find_identical('sha512', 'h', deadline=0)
    assert session.asked == []
