"""The runner: its source, its journal (the one writer of the migration's
record) and its hand-back when the engine stops."""

import contextlib
import io
import threading
import types
from unittest import mock

import pytest

from glint_service.engine import journal as journal_
from glint_service.engine import runner
from glint_service.engine import sources
from glint_service import exception


def migration(image_metadata=None, targets=()):
    return types.SimpleNamespace(
        id='m1', source='local', image_id='a1', trust_id='t1', owner='e1',
        project_id='p', image_metadata=image_metadata, size=10,
        targets=[types.SimpleNamespace(
            position=i, cloud_id=cloud_id, status=status, image_id=image_id,
            error=None, leftover=False, bytes_written=0, settings=None)
            for i, (cloud_id, status, image_id) in enumerate(targets)])


def test_the_metadata_kept_at_the_request_is_used():
    clouds = mock.Mock()
    source = sources.GlanceImage(clouds, migration({'min_disk': 2,
                                                    'tags': []}))
    assert source.metadata() == {'min_disk': 2, 'tags': []}
    clouds.glance.assert_not_called()


def test_a_migration_queued_without_metadata_reads_the_source_image():
    clouds = mock.Mock()
    clouds.glance.return_value.get_image.return_value = {
        'id': 'a1', 'name': 'centos', 'disk_format': 'raw', 'tags': ['hep']}
    source = sources.GlanceImage(clouds, migration(None))
    assert source.metadata() == {'disk_format': 'raw', 'tags': ['hep']}
    clouds.glance.assert_called_once_with('local')
    clouds.glance.return_value.get_image.assert_called_once_with('a1')


def test_a_source_of_another_size_is_refused_and_closed():
    clouds = mock.Mock()
    response = clouds.glance.return_value.open_data.return_value
    response.status_code = 200
    response.headers = {'Content-Length': '11'}
    with pytest.raises(sources.SourceError):
        with sources.GlanceImage(clouds, migration()).open():
            pass
    response.close.assert_called_once_with()


def test_a_transfer_goes_on_through_a_short_loss_of_its_database():
    db = mock.Mock()
    with mock.patch.object(journal_.time, 'monotonic', return_value=100.0):
        journal = journal_.Journal(
            db, migration(targets=[('c2', 'copying', 'i2')]), 30)
    journal.targets[0].pipe = types.SimpleNamespace(bytes_taken=5)
    journal.bytes_read = 7
    db.save_progress.side_effect = exception.DatabaseUnavailable()
    # Up to half the lease without a record, it goes on (no cancel seen).
    with mock.patch.object(journal_.time, 'monotonic', return_value=115.0):
        assert journal.save() is False
    # Longer, it stops: another engine may soon take it for abandoned.
    with mock.patch.object(journal_.time, 'monotonic', return_value=115.5):
        with pytest.raises(exception.DatabaseUnavailable):
            journal.save()
    # Once it answers again, progress is recorded with the targets' services,
    # and a cancel asked for meanwhile is seen.
    db.save_progress.side_effect = None
    db.save_progress.return_value = True
    with mock.patch.object(journal_.time, 'monotonic', return_value=116.0):
        assert journal.save() is True
    db.save_progress.assert_called_with('m1', 7, {0: {
        'status': 'copying', 'error': None, 'image_id': 'i2',
        'leftover': False, 'bytes_written': 5}}, owner='e1')


def test_the_end_is_written_once_with_every_target():
    db = mock.Mock()
    journal = journal_.Journal(db, migration(targets=[
        ('c2', 'copying', 'i2'), ('c3', 'copying', 'i3')]), 30)
    journal.set(journal.targets[0], status='succeeded')
    journal.fail(journal.targets[1], 'upload: refused')
    db.save_progress.assert_not_called()
    status, error = journal.outcome()
    assert (status, error) == ('partial', 'c3: upload: refused')
    journal.end(status, error)
    db.end_migration.assert_called_once()
    args, values = db.end_migration.call_args
    assert args[0] == 'm1'
    assert {p: t['status'] for p, t in args[1].items()} == {
        0: 'succeeded', 1: 'failed'}
    assert values['status'] == 'partial'


def make_runner(db, lease_seconds=30, deadline=10, listing_seconds=30):
    services = types.SimpleNamespace(
        db=db, conf=types.SimpleNamespace(
            migrations=None,
            engine=types.SimpleNamespace(lease_seconds=lease_seconds)),
        outbound=types.SimpleNamespace(listing_seconds=listing_seconds,
                                       deadline=deadline),
        target_hash_algorithms={})
    return runner.Runner(services, mock.Mock(), threading.Event())


