"""The runner's use of what the migration record keeps."""

import types
from unittest import mock

from glint_service import cloud_access
from glint_service import migrator


def runner():
    return migrator.Runner(types.SimpleNamespace(
        db=None, conf=types.SimpleNamespace(migrations=None)))


def migration(image_metadata):
    return types.SimpleNamespace(
        id='m1', source='local', image_id='a1', trust_id='t1',
        project_id='p', image_metadata=image_metadata)


def test_the_metadata_kept_at_the_request_is_used():
    with mock.patch.object(cloud_access, 'trusted_glance') as trusted:
        metadata = runner()._metadata(migration({'min_disk': 2,
                                                 'tags': []}))
    assert metadata == {'min_disk': 2, 'tags': []}
    trusted.assert_not_called()


def test_a_migration_queued_without_metadata_reads_the_source_image():
    with mock.patch.object(cloud_access, 'trusted_glance') as trusted:
        trusted.return_value.get_image.return_value = {
            'id': 'a1', 'name': 'centos', 'disk_format': 'raw',
            'tags': ['hep']}
        metadata = runner()._metadata(migration(None))
    assert metadata == {'disk_format': 'raw', 'tags': ['hep']}
    trusted.return_value.get_image.assert_called_once_with('a1')
