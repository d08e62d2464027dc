"""The workers' rounds: leases, and the caller's token handed from the
request to the worker that runs the migration."""

import threading
from unittest import mock

from glint_service import deploy
from tests.unit import test_cloud_access


def queue_migration(state):
    return state.db.create_migration({
        'project_id': 'project-a', 'created_by': 'user-a',
        'image_id': 'a1', 'source': 'local', 'visibility': 'private',
        'on_conflict': 'copy', 'size': 10}, ['cloud-b']).id


def test_the_worker_gets_the_caller_of_the_migration_it_runs(conf):
    state = deploy.State(conf)
    caller = test_cloud_access.caller(3600)
    migration_id = queue_migration(state)
    state.workers.nudge(migration_id, caller)
    with mock.patch.object(state.workers.runner, 'run') as run:
        state.workers.tick()
        state.workers.stop()
    run.assert_called_once_with(migration_id, caller)


def test_callers_whose_tokens_ran_out_are_forgotten(conf):
    """Such as those of migrations another process ran."""
    state = deploy.State(conf)
    state.workers.nudge('run-elsewhere', test_cloud_access.caller(-10))
    state.workers.nudge('run-elsewhere-too', test_cloud_access.caller(3600))
    state.workers.nudge('asked-for-now', test_cloud_access.caller(3600))
    assert set(state.workers._callers) == {'run-elsewhere-too',
                                           'asked-for-now'}


def test_without_a_caller_the_worker_runs_with_the_trust(conf):
    state = deploy.State(conf)
    migration_id = queue_migration(state)
    state.workers.nudge()
    with mock.patch.object(state.workers.runner, 'run') as run:
        state.workers.tick()
        state.workers.stop()
    run.assert_called_once_with(migration_id, None)


def test_a_process_renews_the_leases_of_the_migrations_it_runs_only(conf):
    # Both claimed by this process, their leases run out; one is still
    # running here, the other's run ended without recording its end (the
    # database was gone at that moment): that one is ended as interrupted.
    state = deploy.State(conf)
    workers = state.workers
    running, ended = queue_migration(state), queue_migration(state)
    for migration_id in (running, ended):
        assert state.db.claim(migration_id, workers.owner, lease_seconds=-1)
    workers._running.add(running)
    with mock.patch.object(workers.runner, 'recover') as recover:
        workers.tick()
        workers.stop()
    recover.assert_called_once_with(ended)
    assert state.db.abandoned_migration_ids() == []
    assert state.db.get_migration(running).owner == workers.owner


def test_a_stuck_cleanup_neither_holds_the_leases_nor_runs_twice(conf):
    """A target Glance slow to answer a DELETE costs no lease."""
    state = deploy.State(conf)
    workers = state.workers
    running, left = queue_migration(state), queue_migration(state)
    assert state.db.claim(running, workers.owner, lease_seconds=-1)
    workers._running.add(running)
    state.db.update_migration(left, status='failed')
    state.db.update_target(left, 0, status='failed', image_id='i1',
                           leftover=True)
    started, release = threading.Event(), threading.Event()
    calls = []

    def stuck(record):
        calls.append(record.migration_id)
        started.set()
        release.wait(60)

    with mock.patch.object(workers.runner, 'remove_leftover', stuck):
        workers.tick()
        assert started.wait(60)
        # The round is over, the deletion still hangs: the lease of the
        # running migration was renewed, and a next round does not ask for
        # the same deletion again.
        assert state.db.abandoned_migration_ids() == []
        state.db.claim(running, workers.owner, lease_seconds=-1)
        workers.tick()
        assert state.db.abandoned_migration_ids() == []
        assert calls == [left]
        release.set()
        workers.stop()
