"""Grouping images across clouds, and the three kinds of conflict."""

from glint_service.api import image_listing


def image(image_id, name, content=None, status='active'):
    return {'id': image_id, 'name': name, 'os_hash_value': content,
            'size': 10, 'disk_format': 'raw', 'status': status,
            'visibility': 'private'}


def conflicts(document):
    return sorted((i['key'], c['type'], c['cloud_id'])
                  for i in document['images'] for c in i['conflicts'])


def test_copies_of_one_content_are_one_row():
    document = image_listing.group([
        ('local', 'here', [image('a', 'alma9', 'h1')], None),
        ('c2', 'there', [image('b', 'alma9', 'h1')], None),
    ])
    row, = document['images']
    assert row['key'] == 'h1'
    assert [c['cloud_id'] for c in row['copies']] == ['local', 'c2']
    assert row['conflicts'] == []


def test_name_mismatch():
    document = image_listing.group([
        ('local', 'here', [image('a', 'alma9', 'h1')], None),
        ('c2', 'there', [image('b', 'alma-9', 'h1')], None),
    ])
    assert conflicts(document) == [('h1', 'name_mismatch', 'c2')]


def test_duplicate_name_in_one_cloud_is_not_a_content_mismatch():
    document = image_listing.group([
        ('local', 'here', [image('a', 'x', 'h1'), image('b', 'x', 'h2')],
         None),
    ])
    assert conflicts(document) == [('h1', 'duplicate_name', 'local'),
                                   ('h2', 'duplicate_name', 'local')]


def test_content_mismatch_across_clouds():
    document = image_listing.group([
        ('local', 'here', [image('a', 'x', 'h1')], None),
        ('c2', 'there', [image('b', 'x', 'h2')], None),
    ])
    assert conflicts(document) == [('h1', 'content_mismatch', 'local'),
                                   ('h2', 'content_mismatch', 'c2')]


def test_an_image_without_a_hash_is_keyed_by_name():
    document = image_listing.group([
        ('local', 'here', [image('a', 'empty', None, status='queued')],
         None)])
    assert document['images'][0]['key'] == 'name:empty'


def test_an_unreachable_cloud_is_reported_and_the_rest_listed():
    document = image_listing.group([
        ('local', 'here', [image('a', 'x', 'h1')], None),
        ('c2', 'there', None, 'unreachable: ConnectFailure'),
    ])
    assert document['clouds'][1] == {
        'id': 'c2', 'name': 'there', 'reachable': False,
        'error': 'unreachable: ConnectFailure'}
    assert len(document['images']) == 1


def test_conflict_details_name_the_clouds():
    document = image_listing.group([
        ('local', 'here', [image('a', 'x', 'h1'), image('b', 'x', 'h2')],
         None),
        ('c2', 'there', [image('c', 'x', 'h3'), image('d', 'y', 'h1')],
         None),
    ])
    details = {(i['key'], c['type']): c['detail']
               for i in document['images'] for c in i['conflicts']}
    assert details[('h1', 'duplicate_name')] == (
        "2 images are named 'x' in cloud here")
    assert details[('h1', 'name_mismatch')] == (
        "the same content is named 'y' in cloud there and 'x' elsewhere")
    assert details[('h3', 'content_mismatch')] == (
        "the name 'x' is on other content in here")
