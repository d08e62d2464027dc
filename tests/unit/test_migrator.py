"""The runner's use of what the migration record keeps, and of its
progress records."""

import types
from unittest import mock

import pytest

from glint_service import cloud_access
from glint_service import exception
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


def test_a_transfer_goes_on_through_a_short_loss_of_its_database():
    db = mock.Mock()
    conf = types.SimpleNamespace(progress_interval=0.5, max_rate=0,
                                 lease_seconds=30)
    target = types.SimpleNamespace(position=0,
                                   pipe=types.SimpleNamespace(bytes_taken=5))
    with mock.patch.object(migrator.time, 'monotonic', return_value=100.0):
        progress = migrator.Progress(types.SimpleNamespace(db=db, conf=conf),
                                     types.SimpleNamespace(id='m1'), [target])
    db.save_progress.side_effect = exception.DatabaseUnavailable()
    # Up to half the lease without a record, it goes on (no cancel seen).
    with mock.patch.object(migrator.time, 'monotonic', return_value=115.0):
        assert progress.save() is False
    # Longer, it stops: another process may soon take it for abandoned.
    with mock.patch.object(migrator.time, 'monotonic', return_value=115.5):
        with pytest.raises(exception.DatabaseUnavailable):
            progress.save()
    # Once it answers again, progress is recorded, and a cancel asked for
    # meanwhile is seen.
    db.save_progress.side_effect = None
    db.save_progress.return_value = True
    with mock.patch.object(migrator.time, 'monotonic', return_value=116.0):
        assert progress.save() is True
    db.save_progress.assert_called_with('m1', 0, {0: 5})


def test_an_identical_image_is_never_deleted_even_if_its_skip_is_unrecorded():
    # The database cannot take "skipped" at that moment: the target fails,
    # and its image is the user's own, which Glint must leave alone.
    db = mock.Mock()
    db.update_target.side_effect = exception.DatabaseUnavailable()
    runner = migrator.Runner(types.SimpleNamespace(
        db=db, conf=types.SimpleNamespace(migrations=None)))
    record = types.SimpleNamespace(position=0, cloud_id='c2', status='queued',
                                   image_id=None, leftover=False)
    target = migrator.Target(record)
    target_migration = types.SimpleNamespace(
        id='m1', on_conflict='skip_identical', os_hash_value='h')
    with mock.patch.object(cloud_access, 'trusted_glance') as trusted:
        glance = trusted.return_value
        glance.find_identical.return_value = {'id': 'users-own'}
        runner._prepare(target_migration, target, {})
        runner._remove_image(target_migration, target)
    glance.create_image.assert_not_called()
    glance.delete_image.assert_not_called()
