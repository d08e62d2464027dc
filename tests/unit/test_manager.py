"""The engine's rounds: claims within its limit, leases, cleanups off the
lease loop, and its stop."""

import threading
import time
from unittest import mock

from glint_service.engine import manager
from glint_service import services as glint_services
from tests.unit import records


def queue_migration(services, project_id='project-a'):
    return services.db.create_migration({
        'project_id': project_id, 'created_by': 'user-a',
        'image_id': 'a1', 'source': 'local', 'visibility': 'private',
        'on_conflict': 'copy', 'size': 10}, ['cloud-b']).id


def engine(conf, max_transfers=4, per_project=None):
    conf.set_override('max_transfers', max_transfers, group='engine')
    conf.set_override('max_transfers_per_project', per_project,
                      group='engine')
    return manager.Engine(glint_services.Services(conf), mock.Mock())


def tick(engine_):
    """One round of the engine's loop: what it looks after, its claims."""
    engine_.look_after()
    engine_.claim()


def test_an_engine_claims_only_while_under_its_limit(conf):
    engine_ = engine(conf, max_transfers=2, per_project=2)
    queued = [queue_migration(engine_.services) for _ in range(3)]
    release = threading.Event()
    started = []

    def run(migration_id):
        started.append(migration_id)
        release.wait(60)

    with mock.patch.object(engine_.runner, 'run', run):
        tick(engine_)
        tick(engine_)
        assert eventually(lambda: len(started) == 2)
        # The oldest two; the third waits in the queue for a free slot.
        assert sorted(started) == sorted(queued[:2])
        assert engine_.db.get_migration(queued[2]).status == 'queued'
        release.set()
        assert eventually(lambda: not engine_._running)
        tick(engine_)
        assert eventually(lambda: len(started) == 3)
        engine_.stop()


def test_a_stopping_engine_claims_nothing(conf):
    engine_ = engine(conf)
    migration_id = queue_migration(engine_.services)
    engine_.stopping.set()
    with mock.patch.object(engine_.runner, 'run') as run:
        tick(engine_)
    run.assert_not_called()
    assert engine_.db.get_migration(migration_id).status == 'queued'


def test_stop_waits_for_the_transfers_and_releases_the_recoveries(conf):
    # One migration streaming (its runner hands it back once the engine
    # stops); two abandoned ones to end, on one cleanup thread: stop waits
    # for the transfer and the recovery under way, and releases the claim
    # of the recovery not begun, for another engine at once.
    conf.set_override('cleanup_threads', 1, group='engine')
    engine_ = engine(conf)
    db = engine_.db
    abandoned = [queue_migration(engine_.services) for _ in range(2)]
    for migration_id in abandoned:
        assert db.claim(migration_id, 'gone', lease_seconds=-1)
    running = queue_migration(engine_.services)
    recovering = []

    def run(migration_id):
        assert engine_.stopping.wait(60)
        db.requeue_migration(migration_id, engine_.owner)

    def recover(migration_id):
        recovering.append(migration_id)
        # Under way until the engine has dropped the cleanups not begun.
        assert eventually(lambda: engine_._cleanup_pool._shutdown)

    with mock.patch.object(engine_.runner, 'run', run), \
            mock.patch.object(engine_.cleanup, 'recover', recover):
        tick(engine_)
        assert eventually(lambda: recovering)
        engine_.stop()
    assert db.get_migration(running).status == 'queued'
    [begun] = recovering
    [not_begun] = [m for m in abandoned if m != begun]
    assert db.abandoned_migration_ids() == [not_begun]


