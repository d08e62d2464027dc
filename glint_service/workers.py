"""The migrations' workers, in the API process's own threads.

Each API process runs up to ``[migrations] workers`` migrations at a time.
A migration is claimed in the database before it runs, atomically, so that of
several processes sharing the database exactly one runs it; the claim is a
lease that the process renews while it runs the migration. A running
migration whose lease has run out belongs to a process that is gone (or that
lost its database mid-transfer and stopped): the first process to see it
claims it and ends it as failed, deleting its partial images. A live
process's migrations are never touched.

Ending abandoned migrations and deleting leftover images call other clouds,
which may be slow to answer: they run on a small pool of their own, never on
the thread that renews the leases.
"""

import concurrent.futures
import os
import socket
import threading
import uuid

from oslo_log import log as logging

from glint_service import exception
from glint_service import migrator

LOG = logging.getLogger(__name__)

# Threads that end abandoned migrations and delete leftover images.
CLEANUP_THREADS = 2


class Workers(object):

    def __init__(self, state):
        self.state = state
        self.db = state.db
        self.conf = state.conf.migrations
        self.runner = migrator.Runner(state)
        self.owner = '%s:%d:%s' % (socket.gethostname(), os.getpid(),
                                   uuid.uuid4().hex[:8])
        self._pool = concurrent.futures.ThreadPoolExecutor(
            self.conf.workers, thread_name_prefix='glint-migration')
        self._cleanup = concurrent.futures.ThreadPoolExecutor(
            CLEANUP_THREADS, thread_name_prefix='glint-cleanup')
        self._running = set()
        # Migrations this process is ending (their leases renewed meanwhile)
        # and leftover images it is deleting: each once at a time.
        self._recovering = set()
        self._removing = set()
        # migration id -> the auth of the user who just asked for it.
        self._callers = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name='glint-workers')

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True)
        self._cleanup.shutdown(wait=True)

    def nudge(self, migration_id=None, caller=None):
        """Look for queued migrations now, not at the next poll.

        ``caller`` is the auth of the user who has just asked for
        ``migration_id`` (``context.user_auth``). If this process runs that
        migration while the user's token is still good, it opens the source
        with the token: no trust-scoped login, and a token the source's Glance
        knows already (see ``cloud_access.source_glance``); and at the end it
        deletes the migration's trust with it. Kept only in memory, and only
        while the token lasts.
        """
        if caller is not None:
            with self._lock:
                self._callers = {
                    known: auth for known, auth in self._callers.items()
                    if not auth.user.will_expire_soon()}
                self._callers[migration_id] = caller
        self._wake.set()

    def _loop(self):
        while not self._stop.is_set():
            try:
                self.tick()
            except exception.DatabaseUnavailable:
                pass  # Said in the log already, in one line.
            except Exception:
                LOG.exception('Migration workers: a round failed')
            self._wake.wait(self.conf.poll_interval)
            self._wake.clear()

    def tick(self):
        # Only those it runs: a run that ended without recording its end
        # (its database was gone) is left to its lease's end, then ended.
        with self._lock:
            held = list(self._running | self._recovering)
        self.db.renew_leases(self.owner, held, self.conf.lease_seconds)
        for migration_id in self.db.abandoned_migration_ids():
            if self.db.claim(migration_id, self.owner,
                             self.conf.lease_seconds):
                with self._lock:
                    self._recovering.add(migration_id)
                self._cleanup.submit(self._recover, migration_id)
        # While under its limit, one claim at a time (see claim_next).
        while True:
            with self._lock:
                if len(self._running) >= self.conf.workers:
                    break
            migration_id = self.db.claim_next(self.owner,
                                              self.conf.lease_seconds)
            if migration_id is None:
                break
            with self._lock:
                self._running.add(migration_id)
                caller = self._callers.pop(migration_id, None)
            self._pool.submit(self._run, migration_id, caller)
        # Clouds deleted through another process: their secrets leave
        # this one's memory too.
        self.state.remote_sessions.keep(self.db.cloud_ids())
        for record in self.db.leftovers():
            key = (record.migration_id, record.position)
            with self._lock:
                if key in self._removing:
                    continue
                self._removing.add(key)
            self._cleanup.submit(self._remove_leftover, key, record)

    def _recover(self, migration_id):
        try:
            self._safely(self.runner.recover, migration_id)
        finally:
            with self._lock:
                self._recovering.discard(migration_id)

    def _remove_leftover(self, key, record):
        try:
            self._safely(self.runner.remove_leftover, record)
        finally:
            with self._lock:
                self._removing.discard(key)

    def _run(self, migration_id, caller):
        try:
            self.runner.run(migration_id, caller)
        except exception.DatabaseUnavailable:
            # Its lease runs out: it is ended once the database is back.
            LOG.warning('Migration %s stopped: it could not be recorded',
                        migration_id)
        except Exception:
            LOG.exception('Migration %s failed unexpectedly', migration_id)
            self._safely(self.runner.recover, migration_id,
                         'internal error; the service log has the details')
        finally:
            with self._lock:
                self._running.discard(migration_id)
            self._wake.set()

    def _safely(self, function, *args):
        try:
            return function(*args)
        except exception.DatabaseUnavailable:
            pass  # Said in the log already; the next round tries again.
        except Exception:
            LOG.exception('Migration workers: %s failed for %s',
                          function.__name__, args)
