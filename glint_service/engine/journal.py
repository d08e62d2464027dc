"""A running migration's state, and the one writer of its record.

The runner tells the journal what happens to each target and how many
bytes were read; the journal writes it to the database: progress now and
then, the migration's end once.
"""

import threading
import time

from oslo_log import log as logging

from glint_service.db import api as db_api
from glint_service import exception
from glint_service import states

LOG = logging.getLogger(__name__)

# Seconds between two tries of a record that must be kept.
RETRY_SECONDS = 1


class Target(object):
    """One target of the running migration, as its journal keeps it."""

    def __init__(self, record):
        self.position = record.position
        self.cloud_id = record.cloud_id
        self.status = record.status
        self.image_id = record.image_id
        self.error = record.error
        self.leftover = record.leftover
        self.written = record.bytes_written
        self.settings = record.settings
        # Whether image_id is an image Glint made, which it may delete (not
        # the identical image a skipped target reports).
        self.made = self.unfinished and self.image_id is not None
        self.glance = None
        self.pipe = None
        self.thread = None

    @property
    def unfinished(self):
        return self.status in states.TARGET_UNFINISHED

    def record(self):
        """What the database keeps of it."""
        if self.pipe is not None:
            self.written = self.pipe.bytes_taken
        return {'status': self.status, 'error': self.error,
                'image_id': self.image_id, 'leftover': self.leftover,
                'bytes_written': self.written}


class Journal(object):
    """A running migration's state, and the one writer of its record.

    The transfer tells it what happens to each target (``set``, ``fail``)
    and how many bytes were read; it writes that with ``save`` (every
    progress_interval, and at once when the targets' images are made, so
    that a run that dies leaves the ids of the images to delete), and the
    migration's end once, with every target's (``end``). A database that
    cannot be reached is handled here alone: progress records are skipped,
    and records that must be kept (an image's id, the end) tried again, for
    up to half a lease; then the run stops (DatabaseUnavailable) before
    another engine may take the migration for abandoned.
    """

    def __init__(self, db, migration, lease_seconds):
        self.db = db
        self.migration = migration
        self.targets = [Target(record) for record in migration.targets]
        self.bytes_read = 0
        # {algorithm: hex digest} of the data streamed, once it all was.
        self.hashes = {}
        # The image's size: the migration's, or once its data has all
        # come, the bytes that came (a link's decompressed image).
        self.size = migration.size
        self.patience = lease_seconds / 2
        self.recorded = time.monotonic()
        self._lock = threading.Lock()

    def set(self, target, **values):
        with self._lock:
            for name, value in values.items():
                setattr(target, name, value)

    def fail(self, target, error):
        LOG.warning('Migration %s: target %s failed: %s',
                    self.migration.id, target.cloud_id, error)
        self.set(target, status=states.FAILED, error=error)

    def save(self, keep=False):
        """Record progress; returns whether a cancel was asked for.

        A database that cannot be reached for a moment does not stop the
        transfer: that record is skipped, or with ``keep`` tried again, up
        to ``patience`` seconds.
        """
        with self._lock:
            targets = {t.position: t.record() for t in self.targets}

        def save_progress():
            return self.db.save_progress(self.migration.id, self.bytes_read,
                                         targets, owner=self.migration.owner)

        if keep:
            return self._persist(save_progress)
        now = time.monotonic()
        try:
            cancel = save_progress()
        except exception.DatabaseUnavailable:
            if now - self.recorded > self.patience:
                raise
            return False
        self.recorded = now
        return cancel

    def end(self, status, error=None):
        """Record the migration's end and every target's, at once."""
        with self._lock:
            targets = {t.position: t.record() for t in self.targets}
        self._persist(lambda: self.db.end_migration(
            self.migration.id, targets, owner=self.migration.owner,
            status=status, error=error, bytes_read=self.bytes_read,
            size=self.size, finished_at=db_api.utcnow()))
        LOG.info('Migration %s %s', self.migration.id, status)

    def _persist(self, write):
        """``write()``, tried again while the database is gone.

        Each second, for up to ``patience`` since the last record.
        """
        while True:
            try:
                result = write()
            except exception.DatabaseUnavailable:
                if time.monotonic() - self.recorded > self.patience:
                    raise
                time.sleep(RETRY_SECONDS)
                continue
            self.recorded = time.monotonic()
            return result

    def outcome(self, error=None):
        """The migration's status, and its error, from its targets'."""
        statuses = {t.status for t in self.targets}
        if states.CANCELLED in statuses:
            status = states.CANCELLED
        elif statuses <= set(states.TARGET_DONE):
            status = states.SUCCEEDED
        elif statuses & set(states.TARGET_DONE):
            status = states.PARTIAL
        else:
            status = states.FAILED
        if error is None and status in (states.PARTIAL, states.FAILED):
            error = '; '.join('%s: %s' % (t.cloud_id, t.error)
                              for t in self.targets
                              if t.status == states.FAILED)
        return status, error