def test_an_identical_image_is_never_deleted():
    db = mock.Mock()
    journal = journal_.Journal(db, migration(targets=[('c2', 'queued',
                                                       None)]), 30)
    target = journal.targets[0]
    clouds = mock.Mock()
    glance = clouds.glance.return_value
    glance.find_identical.return_value = {'id': 'users-own'}
    run = make_runner(db)
    run._prepare(types.SimpleNamespace(on_conflict='skip_identical',
                                       os_hash_algo='sha512',
                                       os_hash_value='h'),
                 journal, clouds, target, {})
    assert (target.status, target.image_id) == ('skipped', 'users-own')
    run._stop_before_data(journal, 'source: gone')
    glance.create_image.assert_not_called()
    glance.delete_image.assert_not_called()


def test_a_targets_image_is_made_with_the_targets_own_settings():
    db = mock.Mock()
    record = migration(targets=[('c2', 'queued', None)])
    record.targets[0].settings = {'name': 'centos-9', 'visibility': 'shared'}
    journal = journal_.Journal(db, record, 30)
    clouds = mock.Mock()
    glance = clouds.glance.return_value
    glance.create_image.return_value = 'i2'
    make_runner(db)._prepare(types.SimpleNamespace(
        on_conflict='copy', name=None, image_name='centos',
        visibility='private'), journal, clouds, journal.targets[0],
        {'disk_format': 'raw'})
    glance.create_image.assert_called_once_with(
        {'disk_format': 'raw'}, 'centos-9', 'shared', image_id=mock.ANY)
    assert (journal.targets[0].status, journal.targets[0].image_id) == (
        'copying', 'i2')


def test_a_targets_image_id_is_recorded_before_the_image_is_made():
    """An engine that dies while a target is created leaves its id."""
    db = mock.Mock()
    db.save_progress.return_value = False
    record = migration(targets=[('c2', 'queued', None)])
    journal = journal_.Journal(db, record, 30)
    clouds = mock.Mock()
    glance = clouds.glance.return_value
    recorded = []

    def create_image(metadata, name, visibility, image_id):
        args, _ = db.save_progress.call_args
        recorded.append(args[2][0]['image_id'])
        return image_id

    glance.create_image.side_effect = create_image
    make_runner(db)._prepare(types.SimpleNamespace(
        on_conflict='copy', name='n', image_name='n',
        visibility='private'), journal, clouds, journal.targets[0], {})
    target = journal.targets[0]
    assert recorded == [target.image_id]
    assert (target.status, target.made) == ('copying', True)


def handing_back(delete_fails=False):
    db = mock.Mock()
    journal = journal_.Journal(db, migration(targets=[
        ('c2', 'copying', 'i2'), ('c3', 'skipped', 'users-own')]), 30)
    journal.targets[0].made = True
    for target in journal.targets:
        target.glance = mock.Mock()
    if delete_fails:
        journal.targets[0].glance.delete_image.side_effect = OSError()
    return db, journal, make_runner(db)._hand_back(journal)


def test_a_handed_back_migration_is_queued_again_without_its_images():
    db, journal, status = handing_back()
    assert status == 'queued'
    journal.targets[0].glance.delete_image.assert_called_once_with('i2')
    journal.targets[1].glance.delete_image.assert_not_called()
    db.requeue_migration.assert_called_once_with('m1', 'e1')
    db.end_migration.assert_not_called()


def test_a_hand_back_that_cannot_delete_an_image_ends_the_migration():
    # Run again, the target's one record would lose the image's id: the
    # migration ends instead, the image left for the cleanup to delete.
    db, journal, status = handing_back(delete_fails=True)
    assert status == 'failed'
    db.requeue_migration.assert_not_called()
    args, values = db.end_migration.call_args
    assert args[1][0]['leftover'] is True
    assert args[1][0]['status'] == 'failed'
    assert args[1][1]['status'] == 'skipped'
    assert values['error'] == runner.STOPPED


class Source(object):
    """A source that says when it is opened and closed."""

    def __init__(self):
        self.opened = threading.Event()
        self.closed = threading.Event()

    def metadata(self):
        return {'disk_format': 'raw'}

    @contextlib.contextmanager
    def open(self):
        self.opened.set()
        try:
            yield io.BytesIO(b'')
        finally:
            self.closed.set()


