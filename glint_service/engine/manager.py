"""The engine: claims queued migrations and runs them, in glint-engine.

The database is the queue. Each engine runs up to ``[engine]
max_transfers`` migrations at a time, and claims one more only while under
that (see db.queue.Queue.claim_next: one row, fairly across projects, without
listing the queue). A claim is a lease that the engine renews while it runs
the migration. A running migration whose lease has run out belongs to an
engine that is gone (killed, or cut from its database mid-transfer): the
first engine to see it claims it and ends it as failed, deleting its partial
images. A live engine's migrations are never touched.

An engine with room for another transfer looks at the queue every
``[engine] poll_interval`` (a claim that finds the queue empty reads one
index entry), and at once when one of its transfers ends. The rest of its
work is done six times per lease: renewing its leases, ending abandoned
migrations, deleting leftover images. Ending and deleting call other
clouds, which may be slow to answer: they run on a small pool of their own,
each once at a time, never on the thread that renews the leases.

``stop`` hands the migrations still streaming back to the queue (their
partial images deleted, their claims released), so that another engine
takes them at once.
"""

import collections
import concurrent.futures
import os
import socket
import threading
import time
import uuid

from oslo_log import log as logging

from glint_service.engine import cleanup
from glint_service.engine import runner
from glint_service import exception

LOG = logging.getLogger(__name__)