def eventually(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_an_engine_renews_the_leases_of_the_migrations_it_runs_only(conf):
    # Both claimed by this process, their leases run out; one is still
    # running here, the other's run ended without recording its end (the
    # database was gone at that moment): that one is ended as interrupted.
    engine_ = engine(conf)
    services = engine_.services
    running, ended = queue_migration(services), queue_migration(services)
    for migration_id in (running, ended):
        assert services.db.claim(migration_id, engine_.owner, lease_seconds=-1)
    engine_._running[running] = 'project-a'
    with mock.patch.object(engine_.cleanup, 'recover') as recover:
        tick(engine_)
        engine_.stop()
    recover.assert_called_once_with(ended)
    assert services.db.abandoned_migration_ids() == []
    assert services.db.get_migration(running).owner == engine_.owner


def test_a_stuck_cleanup_neither_holds_the_leases_nor_runs_twice(conf):
    """A target Glance slow to answer a DELETE costs no lease."""
    engine_ = engine(conf)
    services = engine_.services
    running, left = queue_migration(services), queue_migration(services)
    assert services.db.claim(running, engine_.owner, lease_seconds=-1)
    engine_._running[running] = 'project-a'
    records.update_migration(services.db, left, status='failed')
    services.db.update_target(left, 0, status='failed', image_id='i1',
                              leftover=True)
    started, release = threading.Event(), threading.Event()
    calls = []

    def stuck(record):
        calls.append(record.migration_id)
        started.set()
        release.wait(60)

    with mock.patch.object(engine_.cleanup, 'remove_leftover', stuck):
        tick(engine_)
        assert started.wait(60)
        # The round is over, the deletion still hangs: the lease of the
        # running migration was renewed, and a next round does not ask for
        # the same deletion again.
        assert services.db.abandoned_migration_ids() == []
        services.db.claim(running, engine_.owner, lease_seconds=-1)
        tick(engine_)
        assert services.db.abandoned_migration_ids() == []
        assert calls == [left]
        release.set()
        engine_.stop()


def test_an_idle_engine_looks_at_the_queue_more_often_than_at_the_rest(conf):
    # Leases of ten minutes: the leases, abandoned migrations and leftovers
    # are looked after every 100 s; the queue every 50 ms.
    conf.set_override('lease_seconds', 600, group='engine')
    conf.set_override('poll_interval', 0.05, group='engine')
    engine_ = engine(conf)
    claimed = threading.Event()
    with mock.patch.object(engine_, 'look_after') as look_after, \
            mock.patch.object(engine_.runner, 'run',
                              lambda migration_id: claimed.set()):
        engine_.start()
        assert eventually(lambda: look_after.called)
        queue_migration(engine_.services)
        assert claimed.wait(60)
        engine_.stop()
    look_after.assert_called_once_with()


def test_an_engine_that_stops_drops_the_cleanups_it_finds(conf):
    # Its cleanup pool is shut down already: the abandoned migration's
    # claim is released at its stop, for another engine.
    engine_ = engine(conf)
    abandoned = queue_migration(engine_.services)
    assert engine_.db.claim(abandoned, 'gone', lease_seconds=-1)
    engine_._cleanup_pool.shutdown()
    with mock.patch.object(engine_.cleanup, 'recover') as recover:
        engine_.look_after()
        engine_.stop()
    recover.assert_not_called()
    assert engine_.db.abandoned_migration_ids() == [abandoned]


def test_a_project_never_takes_every_transfer_of_an_engine(conf):
    """By default one fewer than all: another project's goes at once."""
    engine_ = engine(conf, max_transfers=3)
    first = [queue_migration(engine_.services) for _ in range(4)]
    release = threading.Event()
    started = []

    def run(migration_id):
        started.append(migration_id)
        release.wait(60)

    with mock.patch.object(engine_.runner, 'run', run):
        tick(engine_)
        assert eventually(lambda: len(started) == 2)
        assert sorted(started) == sorted(first[:2])
        other = queue_migration(engine_.services, 'project-b')
        tick(engine_)
        assert eventually(lambda: len(started) == 3)
        assert started[2] == other
        release.set()
        assert eventually(lambda: not engine_._running)
    engine_.stop()