def transfer(on_conflict, clouds, source):
    """A one-target run, cancelled once its target is prepared."""
    db = mock.Mock()
    db.save_progress.return_value = True
    record = migration(targets=[('c2', 'queued', None)])
    record.on_conflict = on_conflict
    record.name, record.image_name = None, 'centos'
    record.visibility = 'private'
    record.os_hash_algo, record.os_hash_value = 'sha512', 'h'
    journal = journal_.Journal(db, record, 30)
    status = make_runner(db)._transfer(record, journal, clouds, source)
    return status, journal.targets[0]


def test_the_source_is_opened_while_the_targets_are_prepared():
    # The target's image is made only once the source is opening: it would
    # wait for ever if the source were opened after the targets are ready.
    source = Source()
    clouds = mock.Mock()
    glance = clouds.glance.return_value
    glance.create_image.side_effect = lambda *args, **kwargs: (
        'i2' if source.opened.wait(60) else None)
    status, target = transfer('copy', clouds, source)
    assert (status, target.image_id) == ('cancelled', 'i2')
    glance.delete_image.assert_called_once_with('i2')
    # Not left open by a run that ends before its data flows.
    assert source.closed.is_set()


def test_a_source_is_not_opened_for_targets_that_have_the_image():
    source = Source()
    clouds = mock.Mock()
    clouds.glance.return_value.find_identical.return_value = {'id': 'own'}
    status, target = transfer('skip_identical', clouds, source)
    assert (target.status, target.image_id) == ('skipped', 'own')
    assert not source.opened.is_set()


def test_a_transfer_under_its_floor_rate_stops_once_past_its_grace():
    """A chunk now and then, each in time: the average decides."""
    conf = types.SimpleNamespace(progress_interval=3600, max_rate=0,
                                 min_rate=1000, stall_timeout=10)
    journal = mock.Mock()
    with mock.patch.object(runner.time, 'monotonic', return_value=100.0):
        progress = runner.Progress(journal, conf, threading.Event())
    with mock.patch.object(runner.time, 'monotonic', return_value=105.0):
        progress.after_chunk(10)  # Slow, but within the grace.
    with mock.patch.object(runner.time, 'monotonic', return_value=120.0):
        progress.after_chunk(20000)  # 1000 bytes a second: enough.
        with pytest.raises(runner.transfer.Stalled, match='min_rate'):
            progress.after_chunk(19999)


@pytest.mark.parametrize('hashes, copy_algo, copy_value, said', [
    ({'sha512': 'h512', 'sha256': 'h256'}, 'sha512', 'h512', None),
    ({'sha512': 'h512', 'sha256': 'h256'}, 'sha256', 'h256', None),
    ({'sha512': 'h512'}, 'sha512', 'other', 'hash differs from that of'),
    ({'sha512': 'h512'}, 'sha384', 'h384', 'an algorithm Glint did not'),
    # A target not known yet: its Glance's md5 checksum.
    ({'sha512': 'h512', 'md5': 'm5'}, 'sha384', 'h384', None),
    ({'sha512': 'h512', 'md5': 'other'}, 'sha384', 'h384', 'hash differs'),
])
def test_a_copy_is_verified_by_its_glances_algorithm(hashes, copy_algo,
                                                     copy_value, said):
    db = mock.Mock()
    journal = journal_.Journal(db, migration(targets=[
        ('c2', 'verifying', 'i2')]), 30)
    journal.hashes = hashes
    target = journal.targets[0]
    target.glance = mock.Mock(**{'get_image.return_value': {
        'status': 'active', 'size': 10, 'os_hash_algo': copy_algo,
        'os_hash_value': copy_value, 'checksum': 'm5'}})
    run = make_runner(db)
    run._verify(types.SimpleNamespace(size=10), journal, target)
    if said is None:
        assert target.status == 'succeeded'
    else:
        assert target.status == 'failed'
        assert said in target.error
    if 'md5' in hashes:
        # Learned: the next migration to that cloud hashes by its algorithm.
        assert run.target_hash_algorithms == {'c2': copy_algo}


@pytest.mark.parametrize('source_algo, target_algos, computed', [
    (None, ['sha512'], {'sha512'}),
    ('sha256', ['sha512'], {'sha512', 'sha256'}),
    ('whirlpool-of-the-attacker', ['sha512'], {'sha512'}),
    (None, ['sha384', 'sha512'], {'sha512', 'sha384'}),
    # A target whose algorithm is not known yet.
    (None, ['sha512', None], {'sha512', 'md5'}),
])
def test_the_data_is_hashed_by_the_sources_and_the_targets_algorithms(
        source_algo, target_algos, computed):
    assert runner.hash_algorithms(source_algo, target_algos) == computed


