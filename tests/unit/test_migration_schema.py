"""The rules of a migration request."""

import pytest

from glint_service.api.schemas import migrations as migration_schema
from glint_service import exception

IMAGE = '6e2f4a1b-0c3d-4e5f-8a9b-1c2d3e4f5a6b'


def test_defaults():
    spec = migration_schema.complete({'image_id': IMAGE, 'targets': ['c1']})
    assert spec == {'image_id': IMAGE, 'targets': ['c1'], 'source': 'local',
                    'name': None, 'visibility': 'private',
                    'on_conflict': 'skip_identical'}


@pytest.mark.parametrize('body,message', [
    ({'targets': ['c1']}, 'image_id: is required'),
    ({'image_id': IMAGE}, 'targets: is required'),
    ({'image_id': IMAGE, 'targets': []}, 'targets: must name at least one'),
    ({'image_id': IMAGE, 'targets': 'c1'}, 'targets: must be a list'),
    ({'image_id': IMAGE, 'targets': [5]}, 'targets[0]: must be a string'),
    ({'image_id': IMAGE, 'targets': ['local']},
     'targets: must not hold the source cloud local'),
    ({'image_id': IMAGE, 'targets': ['c1', 'c1']},
     'targets: names a cloud twice'),
    ({'image_id': IMAGE, 'targets': ['c1'], 'size': 3},
     'size: is not a field of a migration'),
    ({'image_id': IMAGE, 'targets': ['c1'], 'visibility': 'open'},
     'visibility: must be one of'),
    ({'image_id': '../../v3/auth/tokens', 'targets': ['c1']},
     "image_id: must be an image's id (a UUID)"),
    ({'image_id': IMAGE + 'x', 'targets': ['c1']}, 'image_id: must be an'),
    ({'image_id': 5, 'targets': ['c1']}, 'image_id: must be a string'),
    ({'image_id': IMAGE, 'targets': ['c1'], 'name': 'a\nb'},
     'name: must be printable text'),
    ({'image_id': IMAGE, 'targets': ['c1'], 'name': 'bell\x07'},
     'name: must be printable text'),
    ({'image_id': IMAGE, 'targets': ['c1'], 'name': ' padded'},
     'name: must not begin or end with white space'),
])
def test_bad_requests_name_the_field(body, message):
    with pytest.raises(exception.InvalidField) as raised:
        migration_schema.complete(body)
    assert str(raised.value).startswith(message)
