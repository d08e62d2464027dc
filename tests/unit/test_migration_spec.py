"""The rules of a migration request."""

import pytest

from glint_service import exception
from glint_service import migration_spec


def test_defaults():
    spec = migration_spec.complete({'image_id': 'i', 'targets': ['c1']})
    assert spec == {'image_id': 'i', 'targets': ['c1'], 'source': 'local',
                    'name': None, 'visibility': 'private',
                    'on_conflict': 'skip_identical'}


@pytest.mark.parametrize('body,message', [
    ({'targets': ['c1']}, 'image_id: is required'),
    ({'image_id': 'i'}, 'targets: is required'),
    ({'image_id': 'i', 'targets': []}, 'targets: must name at least one'),
    ({'image_id': 'i', 'targets': 'c1'}, 'targets: must be a list'),
    ({'image_id': 'i', 'targets': [5]}, 'targets[0]: must be a string'),
    ({'image_id': 'i', 'targets': ['local']},
     'targets: must not hold the source cloud local'),
    ({'image_id': 'i', 'targets': ['c1', 'c1']},
     'targets: names a cloud twice'),
    ({'image_id': 'i', 'targets': ['c1'], 'size': 3},
     'size: is not a field of a migration'),
    ({'image_id': 'i', 'targets': ['c1'], 'visibility': 'open'},
     'visibility: must be one of'),
])
def test_bad_requests_name_the_field(body, message):
    with pytest.raises(exception.InvalidField) as raised:
        migration_spec.complete(body)
    assert str(raised.value).startswith(message)