def test_a_runner_remembers_a_bounded_number_of_clouds_algorithms():
    run = make_runner(mock.Mock())
    for i in range(runner.MAX_CLOUDS_KNOWN + 1):
        run._learn_hash_algorithm('c%d' % i, 'sha512')
    assert len(run.target_hash_algorithms) <= runner.MAX_CLOUDS_KNOWN


def test_the_end_is_written_through_a_short_loss_of_the_database():
    """Tried again each second, for up to half a lease."""
    db = mock.Mock()
    db.end_migration.side_effect = [exception.DatabaseUnavailable(),
                                    exception.DatabaseUnavailable(), None]
    with mock.patch.object(journal_.time, 'monotonic', return_value=100.0):
        journal = journal_.Journal(db, migration(targets=[
            ('c2', 'succeeded', 'i2')]), 30)
    with mock.patch.object(journal_.time, 'sleep') as slept, \
            mock.patch.object(journal_.time, 'monotonic',
                              return_value=110.0):
        journal.end('succeeded')
    assert db.end_migration.call_count == 3
    assert slept.call_count == 2


def test_the_end_is_given_up_past_half_a_lease():
    db = mock.Mock()
    db.end_migration.side_effect = exception.DatabaseUnavailable()
    with mock.patch.object(journal_.time, 'monotonic', return_value=100.0):
        journal = journal_.Journal(db, migration(targets=[
            ('c2', 'succeeded', 'i2')]), 30)
    with mock.patch.object(journal_.time, 'sleep'), \
            mock.patch.object(journal_.time, 'monotonic',
                              side_effect=[110.0, 114.0, 116.0]):
        with pytest.raises(exception.DatabaseUnavailable):
            journal.end('succeeded')
    assert db.end_migration.call_count == 3


def test_a_targets_image_id_is_kept_through_a_short_loss_of_the_database():
    db = mock.Mock()
    db.save_progress.side_effect = [exception.DatabaseUnavailable(), False]
    journal = journal_.Journal(db, migration(targets=[
        ('c2', 'queued', None)]), 30)
    with mock.patch.object(journal_.time, 'sleep'):
        assert journal.save(keep=True) is False
    assert db.save_progress.call_count == 2


def test_a_migration_just_claimed_is_read_through_a_short_loss():
    db = mock.Mock()
    record = migration()
    db.get_migration.side_effect = [exception.DatabaseUnavailable(), record]
    with mock.patch.object(journal_.time, 'sleep'):
        assert make_runner(db)._load('m1') is record


def test_a_migration_ended_meanwhile_is_left_as_it_ended():
    """Its recovery finds it ended by the run it was taken from."""
    from glint_service.engine import cleanup

    db = mock.Mock()
    record = migration(targets=[('c2', 'copying', 'i2')])
    record.bytes_read = 0
    db.get_migration.return_value = record
    db.end_migration.side_effect = exception.LeaseLost('m1')
    notifier = mock.Mock()
    services = types.SimpleNamespace(
        db=db, conf=types.SimpleNamespace(
            engine=types.SimpleNamespace(lease_seconds=30)))
    cleanup.Cleanup(services, notifier).recover('m1')
    db.end_migration.assert_called_once()
    notifier.ended.assert_not_called()


def test_a_target_whose_cloud_is_never_ready_fails_alone():
    """Not waited for beyond the bound of its calls; the others go on."""
    db = mock.Mock()
    record = migration(targets=[('c2', 'queued', None),
                                ('c3', 'queued', None)])
    record.on_conflict = 'copy'
    record.name, record.image_name = None, 'centos'
    record.visibility = 'private'
    journal = journal_.Journal(db, record, 30)
    never = threading.Event()
    clouds = mock.Mock()
    clouds.glance.side_effect = lambda cloud_id: (
        never.wait(60) if cloud_id == 'c2' else mock.Mock(**{
            'create_image.side_effect': lambda *a, image_id: image_id}))
    run = make_runner(db, lease_seconds=0.1, deadline=0.01,
                      listing_seconds=0.01)
    try:
        run._prepare_all(record, journal, clouds, {})
        statuses = [t.status for t in journal.targets]
    finally:
        never.set()
    assert statuses == ['failed', 'copying']
    assert 'not ready within' in journal.targets[0].error


def test_an_opening_that_never_ends_is_not_waited_for():
    """And what it opens at last is closed at once."""
    answer = threading.Event()
    source = Source()
    source.open = lambda: answer.wait(60) and Source.open(source)
    opening = runner.Opening(source, 0.05)
    opening.start()
    with pytest.raises(sources.SourceError, match='no answer within'):
        opening.data()
    opening.close()
    answer.set()
    assert source.closed.wait(60)