class Engine(object):

    def __init__(self, services, notifier):
        self.services = services
        self.notifier = notifier
        self.db = services.db
        self.conf = services.conf.engine
        self.owner = '%s:%d:%s' % (socket.gethostname(), os.getpid(),
                                   uuid.uuid4().hex[:8])
        self.stopping = threading.Event()
        self.runner = runner.Runner(services, notifier, self.stopping)
        self.cleanup = cleanup.Cleanup(services, notifier)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            self.conf.max_transfers, thread_name_prefix='glint-transfer')
        self._cleanup_pool = concurrent.futures.ThreadPoolExecutor(
            self.conf.cleanup_threads, thread_name_prefix='glint-cleanup')
        # The migrations it runs, and their projects.
        self._running = {}
        # Migrations this engine is ending (their leases renewed meanwhile)
        # and leftover images it is deleting: each once at a time.
        self._recovering = set()
        self._removing = set()
        self._lock = threading.Lock()
        # Held while claiming: stop waits for a claim under way to be run.
        self._claiming = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name='glint-engine')

    def start(self):
        LOG.info('Glint engine %s: up to %d transfers at once; '
                 'notifications %s', self.owner, self.conf.max_transfers,
                 'on' if self.notifier.enabled else 'off')
        self._thread.start()

    def stop(self):
        """Stop: claim nothing more, hand back what still streams.

        The leases are renewed until the transfers have handed their
        migrations back or ended; the cleanups not yet begun are dropped
        (another engine does them), and the claims of migrations still
        being ended are released.
        """
        LOG.info('Glint engine %s stopping: handing its migrations back',
                 self.owner)
        self.stopping.set()
        self._cleanup_pool.shutdown(wait=False, cancel_futures=True)
        with self._claiming:
            self._pool.shutdown(wait=True)
        self._cleanup_pool.shutdown(wait=True)
        self._stop.set()
        self._wake.set()
        # Its loop ends between two steps: each a query or two of the
        # database, which gives up within half a lease.
        if self._thread.is_alive():
            self._thread.join(self.conf.lease_seconds)
        if self._thread.is_alive():
            LOG.warning('Glint engine %s: its loop did not end within %d s',
                        self.owner, self.conf.lease_seconds)
        with self._lock:
            left = list(self._recovering)
        try:
            self.db.release_leases(self.owner, left)
        except exception.DatabaseUnavailable:
            pass  # Their leases run out by themselves.
        self.notifier.close()
        LOG.info('Glint engine %s stopped', self.owner)

    def wait(self):
        self._thread.join()

    def _loop(self):
        # Six times per lease: a lease is renewed well before it runs out.
        interval = self.conf.lease_seconds / 6
        due = time.monotonic()
        while not self._stop.is_set():
            if time.monotonic() >= due:
                due = time.monotonic() + interval
                self._safely(self.look_after)
            self._safely(self.claim)
            self._wake.wait(self.conf.poll_interval)
            self._wake.clear()

    def look_after(self):
        """Renew the leases; end abandoned migrations, delete leftovers."""
        # Only those it runs: a run that ended without recording its end
        # (its database was gone) is left to its lease's end, then ended.
        with self._lock:
            held = list(self._running.keys() | self._recovering)
        self.db.renew_leases(self.owner, held, self.conf.lease_seconds)
        if self.stopping.is_set():
            return
        for migration_id in self.db.abandoned_migration_ids():
            if self.db.claim(migration_id, self.owner,
                             self.conf.lease_seconds):
                with self._lock:
                    self._recovering.add(migration_id)
                # Refused once the engine stops: stop releases its claim.
                self._cleanup_later(self._recover, migration_id)
        self.cleanup.expire_uploads(
            self.services.conf.migrations.upload_wait_seconds)
        # Clouds deleted through another process: their secrets leave
        # this one's memory too.
        self.services.remote_sessions.keep(self.db.cloud_ids())
        for record in self.db.leftovers():
            key = (record.migration_id, record.position)
            with self._lock:
                if key in self._removing:
                    continue
                self._removing.add(key)
            if not self._cleanup_later(self._remove_leftover, key, record):
                with self._lock:
                    self._removing.discard(key)

    def _cleanup_later(self, function, *args):
        """Run on the cleanup pool; False if the engine stops meanwhile."""
        try:
            self._cleanup_pool.submit(function, *args)
        except RuntimeError:
            return False  # Its pool is shut down: the engine stops.
        return True

    def claim(self):
        """While under its limit, one claim at a time (see claim_next)."""
        with self._claiming:
            self._claim_while_free()

    def _claim_while_free(self):
        per_project = self.conf.max_transfers_per_project or max(
            1, self.conf.max_transfers - 1)
        while not self.stopping.is_set():
            with self._lock:
                if len(self._running) >= self.conf.max_transfers:
                    return
                running = collections.Counter(self._running.values())
            claimed = self.db.claim_next_of(
                self.owner, self.conf.lease_seconds,
                [p for p, count in running.items() if count >= per_project])
            if claimed is None:
                return
            migration_id, project_id = claimed
            with self._lock:
                self._running[migration_id] = project_id
            self._pool.submit(self._run, migration_id)

    def _recover(self, migration_id):
        try:
            self._safely(self.cleanup.recover, migration_id)
        finally:
            with self._lock:
                self._recovering.discard(migration_id)

    def _remove_leftover(self, key, record):
        try:
            self._safely(self.cleanup.remove_leftover, record)
        finally:
            with self._lock:
                self._removing.discard(key)

    def _run(self, migration_id):
        try:
            self.runner.run(migration_id)
        except exception.DatabaseUnavailable:
            # Its lease runs out: it is ended once the database is back.
            LOG.warning('Migration %s stopped: it could not be recorded',
                        migration_id)
        except exception.LeaseLost:
            LOG.warning('Migration %s stopped: its lease ran out, and '
                        'another engine took it over', migration_id)
        except Exception:
            LOG.exception('Migration %s failed unexpectedly', migration_id)
            self._safely(self.cleanup.recover, migration_id,
                         'internal error; the service log has the details')
        finally:
            with self._lock:
                self._running.pop(migration_id, None)
            self._wake.set()

    def _safely(self, function, *args):
        try:
            return function(*args)
        except exception.DatabaseUnavailable:
            pass  # Said in the log already; the next round tries again.
        except Exception:
            LOG.exception('Glint engine: %s%r failed', function.__name__,
                          args)
